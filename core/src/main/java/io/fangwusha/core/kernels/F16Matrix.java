package io.fangwusha.core.kernels;

import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;

/**
 * IEEE half weights, widened exactly with {@link Float#float16ToFloat}. The vector load goes through a small
 * per-thread buffer: the Vector API has no half-to-float lane conversion, and F16 checkpoints are rare.
 */
public final class F16Matrix extends DenseMatrix {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ThreadLocal<float[]> BUFFER = ThreadLocal.withInitial(() -> new float[F.length()]);
    private final MemorySegment data;

    F16Matrix(Tensor t) {
        super(t);
        this.data = t.data();
    }

    @Override
    protected FloatVector load(long index) {
        float[] buf = BUFFER.get();
        for (int i = 0; i < buf.length; i++) buf[i] = scalar(index + i);
        return FloatVector.fromArray(F, buf, 0);
    }

    @Override
    protected float scalar(long index) {
        return Float.float16ToFloat(data.get(LE_SHORT, index * 2));
    }

    @Override
    public void readRow(int row, float[] dst, int offset) {
        long base = (long) row * cols;
        for (int c = 0; c < cols; c++) dst[offset + c] = scalar(base + c);
    }
}
