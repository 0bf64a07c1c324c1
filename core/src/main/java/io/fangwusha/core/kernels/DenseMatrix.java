package io.fangwusha.core.kernels;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix multiply for unquantised weights (F32, BF16, F16), register-blocked: a block of 4 weight rows × up to 4
 * activation rows keeps 16 accumulators in vector registers, so each loaded (and widened) weight vector feeds 4
 * FMAs and each activation vector 4 more. Decode (batch 1) streams 4 rows at a time with 4 independent chains.
 *
 * <p>Every (row, token) result is computed in one canonical order — one vector accumulator over the columns in
 * order, then a lane reduction, then the scalar tail — whatever the block shape. So a token's logits are
 * bit-identical alone or inside a batch of any size, which continuous batching relies on.
 */
public abstract sealed class DenseMatrix implements MatrixWeights permits F32Matrix, Bf16Matrix, F16Matrix {
    protected static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    protected final Tensor tensor;
    protected final int rows;
    protected final int cols;
    /** Columns covered by whole vectors; the rest is the scalar tail. */
    protected final int vecCols;

    /** Per-thread parking for up to 16 accumulators, see {@link #finish}. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[16 * F.length()]);

    protected DenseMatrix(Tensor tensor) {
        if (tensor.shape().length != 2) {
            throw new FangwushaException(tensor.name() + ": expected a 2-D weight matrix, got shape " + tensor.shapeString());
        }
        this.tensor = tensor;
        this.rows = tensor.rows();
        this.cols = tensor.cols();
        this.vecCols = cols - cols % F.length();
    }

    public static MatrixWeights of(Tensor t) {
        return switch (t.dtype()) {
            case F32 -> new F32Matrix(t);
            case BF16 -> new Bf16Matrix(t);
            case F16 -> new F16Matrix(t);
            default -> throw new FangwushaException(t.name() + ": no dense kernel for " + t.dtype());
        };
    }

    /** The weight vector at element index {@code index} (row * cols + col), widened to float32. */
    protected abstract FloatVector load(long index);

    /** One weight element widened to float32. */
    protected abstract float scalar(long index);

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
        float[] lanes = LANES.get();
        int r = rowStart;
        for (; r + 4 <= rowEnd; r += 4) {
            int b = 0;
            for (; b + 4 <= batch; b += 4) block4x4(x, b, out, r, lanes);
            for (; b < batch; b++) block4x1(x, b, out, r, lanes);
        }
        for (; r < rowEnd; r++) {
            for (int b = 0; b < batch; b++) out[b * rows + r] = dotRow(r, x, b * cols, lanes);
        }
    }

    private void block4x4(float[] x, int b, float[] out, int r, float[] lanes) {
        long w0 = (long) r * cols, w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
        int x0 = b * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int c = 0; c < vecCols; c += F.length()) {
            FloatVector v0 = FloatVector.fromArray(F, x, x0 + c), v1 = FloatVector.fromArray(F, x, x1 + c);
            FloatVector v2 = FloatVector.fromArray(F, x, x2 + c), v3 = FloatVector.fromArray(F, x, x3 + c);
            FloatVector w = load(w0 + c);
            a00 = w.fma(v0, a00); a01 = w.fma(v1, a01); a02 = w.fma(v2, a02); a03 = w.fma(v3, a03);
            w = load(w1 + c);
            a10 = w.fma(v0, a10); a11 = w.fma(v1, a11); a12 = w.fma(v2, a12); a13 = w.fma(v3, a13);
            w = load(w2 + c);
            a20 = w.fma(v0, a20); a21 = w.fma(v1, a21); a22 = w.fma(v2, a22); a23 = w.fma(v3, a23);
            w = load(w3 + c);
            a30 = w.fma(v0, a30); a31 = w.fma(v1, a31); a32 = w.fma(v2, a32); a33 = w.fma(v3, a33);
        }
        int o0 = b * rows + r, o1 = o0 + rows, o2 = o1 + rows, o3 = o2 + rows;
        int l = F.length();
        a00.intoArray(lanes, 0); a01.intoArray(lanes, l); a02.intoArray(lanes, 2 * l); a03.intoArray(lanes, 3 * l);
        a10.intoArray(lanes, 4 * l); a11.intoArray(lanes, 5 * l); a12.intoArray(lanes, 6 * l); a13.intoArray(lanes, 7 * l);
        a20.intoArray(lanes, 8 * l); a21.intoArray(lanes, 9 * l); a22.intoArray(lanes, 10 * l); a23.intoArray(lanes, 11 * l);
        a30.intoArray(lanes, 12 * l); a31.intoArray(lanes, 13 * l); a32.intoArray(lanes, 14 * l); a33.intoArray(lanes, 15 * l);
        for (int k = 0; k < 4; k++) {
            for (int t = 0; t < 4; t++) out[o0 + t * rows + k] = finish(lanes, 4 * k + t, r + k, x, x0 + t * cols);
        }
    }

    private void block4x1(float[] x, int b, float[] out, int r, float[] lanes) {
        long w0 = (long) r * cols, w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
        int x0 = b * cols;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int c = 0; c < vecCols; c += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, x0 + c);
            a0 = load(w0 + c).fma(v, a0);
            a1 = load(w1 + c).fma(v, a1);
            a2 = load(w2 + c).fma(v, a2);
            a3 = load(w3 + c).fma(v, a3);
        }
        int o = b * rows + r;
        int l = F.length();
        a0.intoArray(lanes, 0); a1.intoArray(lanes, l); a2.intoArray(lanes, 2 * l); a3.intoArray(lanes, 3 * l);
        for (int k = 0; k < 4; k++) out[o + k] = finish(lanes, k, r + k, x, x0);
    }

    private float dotRow(int r, float[] x, int xOff, float[] lanes) {
        long w0 = (long) r * cols;
        FloatVector a = FloatVector.zero(F);
        for (int c = 0; c < vecCols; c += F.length()) a = load(w0 + c).fma(FloatVector.fromArray(F, x, xOff + c), a);
        a.intoArray(lanes, 0);
        return finish(lanes, 0, r, x, xOff);
    }

    /**
     * Lane reduction of the accumulator parked at {@code lanes[k·L]}, then the scalar tail columns: the canonical
     * end of every dot product. Accumulators are parked rather than passed: a vector handed to a call C2 does not
     * inline is boxed, one allocation per row.
     */
    private float finish(float[] lanes, int k, int r, float[] x, int xOff) {
        float s = VectorMath.sumLanesScalar(lanes, k * F.length(), F.length());
        long w0 = (long) r * cols;
        for (int c = vecCols; c < cols; c++) s += scalar(w0 + c) * x[xOff + c];
        return s;
    }
}
