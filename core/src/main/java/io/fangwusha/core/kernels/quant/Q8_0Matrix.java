package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** ggml Q8_0: blocks of 32 elements, {@code f16 d} then 32 {@code int8 q}; value = {@code q * d}. */
final class Q8_0Matrix extends BlockMatrix {
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    Q8_0Matrix(Tensor t) {
        super(t, DType.Q8_0);
    }

    @Override
    float dotRow(long rowOffset, float[] x, int xOff) {
        FloatVector acc = FloatVector.zero(F);
        long off = rowOffset;
        for (int blk = 0; blk < blocksPerRow; blk++, off += 34, xOff += 32) {
            float d = f16(data, off);
            FloatVector s = FloatVector.zero(F);
            for (int h = 0; h < 2; h++) {
                ByteVector q = ByteVector.fromMemorySegment(B, data, off + 2 + 16 * h, LE);
                for (int p = 0; p < PARTS; p++) {
                    FloatVector w = (FloatVector) q.convertShape(VectorOperators.B2F, F, p);
                    s = w.fma(FloatVector.fromArray(F, x, xOff + 16 * h + p * L), s);
                }
            }
            acc = s.fma(FloatVector.broadcast(F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    void decodeRow(long rowOffset, float[] dst, int off) {
        long src = rowOffset;
        for (int blk = 0; blk < blocksPerRow; blk++, src += 34, off += 32) {
            float d = f16(data, src);
            for (int h = 0; h < 2; h++) {
                ByteVector q = ByteVector.fromMemorySegment(B, data, src + 2 + 16 * h, LE);
                for (int p = 0; p < PARTS; p++) {
                    ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, off + 16 * h + p * L);
                }
            }
        }
    }
}
