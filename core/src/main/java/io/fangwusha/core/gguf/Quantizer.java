package io.fangwusha.core.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * ggml's reference quantizers (the ones llama-quantize uses to make Q8_0/Q4_0 files), reproduced bit for bit:
 * same float32 arithmetic in the same order, same rounding, fp16 scales rounded to nearest-even.
 */
public final class Quantizer {
    private Quantizer() {}

    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Q8_0: per 32 elements {@code d = amax / 127} (float32), {@code id = 1/d} (0 if d is 0), stored scale
     * {@code fp16(d)}, {@code q = roundf(x * id)} (halves away from zero, as C's roundf). Note q uses the float32
     * {@code id}, not the fp16-rounded scale, exactly like ggml.
     */
    public static void quantizeRowQ8_0(float[] x, int off, int n, MemorySegment dst, long dstOff) {
        check(n);
        for (int b = 0; b < n / 32; b++, off += 32, dstOff += 34) {
            float amax = 0f;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[off + j]));
            float d = amax / 127f;
            float id = d != 0f ? 1.0f / d : 0f;
            dst.set(F16, dstOff, Float.floatToFloat16(d));
            for (int j = 0; j < 32; j++) {
                dst.set(ValueLayout.JAVA_BYTE, dstOff + 2 + j, (byte) roundf(x[off + j] * id));
            }
        }
    }

    /**
     * Q4_0: per 32 elements take the element of largest magnitude (first one on ties) with its sign, {@code max};
     * {@code d = max / -8}, {@code id = 1/d}; {@code q = min(15, (int8)(x*id + 8.5f))} (truncation); byte {@code j}
     * packs element {@code j} (low nibble) and {@code j+16} (high nibble).
     */
    public static void quantizeRowQ4_0(float[] x, int off, int n, MemorySegment dst, long dstOff) {
        check(n);
        for (int b = 0; b < n / 32; b++, off += 32, dstOff += 18) {
            float amax = 0f, max = 0f;
            for (int j = 0; j < 32; j++) {
                float v = x[off + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8f;
            float id = d != 0f ? 1.0f / d : 0f;
            dst.set(F16, dstOff, Float.floatToFloat16(d));
            for (int j = 0; j < 16; j++) {
                int q0 = Math.min(15, (byte) (int) (x[off + j] * id + 8.5f));
                int q1 = Math.min(15, (byte) (int) (x[off + 16 + j] * id + 8.5f));
                dst.set(ValueLayout.JAVA_BYTE, dstOff + 2 + j, (byte) (q0 | (q1 << 4)));
            }
        }
    }

    /** C's roundf: nearest, halves away from zero (exact: a float plus 0.5 is exact in double). */
    static int roundf(float v) {
        double r = Math.floor(Math.abs((double) v) + 0.5);
        return (int) Math.copySign(r, v);
    }

    /** float32 → bfloat16 bits, round to nearest even, NaN kept quiet (as llama.cpp's converter does). */
    public static short toBf16(float f) {
        return io.fangwusha.core.kernels.HalfVectors.toBf16(f);
    }

    private static void check(int n) {
        if (n % 32 != 0) throw new IllegalArgumentException("row length " + n + " is not a multiple of 32");
    }
}
