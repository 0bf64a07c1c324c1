package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.kernels.MatrixWeights;
import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Shared plumbing of the block-quantised kernels: bounds checks, the batch loop and the float dot product.
 *
 * <p>Batch 1 (decode) uses each type's fused {@link #dotRow}: the row is decoded block by block into registers and
 * never stored. Batch &gt; 1 (prefill) decodes the row once into a per-thread scratch row (it stays in L1) and then
 * runs one float dot product per activation row, so every weight byte is read once per call whatever the batch.
 * Both paths compute {@code sum_c dequant(W[r,c]) * x[c]} in float32; only the summation order differs from a plain
 * dequantize-then-dot.
 */
abstract sealed class BlockMatrix implements MatrixWeights
        permits Q8_0Matrix, Q4_0Matrix, Q4_KMatrix, Q6_KMatrix {

    /** Float species: the preferred one, capped at 16 lanes so one 16-byte load expands into whole vectors. */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() <= 16
            ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_512;
    static final int L = F.length();
    /** Float vectors per 16 decoded bytes. */
    static final int PARTS = 16 / L;

    /** Per-thread scratch row for the batch path; grown on demand, never shrunk (one per worker thread). */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    final MemorySegment data;
    final int rows;
    final int cols;
    final long rowBytes;
    final int blocksPerRow;
    private final DType dtype;

    BlockMatrix(Tensor t, DType expected) {
        if (t.dtype() != expected) {
            throw new IllegalArgumentException(t.name() + ": expected " + expected + ", got " + t.dtype());
        }
        if (t.shape().length < 1 || t.shape().length > 2) {
            throw new FangwushaException(t.name() + ": a weight matrix needs 1 or 2 dimensions, got " + t.shapeString());
        }
        this.dtype = expected;
        this.rows = t.shape().length == 1 ? 1 : t.rows();
        this.cols = t.shape().length == 1 ? (int) t.shape()[0] : t.cols();
        if (cols % expected.blockSize != 0) {
            throw new FangwushaException(t.name() + ": row length " + cols + " is not a multiple of the "
                    + expected + " block size " + expected.blockSize);
        }
        this.blocksPerRow = cols / expected.blockSize;
        this.rowBytes = (long) blocksPerRow * expected.blockBytes;
        if (t.data().byteSize() < rowBytes * rows) {
            throw new FangwushaException(t.name() + ": " + t.data().byteSize() + " bytes of data, " + expected + " "
                    + t.shapeString() + " needs " + rowBytes * rows);
        }
        this.data = t.data();
    }

    @Override
    public final int rows() {
        return rows;
    }

    @Override
    public final int cols() {
        return cols;
    }

    @Override
    public final DType dtype() {
        return dtype;
    }

    /** {@code sum_c W[row, c] * x[xOff + c]}, fused decode. */
    abstract float dotRow(long rowOffset, float[] x, int xOff);

    /** Decodes one row into {@code dst[off .. off+cols)}. */
    abstract void decodeRow(long rowOffset, float[] dst, int off);

    @Override
    public final void multiply(float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        if (rowStart < 0 || rowEnd > rows || rowStart > rowEnd || batch < 1) {
            throw new IndexOutOfBoundsException("rows [" + rowStart + ", " + rowEnd + ") of " + rows + ", batch " + batch);
        }
        if (x.length < (long) batch * cols || out.length < (long) batch * rows) {
            throw new IndexOutOfBoundsException("x " + x.length + " / out " + out.length + " too short for batch " + batch
                    + " of " + rows + "x" + cols);
        }
        if (batch == 1) {
            for (int r = rowStart; r < rowEnd; r++) out[r] = dotRow(r * rowBytes, x, 0);
            return;
        }
        float[] w = SCRATCH.get();
        if (w.length < cols) {
            w = new float[cols];
            SCRATCH.set(w);
        }
        for (int r = rowStart; r < rowEnd; r++) {
            decodeRow(r * rowBytes, w, 0);
            for (int b = 0; b < batch; b++) out[b * rows + r] = dot(w, x, b * cols, cols);
        }
    }

    @Override
    public final void readRow(int row, float[] dst, int offset) {
        if (row < 0 || row >= rows) throw new IndexOutOfBoundsException("row " + row + " of " + rows);
        decodeRow(row * rowBytes, dst, offset);
    }

    /** Float dot of {@code w[0..n)} and {@code x[xOff..xOff+n)}; n is a multiple of 32 here. */
    static float dot(float[] w, float[] x, int xOff, int n) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            acc0 = FloatVector.fromArray(F, w, i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = FloatVector.fromArray(F, w, i + L).fma(FloatVector.fromArray(F, x, xOff + i + L), acc1);
        }
        for (; i + L <= n; i += L) {
            acc0 = FloatVector.fromArray(F, w, i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
        }
        float s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += w[i] * x[xOff + i];
        return s;
    }

    static float f16(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, off));
    }
}
