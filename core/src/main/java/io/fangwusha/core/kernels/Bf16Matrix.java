package io.fangwusha.core.kernels;

import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** BF16 weights: widening is exact (bf16 is the upper half of a float32), a zero-extend and a shift. */
public final class Bf16Matrix extends DenseMatrix {
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private final MemorySegment data;

    Bf16Matrix(Tensor t) {
        super(t);
        this.data = t.data();
    }

    @Override
    protected FloatVector load(long index) {
        ShortVector s = ShortVector.fromMemorySegment(S, data, index * 2, ByteOrder.LITTLE_ENDIAN);
        IntVector bits = (IntVector) s.convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
        return bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    @Override
    protected float scalar(long index) {
        return Float.intBitsToFloat((data.get(LE_SHORT, index * 2) & 0xffff) << 16);
    }

    @Override
    public void readRow(int row, float[] dst, int offset) {
        long base = (long) row * cols;
        int c = 0;
        for (; c < vecCols; c += F.length()) load(base + c).intoArray(dst, offset + c);
        for (; c < cols; c++) dst[offset + c] = scalar(base + c);
    }
}
