package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.kernels.VectorMath;
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

    /** Elements {@code 16h + pL ..} of the block at {@code off}, dequantised exactly as {@link #decodeRow} does. */
    private FloatVector w(long off, int h, int p, float d) {
        ByteVector q = ByteVector.fromMemorySegment(B, data, off + 2 + 16 * h, LE);
        return ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).mul(d);
    }

    @Override
    void dot4(int r, float[] x, int xOff, float[] out, int o, float[] lanes) {
        dot2(r, x, xOff, out, o, lanes);
        dot2(r + 2, x, xOff, out, o + 2, lanes);
    }

    /** Two rows in flight: few enough live values that C2 keeps every offset in a register. */
    private void dot2(int r, float[] x, int xOff, float[] out, int o, float[] lanes) {
        long r0 = r * rowBytes, r1 = r0 + rowBytes;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (long bo = 0; bo < rowBytes; bo += 34, xOff += 32) {
            float d0 = f16(data, r0 + bo), d1 = f16(data, r1 + bo);
            for (int h = 0; h < 2; h++) {
                for (int p = 0; p < PARTS; p++) {
                    FloatVector xv = FloatVector.fromArray(F, x, xOff + 16 * h + p * L);
                    a0 = w(r0 + bo, h, p, d0).fma(xv, a0);
                    a1 = w(r1 + bo, h, p, d1).fma(xv, a1);
                }
            }
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        out[o] = VectorMath.sumLanesScalar(lanes, 0, L);
        out[o + 1] = VectorMath.sumLanesScalar(lanes, L, L);
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
