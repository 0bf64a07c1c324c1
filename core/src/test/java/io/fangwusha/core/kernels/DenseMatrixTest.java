package io.fangwusha.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DenseMatrixTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Random weights stored in {@code dtype}, and the same values as exact doubles. */
    private record Stored(MatrixWeights m, double[] values) {}

    private static Stored make(DType dtype, int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        MemorySegment seg = Arena.ofAuto().allocate((long) rows * cols * 4 + 1).asSlice(1); // deliberately unaligned
        double[] values = new double[rows * cols];
        for (int i = 0; i < values.length; i++) {
            float f = (float) rnd.nextGaussian();
            switch (dtype) {
                case F32 -> { seg.set(LE_FLOAT, 4L * i, f); values[i] = f; }
                case BF16 -> { short h = (short) (Float.floatToIntBits(f) >>> 16); seg.set(LE_SHORT, 2L * i, h); values[i] = Float.intBitsToFloat((h & 0xffff) << 16); }
                case F16 -> { short h = Float.floatToFloat16(f); seg.set(LE_SHORT, 2L * i, h); values[i] = Float.float16ToFloat(h); }
                default -> throw new IllegalArgumentException();
            }
        }
        return new Stored(DenseMatrix.of(new Tensor("w", dtype, new long[] {rows, cols}, seg)), values);
    }

    @ParameterizedTest
    @CsvSource({"F32,13,37", "BF16,13,37", "F16,13,37", "F32,8,64", "BF16,9,80", "F16,6,48", "BF16,17,250", "BF16,31,2100",
            "BF16,11,96", "BF16,26,512"})
    void multiplyMatchesFloat64ReferenceAndIsBatchInvariant(DType dtype, int rows, int cols) {
        Stored s = make(dtype, rows, cols, rows * 31L + cols);
        // 5 and 21: the decode kernels' 4x2 blocks with a 4x1 leftover; 37: the packed prefill path, 3 token panels.
        // 31 rows: a full 24-row panel of 6x4 blocks, then 6 + 1; 2100 columns: accumulators parked between
        // column blocks, and a scalar tail. BF16 rows of whole chunks, no tail (96, 512): one token runs the
        // one-loop decode kernel, whose row ends (at rows / 3 too) must give the batched results' bits.
        for (int batch : new int[] {5, 10, 21, 37}) check(s, rows, cols, batch);
    }

    private static void check(Stored s, int rows, int cols, int batch) {
        Random rnd = new Random(5 + batch);
        float[] x = new float[batch * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] out = new float[batch * rows];
        s.m().multiply(x, batch, out, 0, rows);
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                double want = 0;
                for (int c = 0; c < cols; c++) want += s.values()[r * cols + c] * x[b * cols + c];
                assertThat((double) out[b * rows + r]).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-4 * Math.sqrt(cols)));
            }
        }
        // each token alone, and rows split at odd places, give bit-identical results
        for (int b = 0; b < batch; b++) {
            float[] one = new float[rows];
            float[] xb = java.util.Arrays.copyOfRange(x, b * cols, (b + 1) * cols);
            s.m().multiply(xb, 1, one, 0, rows / 3);
            s.m().multiply(xb, 1, one, rows / 3, rows);
            for (int r = 0; r < rows; r++) assertThat(one[r]).isEqualTo(out[b * rows + r]);
        }
        float[] row = new float[cols];
        s.m().readRow(rows - 1, row, 0);
        for (int c = 0; c < cols; c++) assertThat((double) row[c]).isEqualTo(s.values()[(rows - 1) * cols + c]);
    }
}
