package io.fangwusha.core.kernels;

import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;

/** Float32 weights, read straight from the mapped file. */
public final class F32Matrix extends DenseMatrix {
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private final MemorySegment data;

    F32Matrix(Tensor t) {
        super(t);
        this.data = t.data();
    }

    @Override
    protected FloatVector load(long index) {
        return FloatVector.fromMemorySegment(F, data, index * 4, ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    protected float scalar(long index) {
        return data.get(LE_FLOAT, index * 4);
    }

    @Override
    public void readRow(int row, float[] dst, int offset) {
        MemorySegment.copy(data, LE_FLOAT, (long) row * cols * 4, dst, offset, cols);
    }
}
