package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * ggml Q4_0: blocks of 32 elements, {@code f16 d} then 16 bytes; byte {@code j} holds element {@code j} in its low
 * nibble and element {@code j+16} in its high nibble; value = {@code (nibble - 8) * d}.
 */
final class Q4_0Matrix extends BlockMatrix {
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    Q4_0Matrix(Tensor t) {
        super(t, DType.Q4_0);
    }

    @Override
    float dotRow(long rowOffset, float[] x, int xOff) {
        FloatVector acc = FloatVector.zero(F);
        long off = rowOffset;
        for (int blk = 0; blk < blocksPerRow; blk++, off += 18, xOff += 32) {
            float d = f16(data, off);
            ByteVector q = ByteVector.fromMemorySegment(B, data, off + 2, LE);
            ByteVector lo = q.and((byte) 0x0F).sub((byte) 8);
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8);
            FloatVector s = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                s = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p))
                        .fma(FloatVector.fromArray(F, x, xOff + p * L), s);
                s = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p))
                        .fma(FloatVector.fromArray(F, x, xOff + 16 + p * L), s);
            }
            acc = s.fma(FloatVector.broadcast(F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    void decodeRow(long rowOffset, float[] dst, int off) {
        long src = rowOffset;
        for (int blk = 0; blk < blocksPerRow; blk++, src += 18, off += 32) {
            float d = f16(data, src);
            ByteVector q = ByteVector.fromMemorySegment(B, data, src + 2, LE);
            ByteVector lo = q.and((byte) 0x0F).sub((byte) 8);
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8);
            for (int p = 0; p < PARTS; p++) {
                ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, off + p * L);
                ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, off + 16 + p * L);
            }
        }
    }
}
