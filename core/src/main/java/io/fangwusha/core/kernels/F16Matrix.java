package io.fangwusha.core.kernels;

import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** IEEE half weights, widened exactly with {@link Float#float16ToFloat} (an intrinsic on x86). */
public final class F16Matrix extends DenseMatrix {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    F16Matrix(Tensor t) {
        super(t);
    }

    @Override
    public void readRow(int row, float[] dst, int offset) {
        long base = (long) row * cols * 2;
        for (int i = 0; i < cols; i++) dst[offset + i] = Float.float16ToFloat(tensor.data().get(LE_SHORT, base + 2L * i));
    }
}
