package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.kernels.VectorMath;
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

    /** Elements {@code 16h + pL ..} of a block's quants {@code q}, dequantised exactly as {@link #decodeRow} does. */
    private static FloatVector w(ByteVector q, int h, int p, float d) {
        ByteVector n = (h == 0 ? q.and((byte) 0x0F) : q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F)).sub((byte) 8);
        return ((FloatVector) n.convertShape(VectorOperators.B2F, F, p)).mul(d);
    }

    @Override
    void dot4(int r, float[] x, int xOff, float[] out, int o) {
        long o0 = r * rowBytes, o1 = o0 + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int blk = 0; blk < blocksPerRow; blk++, o0 += 18, o1 += 18, o2 += 18, o3 += 18, xOff += 32) {
            float d0 = f16(data, o0), d1 = f16(data, o1), d2 = f16(data, o2), d3 = f16(data, o3);
            ByteVector q0 = ByteVector.fromMemorySegment(B, data, o0 + 2, LE), q1 = ByteVector.fromMemorySegment(B, data, o1 + 2, LE);
            ByteVector q2 = ByteVector.fromMemorySegment(B, data, o2 + 2, LE), q3 = ByteVector.fromMemorySegment(B, data, o3 + 2, LE);
            for (int h = 0; h < 2; h++) {
                for (int p = 0; p < PARTS; p++) {
                    FloatVector xv = FloatVector.fromArray(F, x, xOff + 16 * h + p * L);
                    a0 = w(q0, h, p, d0).fma(xv, a0);
                    a1 = w(q1, h, p, d1).fma(xv, a1);
                    a2 = w(q2, h, p, d2).fma(xv, a2);
                    a3 = w(q3, h, p, d3).fma(xv, a3);
                }
            }
        }
        out[o] = VectorMath.sumLanes(a0);
        out[o + 1] = VectorMath.sumLanes(a1);
        out[o + 2] = VectorMath.sumLanes(a2);
        out[o + 3] = VectorMath.sumLanes(a3);
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
