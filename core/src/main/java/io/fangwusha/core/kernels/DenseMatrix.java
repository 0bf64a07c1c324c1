package io.fangwusha.core.kernels;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;

/**
 * Shared multiply for unquantised weights (F32, BF16, F16): rows are widened to float32 exactly into a per-thread
 * tile, then each tile row is dotted with every activation row of the batch. The weight bytes are therefore read
 * once per call whatever the batch, and a token's result is bit-identical whether it is computed alone or in a
 * batch (same widening, same {@link VectorMath#dot} order), which continuous batching relies on.
 */
public abstract sealed class DenseMatrix implements MatrixWeights permits F32Matrix, Bf16Matrix, F16Matrix {

    /** Rows widened per tile: 4 rows of up to ~10k columns stay within L2. */
    private static final int TILE_ROWS = 4;

    protected final Tensor tensor;
    protected final int rows;
    protected final int cols;
    private final ThreadLocal<float[]> tile;

    protected DenseMatrix(Tensor tensor) {
        if (tensor.shape().length != 2) {
            throw new FangwushaException(tensor.name() + ": expected a 2-D weight matrix, got shape " + tensor.shapeString());
        }
        this.tensor = tensor;
        this.rows = tensor.rows();
        this.cols = tensor.cols();
        this.tile = ThreadLocal.withInitial(() -> new float[TILE_ROWS * cols]);
    }

    public static MatrixWeights of(Tensor t) {
        return switch (t.dtype()) {
            case F32 -> new F32Matrix(t);
            case BF16 -> new Bf16Matrix(t);
            case F16 -> new F16Matrix(t);
            default -> throw new FangwushaException(t.name() + ": no dense kernel for " + t.dtype());
        };
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public DType dtype() {
        return tensor.dtype();
    }

    @Override
    public void multiply(float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        float[] w = tile.get();
        for (int r0 = rowStart; r0 < rowEnd; r0 += TILE_ROWS) {
            int n = Math.min(TILE_ROWS, rowEnd - r0);
            for (int t = 0; t < n; t++) readRow(r0 + t, w, t * cols);
            for (int b = 0; b < batch; b++) {
                int xo = b * cols, oo = b * rows + r0;
                for (int t = 0; t < n; t++) out[oo + t] = VectorMath.dot(w, t * cols, x, xo, cols);
            }
        }
    }
}
