package io.fangwusha.core.weights;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The counter-based generator of {@code shared/tools/make_random_qwen3.py} ("splitmix64-irwinhall4-v1"), so that a
 * Java-written random model is bit-identical to the Python one for the same seed and scheme. Element {@code i} of a
 * tensor depends only on (seed, tensor name, i): any chunk can be generated independently, in any order, on any
 * thread. The variate is Irwin-Hall(4) of the four 16-bit quarters of a splitmix64 output, rescaled to mean 0 and
 * std 1 (bell-shaped, bounded at ±3.46): cheaper than Box-Muller and plenty for random weights.
 */
public final class CounterRng {
    public static final String VERSION = "splitmix64-irwinhall4-v1";
    private static final long GAMMA = 0x9E3779B97F4A7C15L;
    private static final double K = Math.sqrt(3.0) / 65535.0;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private CounterRng() {}

    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static long fnv1a64(String s) {
        long h = 0xCBF29CE484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) h = (h ^ (b & 0xFF)) * 0x100000001B3L;
        return h;
    }

    /** The stream key of tensor {@code name} under {@code seed}. */
    public static long key(long seed, String name) {
        return mix64((seed * GAMMA) ^ fnv1a64(name));
    }

    /** Element {@code i} of stream {@code key}, as float32: {@code (float)(mean + std * x)} computed in double. */
    public static float value(long key, long i, double mean, double std) {
        long r = mix64(key + (i + 1) * GAMMA);
        long s = (r & 0xFFFF) + ((r >>> 16) & 0xFFFF) + ((r >>> 32) & 0xFFFF) + (r >>> 48);
        double x = (double) (s - 131070) * K;
        return (float) (mean + std * x);
    }

    /** float32 to bf16 bits, rounding to nearest even (the generator's documented rounding; NaN never occurs). */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /** Writes elements {@code [first, first+count)} of stream {@code key} into {@code dst} in {@code dtype}. */
    public static void fill(long key, double mean, double std, DType dtype, long first, long count, MemorySegment dst) {
        switch (dtype) {
            case BF16 -> {
                for (long j = 0; j < count; j++) dst.setAtIndex(LE_SHORT, j, toBf16(value(key, first + j, mean, std)));
            }
            case F16 -> {
                for (long j = 0; j < count; j++) {
                    dst.setAtIndex(LE_SHORT, j, Float.floatToFloat16(value(key, first + j, mean, std)));
                }
            }
            case F32 -> {
                for (long j = 0; j < count; j++) dst.setAtIndex(LE_FLOAT, j, value(key, first + j, mean, std));
            }
            default -> throw new IllegalArgumentException("cannot generate " + dtype);
        }
    }
}
