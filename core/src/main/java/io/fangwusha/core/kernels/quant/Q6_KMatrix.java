package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import io.fangwusha.core.kernels.VectorMath;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * ggml Q6_K: super-blocks of 256 elements in 210 bytes: {@code ql[128]} (low 4 bits), {@code qh[64]} (high 2 bits),
 * {@code int8 scales[16]} (one per 16 elements), {@code f16 d}. Each half of 128 elements uses 64 bytes of ql and 32
 * of qh; for {@code l < 32}: element {@code l} = low nibble of {@code ql[l]} + qh bits 0-1, {@code l+32} = low
 * nibble of {@code ql[l+32]} + bits 2-3, {@code l+64} = high nibble of {@code ql[l]} + bits 4-5, {@code l+96} = high
 * nibble of {@code ql[l+32]} + bits 6-7. Value = {@code d * scale[e/16] * (q - 32)}.
 */
final class Q6_KMatrix extends BlockMatrix {
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    Q6_KMatrix(Tensor t) {
        super(t, DType.Q6_K);
    }

    /**
     * Group {@code g} (0..3: elements +0, +32, +64, +96 of the half) of one 16-byte step as {@code q - 32} int8:
     * {@code g} even takes the low nibble, odd the high nibble of ql (A for g 0/2, B for g 1/3 — see class doc), and
     * qh bits {@code 2g, 2g+1}. Returned by value so no array of vectors is allocated on the hot path.
     */
    private static ByteVector group(ByteVector qlA, ByteVector qlB, ByteVector qh, int g) {
        ByteVector ql = (g & 1) == 0 ? qlA : qlB;
        ByteVector low = g < 2 ? ql.and((byte) 0x0F) : ql.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F);
        ByteVector high = qh.lanewise(VectorOperators.LSHR, 2 * g).and((byte) 3).lanewise(VectorOperators.LSHL, 4);
        return low.or(high).sub((byte) 32);
    }

    private float scale(long blockOff, int idx) {
        return data.get(ValueLayout.JAVA_BYTE, blockOff + 192 + idx);
    }

    @Override
    void dot4(int r, float[] x, int xOff, float[] out, int o, float[] lanes, long ahead) {
        if (PARTS != 1) {
            super.dot4(r, x, xOff, out, o, lanes, ahead);
            return;
        }
        for (int k = 0; k < 4; k++) out[o + k] = dot1((r + k) * rowBytes, x, xOff, lanes);
    }

    /**
     * One row decoded in registers, in column order: per half, the 16-byte steps h of element groups g interleave
     * as {@code e = 128*half + 32*g + 16*h}, so both steps' bytes are loaded first and the groups visited g-major.
     * Factors {@code d * scale} come from {@link #factors} before the vector work (scalar reads between vector ops
     * cost C2 more than the decode).
     */
    private float dot1(long row, float[] x, int xOff, float[] lanes) {
        float[] f = FACTORS.get();
        FloatVector acc = FloatVector.zero(F);
        for (long src = row; src < row + rowBytes; src += 210, xOff += 256) {
            factors(src, f);
            for (int half = 0; half < 2; half++) {
                long ql = src + 64L * half, qh = src + 128 + 32L * half;
                ByteVector a0 = ByteVector.fromMemorySegment(B, data, ql, LE), b0 = ByteVector.fromMemorySegment(B, data, ql + 32, LE);
                ByteVector h0 = ByteVector.fromMemorySegment(B, data, qh, LE);
                ByteVector a1 = ByteVector.fromMemorySegment(B, data, ql + 16, LE), b1 = ByteVector.fromMemorySegment(B, data, ql + 48, LE);
                ByteVector h1 = ByteVector.fromMemorySegment(B, data, qh + 16, LE);
                int e = xOff + 128 * half, fs = 8 * half;
                for (int g = 0; g < 4; g++) {
                    acc = ((FloatVector) group(a0, b0, h0, g).convertShape(VectorOperators.B2F, F, 0)).mul(f[fs + 2 * g])
                            .fma(FloatVector.fromArray(F, x, e + 32 * g), acc);
                    acc = ((FloatVector) group(a1, b1, h1, g).convertShape(VectorOperators.B2F, F, 0)).mul(f[fs + 2 * g + 1])
                            .fma(FloatVector.fromArray(F, x, e + 32 * g + 16), acc);
                }
            }
        }
        acc.intoArray(lanes, 0);
        return VectorMath.sumLanesScalar(lanes, 0, L);
    }

    private static final ThreadLocal<float[]> FACTORS = ThreadLocal.withInitial(() -> new float[16]);

    /** {@code f[e/16] = d * scale[e/16]}, the factor of each 16 elements, as {@link #decodeRow} computes it. */
    private void factors(long src, float[] f) {
        float d = f16(data, src + 208);
        for (int i = 0; i < 16; i++) f[i] = d * scale(src, i);
    }

    @Override
    void decodeRow(long rowOffset, float[] dst, int off) {
        long src = rowOffset;
        for (int blk = 0; blk < blocksPerRow; blk++, src += 210, off += 256) {
            float d = f16(data, src + 208);
            for (int half = 0; half < 2; half++) {
                for (int h = 0; h < 2; h++) {
                    long ql = src + 64L * half + 16L * h;
                    ByteVector qlA = ByteVector.fromMemorySegment(B, data, ql, LE);
                    ByteVector qlB = ByteVector.fromMemorySegment(B, data, ql + 32, LE);
                    ByteVector qh = ByteVector.fromMemorySegment(B, data, src + 128 + 32L * half + 16L * h, LE);
                    for (int g = 0; g < 4; g++) {
                        ByteVector q = group(qlA, qlB, qh, g);
                        int e = 128 * half + 32 * g + 16 * h;
                        float a = d * scale(src, e / 16);
                        for (int p = 0; p < PARTS; p++) {
                            ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).mul(a)
                                    .intoArray(dst, off + e + p * L);
                        }
                    }
                }
            }
        }
    }
}
