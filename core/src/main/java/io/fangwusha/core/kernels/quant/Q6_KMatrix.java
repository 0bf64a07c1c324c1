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

    /** The four 16-element groups (q - 32 as int8) decoded from one 16-byte step, in element order +0,+32,+64,+96. */
    private ByteVector[] quads(long blockOff, int half, int h, ByteVector[] out) {
        long ql = blockOff + 64L * half + 16L * h;
        ByteVector qlA = ByteVector.fromMemorySegment(B, data, ql, LE);
        ByteVector qlB = ByteVector.fromMemorySegment(B, data, ql + 32, LE);
        ByteVector qh = ByteVector.fromMemorySegment(B, data, blockOff + 128 + 32L * half + 16L * h, LE);
        out[0] = qlA.and((byte) 0x0F).or(qh.and((byte) 3).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
        out[1] = qlB.and((byte) 0x0F).or(qh.lanewise(VectorOperators.LSHR, 2).and((byte) 3)
                .lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
        out[2] = qlA.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).or(qh.lanewise(VectorOperators.LSHR, 4)
                .and((byte) 3).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
        out[3] = qlB.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).or(qh.lanewise(VectorOperators.LSHR, 6)
                .and((byte) 3).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
        return out;
    }

    private float scale(long blockOff, int idx) {
        return data.get(ValueLayout.JAVA_BYTE, blockOff + 192 + idx);
    }

    @Override
    float dotRow(long rowOffset, float[] x, int xOff) {
        ByteVector[] q = new ByteVector[4]; // scalar-replaced by C2 (does not escape)
        FloatVector acc = FloatVector.zero(F);
        long off = rowOffset;
        for (int blk = 0; blk < blocksPerRow; blk++, off += 210, xOff += 256) {
            float d = f16(data, off + 208);
            for (int half = 0; half < 2; half++) {
                for (int h = 0; h < 2; h++) {
                    quads(off, half, h, q);
                    for (int g = 0; g < 4; g++) {
                        int e = 128 * half + 32 * g + 16 * h; // first element of this 16-group
                        FloatVector s = FloatVector.zero(F);
                        for (int p = 0; p < PARTS; p++) {
                            s = ((FloatVector) q[g].convertShape(VectorOperators.B2F, F, p))
                                    .fma(FloatVector.fromArray(F, x, xOff + e + p * L), s);
                        }
                        acc = s.fma(FloatVector.broadcast(F, d * scale(off, e / 16)), acc);
                    }
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    void decodeRow(long rowOffset, float[] dst, int off) {
        ByteVector[] q = new ByteVector[4];
        long src = rowOffset;
        for (int blk = 0; blk < blocksPerRow; blk++, src += 210, off += 256) {
            float d = f16(data, src + 208);
            for (int half = 0; half < 2; half++) {
                for (int h = 0; h < 2; h++) {
                    quads(src, half, h, q);
                    for (int g = 0; g < 4; g++) {
                        int e = 128 * half + 32 * g + 16 * h;
                        float a = d * scale(src, e / 16);
                        for (int p = 0; p < PARTS; p++) {
                            ((FloatVector) q[g].convertShape(VectorOperators.B2F, F, p)).mul(a)
                                    .intoArray(dst, off + e + p * L);
                        }
                    }
                }
            }
        }
    }
}
