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

    /**
     * 4 rows in flight in one loop. On the Intel Xeon of sessions 2-3, two calls of a 2-row loop were faster (C2
     * kept every offset in a register); on the AMD EPYC (Zen 5) the issue names, one 4-row loop is: 512x1024 in
     * cache, 1 thread, 35.8 -> 38.7-39.9 GFLOP/s; 151936x1024 warmed from DRAM 19.4 -> 20-21; 4B tg 4.6 -> 5.0.
     */
    @Override
    void dot4(int r, float[] x, int xOff, float[] out, int o, float[] lanes) {
        long r0 = r * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (long bo = 0; bo < rowBytes; bo += 34, xOff += 32) {
            float d0 = f16(data, r0 + bo), d1 = f16(data, r1 + bo), d2 = f16(data, r2 + bo), d3 = f16(data, r3 + bo);
            for (int h = 0; h < 2; h++) {
                for (int p = 0; p < PARTS; p++) {
                    FloatVector xv = FloatVector.fromArray(F, x, xOff + 16 * h + p * L);
                    a0 = w(r0 + bo, h, p, d0).fma(xv, a0);
                    a1 = w(r1 + bo, h, p, d1).fma(xv, a1);
                    a2 = w(r2 + bo, h, p, d2).fma(xv, a2);
                    a3 = w(r3 + bo, h, p, d3).fma(xv, a3);
                }
            }
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        a2.intoArray(lanes, 2 * L);
        a3.intoArray(lanes, 3 * L);
        for (int k = 0; k < 4; k++) out[o + k] = VectorMath.sumLanesScalar(lanes, k * L, L);
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
