package io.fangwusha.core.kernels;

import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Float32 weights (copied row by row into the tile; the mapped file stays the only full copy). */
public final class F32Matrix extends DenseMatrix {
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    F32Matrix(Tensor t) {
        super(t);
    }

    @Override
    public void readRow(int row, float[] dst, int offset) {
        MemorySegment.copy(tensor.data(), LE_FLOAT, (long) row * cols * 4, dst, offset, cols);
    }
}
