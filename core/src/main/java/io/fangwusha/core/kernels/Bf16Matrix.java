package io.fangwusha.core.kernels;

import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** BF16 weights: widening is exact (bf16 is the top half of a float32). */
public final class Bf16Matrix extends DenseMatrix {
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, jdk.incubator.vector.VectorShape.forBitSize(I.vectorBitSize() / 2));

    Bf16Matrix(Tensor t) {
        super(t);
    }

    @Override
    public void readRow(int row, float[] dst, int offset) {
        widen(tensor.data(), (long) row * cols * 2, dst, offset, cols);
    }

    /** Widens {@code n} little-endian bf16 values at byte offset {@code byteOff} into float32. */
    static void widen(MemorySegment seg, long byteOff, float[] dst, int offset, int n) {
        int step = I.length();
        int i = 0;
        for (; i <= n - step; i += step) {
            ShortVector s = ShortVector.fromMemorySegment(S, seg, byteOff + 2L * i, ByteOrder.LITTLE_ENDIAN);
            IntVector bits = (IntVector) s.convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
            bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, offset + i);
        }
        for (; i < n; i++) {
            short h = seg.get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), byteOff + 2L * i);
            dst[offset + i] = Float.intBitsToFloat((h & 0xffff) << 16);
        }
    }
}
