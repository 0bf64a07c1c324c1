package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
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
