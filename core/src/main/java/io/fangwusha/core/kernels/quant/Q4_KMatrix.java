package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import io.fangwusha.core.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * ggml Q4_K: super-blocks of 256 elements in 144 bytes: {@code f16 d}, {@code f16 dmin}, 12 bytes of 6-bit
 * sub-block scales and mins (8 of each, packed), 128 bytes of nibbles. The super-block is 4 chunks of 64 elements;
 * chunk {@code j} uses 32 bytes, whose low nibbles are elements {@code 64j+0..31} (sub-block {@code 2j}) and high
 * nibbles elements {@code 64j+32..63} (sub-block {@code 2j+1}). Value = {@code d*sc[s]*q - dmin*m[s]}.
 */
final class Q4_KMatrix extends BlockMatrix {
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    Q4_KMatrix(Tensor t) {
        super(t, DType.Q4_K);
    }

    /**
     * Sub-block {@code s} (0..7) scale (low 8 bits of the result) and min (next 8 bits). Sub-blocks 0..3 keep
     * their 6-bit scale/min in the low 6 bits of bytes {@code s} / {@code s+4}; sub-blocks 4..7 take their low 4 bits
     * from the nibbles of byte {@code s+4} (scale low, min high) and their top 2 bits from the spare top bits of
     * bytes {@code s-4} (scale) and {@code s} (min).
     */
    static int scaleMin(MemorySegment seg, long scales, int s) {
        int sc;
        int m;
        if (s < 4) {
            sc = u8(seg, scales + s) & 63;
            m = u8(seg, scales + s + 4) & 63;
        } else {
            int b = u8(seg, scales + s + 4);
            sc = (b & 0x0F) | ((u8(seg, scales + s - 4) >> 6) << 4);
            m = (b >> 4) | ((u8(seg, scales + s) >> 6) << 4);
        }
        return sc | (m << 8);
    }

    private static int u8(MemorySegment seg, long off) {
        return seg.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    @Override
    void dot4(int r, float[] x, int xOff, float[] out, int o, float[] lanes, long ahead) {
        if (L != 16) {
            super.dot4(r, x, xOff, out, o, lanes, ahead);
            return;
        }
        dot2(r, x, xOff, out, o, lanes);
        dot2(r + 2, x, xOff, out, o + 2, lanes);
    }

    /**
     * Two rows decoded in registers. A sub-block's 16 possible values {@code d*sc*k - dmin*m} ({@code k < 16}) form
     * one vector, computed with {@link #decodeRow}'s two roundings, and the nibbles index it with one lane permute
     * (indices wrap modulo 16, so the high nibble needs only a shift). Column order and values are
     * {@link #decodeRow}'s, so results equal the batched path's bit for bit.
     */
    private void dot2(int r, float[] x, int xOff, float[] out, int o, float[] lanes) {
        long r0 = r * rowBytes, r1 = r0 + rowBytes;
        float[] f = FACTORS.get();
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (long sb = 0; sb < rowBytes; sb += 144, xOff += 256) {
            factors(r0 + sb, f, 0);
            factors(r1 + sb, f, 16);
            for (int j = 0; j < 4; j++) {
                int xj = xOff + 64 * j;
                long q0 = r0 + sb + 16 + 32 * j, q1 = r1 + sb + 16 + 32 * j;
                FloatVector x0 = FloatVector.fromArray(F, x, xj), x1 = FloatVector.fromArray(F, x, xj + 16);
                FloatVector x2 = FloatVector.fromArray(F, x, xj + 32), x3 = FloatVector.fromArray(F, x, xj + 48);
                IntVector lo = K16.mul(f[2 * j]).sub(f[8 + 2 * j]).reinterpretAsInts();
                IntVector hi = K16.mul(f[2 * j + 1]).sub(f[8 + 2 * j + 1]).reinterpretAsInts();
                IntVector qa = ints(q0), qb = ints(q0 + 16);
                a0 = qa.selectFrom(lo).reinterpretAsFloats().fma(x0, a0);
                a0 = qb.selectFrom(lo).reinterpretAsFloats().fma(x1, a0);
                a0 = qa.lanewise(VectorOperators.ASHR, 4).selectFrom(hi).reinterpretAsFloats().fma(x2, a0);
                a0 = qb.lanewise(VectorOperators.ASHR, 4).selectFrom(hi).reinterpretAsFloats().fma(x3, a0);
                lo = K16.mul(f[16 + 2 * j]).sub(f[24 + 2 * j]).reinterpretAsInts();
                hi = K16.mul(f[16 + 2 * j + 1]).sub(f[24 + 2 * j + 1]).reinterpretAsInts();
                qa = ints(q1);
                qb = ints(q1 + 16);
                a1 = qa.selectFrom(lo).reinterpretAsFloats().fma(x0, a1);
                a1 = qb.selectFrom(lo).reinterpretAsFloats().fma(x1, a1);
                a1 = qa.lanewise(VectorOperators.ASHR, 4).selectFrom(hi).reinterpretAsFloats().fma(x2, a1);
                a1 = qb.lanewise(VectorOperators.ASHR, 4).selectFrom(hi).reinterpretAsFloats().fma(x3, a1);
            }
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        out[o] = VectorMath.sumLanesScalar(lanes, 0, L);
        out[o + 1] = VectorMath.sumLanesScalar(lanes, L, L);
    }

    private static final ThreadLocal<float[]> FACTORS = ThreadLocal.withInitial(() -> new float[32]);

    /** {@code f[off + s] = d * sc[s]}, {@code f[off + 8 + s] = dmin * m[s]} for the 8 sub-blocks, as decodeRow computes them. */
    private void factors(long sb, float[] f, int off) {
        float d = f16(data, sb), dmin = f16(data, sb + 2);
        for (int s = 0; s < 8; s++) {
            int sm = scaleMin(data, sb + 4, s);
            f[off + s] = d * (sm & 0xFF);
            f[off + 8 + s] = dmin * (sm >> 8);
        }
    }

    private IntVector ints(long off) {
        return (IntVector) ByteVector.fromMemorySegment(B, data, off, LE).convertShape(VectorOperators.B2I, I16, 0);
    }

    private static final VectorSpecies<Integer> I16 = IntVector.SPECIES_512;
    /** {@code k} for {@code k < 16} (16-lane vectors only). */
    private static final FloatVector K16 = L == 16 ? FloatVector.fromArray(F, new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 0) : null;

    @Override
    void decodeRow(long rowOffset, float[] dst, int off) {
        long src = rowOffset;
        for (int blk = 0; blk < blocksPerRow; blk++, src += 144, off += 256) {
            float d = f16(data, src);
            float dmin = f16(data, src + 2);
            for (int j = 0; j < 4; j++) {
                int sm1 = scaleMin(data, src + 4, 2 * j);
                int sm2 = scaleMin(data, src + 4, 2 * j + 1);
                float a1 = d * (sm1 & 0xFF), b1 = dmin * (sm1 >> 8);
                float a2 = d * (sm2 & 0xFF), b2 = dmin * (sm2 >> 8);
                int base = off + 64 * j;
                for (int h = 0; h < 2; h++) {
                    ByteVector q = ByteVector.fromMemorySegment(B, data, src + 16 + 32 * j + 16 * h, LE);
                    ByteVector lo = q.and((byte) 0x0F);
                    ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F);
                    for (int p = 0; p < PARTS; p++) {
                        ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(a1).sub(b1)
                                .intoArray(dst, base + 16 * h + p * L);
                        ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(a2).sub(b2)
                                .intoArray(dst, base + 32 + 16 * h + p * L);
                    }
                }
            }
        }
    }
}
