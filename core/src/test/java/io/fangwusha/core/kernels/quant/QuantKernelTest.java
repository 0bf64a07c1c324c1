package io.fangwusha.core.kernels.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.kernels.MatrixWeights;
import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Each kernel against a float64 dot of values decoded by this test straight from the ggml block specs. The blocks
 * are built from random "logical" values (scales, mins, quants) which the test packs itself; the expected element
 * values come from those logical values, not from unpacking, so a packing/unpacking error cannot cancel out.
 */
class QuantKernelTest {

    /** A random matrix in one type: its raw bytes and its exact element values. */
    record Built(byte[] bytes, double[] values) {}

    /**
     * 13 rows keep the file's layout everywhere; 32 are two 16-row groups for the 16-lane Q4_0 kernel, four 8-row
     * groups for the 8-lane one.
     */
    static final int[] ROW_COUNTS = {13, 32};

    @Test
    void q8_0() {
        check(DType.Q8_0, 96, QuantKernelTest::buildQ8_0);
    }

    @Test
    void q4_0() {
        check(DType.Q4_0, 128, QuantKernelTest::buildQ4_0);
    }

    @Test
    void q4_K() {
        check(DType.Q4_K, 512, QuantKernelTest::buildQ4_K);
    }

    @Test
    void q6_K() {
        check(DType.Q6_K, 512, QuantKernelTest::buildQ6_K);
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> shapes() {
        // Q8_0 and Q4_0 decode rows of up to BlockMatrix.TOUCH_MAX_ROW_BYTES while touching the next 4-row group
        // (which must stay inside the matrix: two of the row ranges below end with the last 4 rows), and
        // warm longer rows in chunks: 4096 Q8_0 columns are 4352 bytes, 8192 Q4_0 columns 4608.
        return java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of(DType.Q8_0, 320),
                org.junit.jupiter.params.provider.Arguments.of(DType.Q8_0, 4096),
                org.junit.jupiter.params.provider.Arguments.of(DType.Q4_0, 320),
                org.junit.jupiter.params.provider.Arguments.of(DType.Q4_0, 8192),
                org.junit.jupiter.params.provider.Arguments.of(DType.Q4_K, 512),
                org.junit.jupiter.params.provider.Arguments.of(DType.Q6_K, 512));
    }

    /**
     * A token's outputs are bit-identical alone (the in-register decode path) or inside batches of any size (the
     * packed tile path, with token panels and row remainders), whatever the row split across threads. With int8
     * activations in decode ({@link BlockMatrix#int8Decode}), batches under {@link BlockMatrix#PACK_MIN_BATCH} give
     * each token's alone bits, larger ones the packed path's.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("shapes")
    void batchInvariant(DType type, int cols) {
        // 37 rows keep the file's layout for the Q4_0 integer kernels, 48 are three 16-row groups (16 lanes) or six
        // 8-row groups (8 lanes).
        for (int rows : new int[] {37, 48}) batchInvariant(type, cols, rows);
    }

    private static void batchInvariant(DType type, int cols, int rows) {
        Random rnd = new Random(11);
        Builder builder = switch (type) {
            case Q8_0 -> QuantKernelTest::buildQ8_0;
            case Q4_0 -> QuantKernelTest::buildQ4_0;
            case Q4_K -> QuantKernelTest::buildQ4_K;
            default -> QuantKernelTest::buildQ6_K;
        };
        Built m = builder.build(rows, cols, rnd);
        MatrixWeights repacked = QuantizedWeights.of(new Tensor("w", type, new long[] {rows, cols}, MemorySegment.ofArray(m.bytes)), true);
        MatrixWeights asStored = QuantizedWeights.of(new Tensor("w", type, new long[] {rows, cols}, MemorySegment.ofArray(m.bytes)), false);
        batchInvariant(type, cols, repacked, rnd);
        batchInvariant(type, cols, asStored, rnd);
        float[] x = new float[cols], a = new float[rows], b = new float[rows];
        for (int i = 0; i < cols; i++) x[i] = (float) rnd.nextGaussian();
        repacked.multiply(x, 1, a, 0, rows);
        asStored.multiply(x, 1, b, 0, rows);
        // Q8_0 rounds activations to int8 in its 16-row groups only; the file's layout keeps float activations.
        if (repacked.int8Decode() == asStored.int8Decode()) assertThat(a).as("%s repacked vs as stored", type).isEqualTo(b);
    }

    private static void batchInvariant(DType type, int cols, MatrixWeights w, Random rnd) {
        int rows = w.rows();
        int batch = 21;
        float[] x = new float[batch * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] all = new float[batch * rows];
        w.multiply(x, batch, all, 0, 18);
        w.multiply(x, batch, all, 18, rows);
        // Decode with int8 activations (BlockMatrix.int8Decode): batches under PACK_MIN_BATCH agree with each token
        // alone, not with the packed path.
        float[] alone = all;
        if (((BlockMatrix) w).int8Decode()) {
            alone = new float[batch * rows];
            for (int b = 0; b < batch; b++) {
                float[] one = new float[rows];
                w.multiply(java.util.Arrays.copyOfRange(x, b * cols, (b + 1) * cols), 1, one, 0, rows);
                System.arraycopy(one, 0, alone, b * rows, rows);
            }
        }
        for (int size : new int[] {1, 2, 3, 5}) {
            float[] expected = size < BlockMatrix.PACK_MIN_BATCH ? alone : all;
            for (int b0 = 0; b0 + size <= batch; b0 += size) {
                float[] part = new float[size * rows];
                float[] xb = java.util.Arrays.copyOfRange(x, b0 * cols, (b0 + size) * cols);
                w.multiply(xb, size, part, 0, 7);
                w.multiply(xb, size, part, 7, 33);
                w.multiply(xb, size, part, 33, rows); // one group: the matrix's last 4 rows
                float[] again = new float[size * rows];
                w.multiply(xb, size, again, 0, 9);
                w.multiply(xb, size, again, 9, rows);
                assertThat(again).as("%s batch of %d split at 9", type, size).isEqualTo(part);
                for (int b = 0; b < size; b++) {
                    for (int r = 0; r < rows; r++) {
                        assertThat(part[b * rows + r]).as("%s token %d row %d in a batch of %d", type, b0 + b, r, size)
                                .isEqualTo(expected[(b0 + b) * rows + r]);
                    }
                }
            }
        }
    }

    /**
     * Q4_0's decode kernel widens a group's f16 scales 16 at a time with integer operations, the prefill path one
     * by one with {@link Float#float16ToFloat}: both must agree on every kind of half, subnormals, signed zeros,
     * the largest finite value, and (one by one, in a vector of their own) infinities and NaN.
     */
    @Test
    void q4_0ScalesOfEveryKindWidenExactly() {
        int rows = 16, cols = 1024, blocks = rows * cols / 32;
        short[] special = {0x0001, 0x03FF, 0x0400, 0x0000, (short) 0x8000, (short) 0x8001, 0x7BFF, (short) 0xFBFF,
                0x3C00, (short) 0xBC00, 0x1234};
        Random rnd = new Random(5);
        Built m = buildQ4_0(rows, cols, rnd);
        for (int k = 0; k < blocks; k++) {
            short d = special[k % special.length];
            // Rows 8-15 form the second 8-row group (8 lanes), the second half of the first 16-row group (16
            // lanes): one infinity and one NaN among its scales.
            if (k == 8 * cols / 32 + 3) d = 0x7C00;
            if (k == 10 * cols / 32 + 17) d = 0x7E00;
            putShort(m.bytes, k * 18, d);
        }
        MatrixWeights w = QuantizedWeights.of(new Tensor("w", DType.Q4_0, new long[] {rows, cols}, MemorySegment.ofArray(m.bytes)));
        float[] x = new float[4 * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] decode = new float[rows], prefill = new float[4 * rows];
        w.multiply(x, 1, decode, 0, rows);
        w.multiply(x, 4, prefill, 0, rows);
        if (((BlockMatrix) w).int8Decode()) {
            // int8 activations in decode, whose kernels widen a block's scales for a whole row group at once: every
            // finite row must match the dot of the int8-rounded activations with the scales as float16ToFloat
            // widens them, and the infinity must reach its row.
            double[] xq = int8Activations(x, 0, cols);
            for (int r = 0; r < rows; r++) {
                if (r == 8 || r == 10) continue;
                double qref = 0, qmag = 0;
                for (int c = 0; c < cols; c++) {
                    int blk = (r * cols + c) / 32, e = c % 32;
                    int q = m.bytes[blk * 18 + 2 + e % 16] & 0xFF;
                    double v = ((e < 16 ? q & 0x0F : q >>> 4) - 8) * (double) Float.float16ToFloat(special(m.bytes, blk));
                    qref += v * xq[c];
                    qmag += Math.abs(v * xq[c]);
                }
                assertThat((double) decode[r]).as("row %d", r).isCloseTo(qref, org.assertj.core.data.Offset.offset(1e-5 * qmag + 1e-30));
            }
            assertThat(Float.isFinite(decode[8])).isFalse();
            assertThat(decode[10]).isNaN();
        } else {
            assertThat(decode[9]).isFinite();
        }
        if (((BlockMatrix) w).int8Batches()) {
            assertThat(java.util.Arrays.copyOf(prefill, rows)).isEqualTo(decode);
        } else if (!((BlockMatrix) w).int8Decode()) {
            assertThat(decode).isEqualTo(java.util.Arrays.copyOf(prefill, rows));
        }
        assertThat(Float.isFinite(prefill[8])).isFalse();
        assertThat(prefill[10]).isNaN();
        float[] row = new float[cols];
        w.readRow(0, row, 0);
        assertThat(row[1]).isEqualTo(Float.float16ToFloat((short) 0x0001) * ((m.bytes[2 + 1] & 0x0F) - 8));
    }

    private static short special(byte[] bytes, int block) {
        return (short) (bytes[block * 18] & 0xFF | bytes[block * 18 + 1] << 8);
    }

    /**
     * Q6_K's 16-row kernels start each sub-block's 16-bit sums at {@code -32·sum(x)} and let the partial sums wrap:
     * quants all 0 or all 63 against activations all at {@code ±127} (the extremes, {@code 32·127·8} and
     * {@code 63·127·8}), and scales at the int8 limits, must still give the exact dot, alone and in a batch of 4.
     */
    @Test
    void q6_KExtremeQuantsAndActivationsSumExactly() {
        int rows = 16, cols = 512, nb = rows * cols / 256;
        byte[] b = new byte[nb * 210];
        double[] v = new double[rows * cols];
        for (int k = 0; k < nb; k++) {
            int r = k / (cols / 256), o = k * 210, q = r < 8 ? 0 : 63;
            java.util.Arrays.fill(b, o, o + 192, (byte) (r < 8 ? 0 : 0xFF));
            int sc = r % 2 == 0 ? 127 : -128;
            java.util.Arrays.fill(b, o + 192, o + 208, (byte) sc);
            putShort(b, o + 208, (short) 0x3C00);
            for (int e = 0; e < 256; e++) v[k * 256 + e] = (double) sc * (q - 32);
        }
        assertExactAloneAndInBatches(DType.Q6_K, b, v, rows, cols);
    }

    /**
     * Q4_0's integer kernels start the even lanes' 16-bit sums at {@code -8·sum(q_x)} and take the pair sum modulo
     * 2^16: nibbles all 0 or all 15 (values -8 and 7) against activations at {@code ±127}, 32 rows (the prefill
     * kernel's two groups), must give the exact dot, alone and in a batch of 4.
     */
    @Test
    void q4_0ExtremeNibblesAndActivationsSumExactly() {
        int rows = 32, cols = 512, nb = rows * cols / 32;
        byte[] b = new byte[nb * 18];
        double[] v = new double[rows * cols];
        for (int k = 0; k < nb; k++) {
            int r = k / (cols / 32), q = r % 3 == 0 ? 0 : 15;
            putShort(b, k * 18, (short) 0x3C00);
            java.util.Arrays.fill(b, k * 18 + 2, k * 18 + 18, (byte) (q | q << 4));
            for (int e = 0; e < 32; e++) v[k * 32 + e] = q - 8;
        }
        assertExactAloneAndInBatches(DType.Q4_0, b, v, rows, cols);
    }

    /**
     * Activations all 1, alternating ±1, all -1 (each block's quants at {@code ±127}) and Gaussian, against the
     * exact dot with the int8-rounded activations, alone; in a batch of 4 each token's bits alone.
     */
    private static void assertExactAloneAndInBatches(DType type, byte[] b, double[] v, int rows, int cols) {
        float[] x = new float[4 * cols];
        Random rnd = new Random(17);
        for (int c = 0; c < cols; c++) {
            x[c] = 1;
            x[cols + c] = c % 2 == 0 ? 1 : -1;
            x[2 * cols + c] = -1;
            x[3 * cols + c] = (float) rnd.nextGaussian();
        }
        MatrixWeights w = QuantizedWeights.of(new Tensor("w", type, new long[] {rows, cols}, MemorySegment.ofArray(b)), true);
        float[] batch = new float[4 * rows];
        w.multiply(x, 4, batch, 0, rows);
        for (int t = 0; t < 4; t++) {
            float[] alone = new float[rows];
            w.multiply(java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, alone, 0, rows);
            double[] xq = int8Activations(x, t * cols, cols);
            for (int r = 0; r < rows; r++) {
                double ref = 0, mag = 0;
                for (int c = 0; c < cols; c++) {
                    ref += v[r * cols + c] * xq[c];
                    mag += Math.abs(v[r * cols + c] * xq[c]);
                }
                if (((BlockMatrix) w).int8Decode()) {
                    assertThat((double) alone[r]).as("token %d row %d alone", t, r).isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-5 * mag));
                }
                if (((BlockMatrix) w).int8Batches()) {
                    assertThat(batch[t * rows + r]).as("token %d row %d in the batch", t, r).isEqualTo(alone[r]);
                }
            }
        }
    }

    /**
     * Decode reuses the last quantised activations while the floats are unchanged (several matrices, chunks of
     * rows): a vector changed in place, or one of another length, is quantised again.
     */
    @Test
    void activationsChangedInPlaceAreQuantisedAgain() {
        Random rnd = new Random(3);
        int rows = 8, cols = 256;
        Built m = buildQ4_0(rows, cols, rnd);
        MatrixWeights w = QuantizedWeights.of(new Tensor("w", DType.Q4_0, new long[] {rows, cols}, MemorySegment.ofArray(m.bytes)));
        Built shorter = buildQ4_0(rows, cols / 2, rnd);
        MatrixWeights half = QuantizedWeights.of(new Tensor("h", DType.Q4_0, new long[] {rows, cols / 2}, MemorySegment.ofArray(shorter.bytes)));
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = (float) rnd.nextGaussian();
        float[] before = new float[rows], after = new float[rows], fresh = new float[rows], h1 = new float[rows], h2 = new float[rows];
        w.multiply(x, 1, before, 0, rows);
        x[37] += 3;
        w.multiply(x, 1, after, 0, rows);
        half.multiply(java.util.Arrays.copyOf(x, cols / 2), 1, h1, 0, rows);
        w.multiply(java.util.Arrays.copyOf(x, cols), 1, fresh, 0, rows);
        half.multiply(x, 1, h2, 0, rows); // the first half of the same array
        assertThat(after).isNotEqualTo(before).isEqualTo(fresh);
        assertThat(h2).isEqualTo(h1);
    }

    /** The repacked kernels' scale widening against {@link Float#float16ToFloat} for every one of the 65536 halves. */
    @Test
    void groupScalesWidenExactlyForAll65536Halves() {
        int blocks = 16384, cols = 32 * blocks;
        byte[] bytes = new byte[4 * blocks * 18];
        for (int k = 0; k < 4; k++) {
            for (int b = 0; b < blocks; b++) putShort(bytes, (k * blocks + b) * 18, (short) (k * blocks + b));
        }
        BlockMatrix w = (BlockMatrix) QuantizedWeights.of(new Tensor("w", DType.Q4_0, new long[] {4, cols}, MemorySegment.ofArray(bytes)), true);
        org.junit.jupiter.api.Assumptions.assumeTrue(w.groupedRows == 4, "grouping needs 16-float vectors");
        float[] got = new float[4 * blocks];
        w.widenScales(0, got, 0);
        for (int b = 0; b < blocks; b++) {
            for (int k = 0; k < 4; k++) {
                short h = (short) (k * blocks + b);
                assertThat(Float.floatToRawIntBits(got[4 * b + k])).as("half 0x%04x", h & 0xffff)
                        .isEqualTo(Float.floatToRawIntBits(Float.float16ToFloat(h)));
            }
        }
    }

    @Test
    void rejectsRowsThatAreNotWholeBlocks() {
        Tensor t = new Tensor("w", DType.Q4_K, new long[] {2, 128}, MemorySegment.ofArray(new byte[288]));
        assertThatThrownBy(() -> QuantizedWeights.of(t)).isInstanceOf(FangwushaException.class)
                .hasMessageContaining("w: row length 128");
    }

    interface Builder {
        Built build(int rows, int cols, Random rnd);
    }

    private static void check(DType type, int cols, Builder builder) {
        for (int rows : ROW_COUNTS) {
            Random rnd = new Random(type.ordinal() * 7919L + cols + rows);
            Built m = builder.build(rows, cols, rnd);
            for (boolean repack : new boolean[] {true, false}) {
                check(type, cols, m, QuantizedWeights.of(new Tensor("w", type, new long[] {rows, cols}, MemorySegment.ofArray(m.bytes)), repack), rnd);
            }
        }
    }

    private static void check(DType type, int cols, Built m, MatrixWeights w, Random rnd) {
        final int ROWS = w.rows();
        assertThat(w.cols()).isEqualTo(cols);
        assertThat(w.dtype()).isEqualTo(type);

        float[] row = new float[cols + 3];
        for (int r = 0; r < ROWS; r++) {
            w.readRow(r, row, 3);
            for (int c = 0; c < cols; c++) {
                assertThat((double) row[3 + c]).as("%s row %d col %d", type, r, c)
                        .isCloseTo(m.values[r * cols + c], org.assertj.core.data.Offset.offset(1e-6 * Math.abs(m.values[r * cols + c]) + 1e-12));
            }
        }
        // Odd ranges: rows outside must stay untouched. With 5 tokens (the prefill panel), 7 rows are blocked as
        // 6 + 1 and 8 rows as 4 + 4. Then every row, in decode and in prefill.
        for (int[] range : new int[][] {{1, 3, 10}, {5, 3, 10}, {5, 2, 10}, {5, 0, ROWS}, {1, 0, ROWS}}) {
            int batch = range[0], rowStart = range[1], rowEnd = range[2];
            float[] x = new float[batch * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] out = new float[batch * ROWS];
            java.util.Arrays.fill(out, Float.NaN);
            w.multiply(x, batch, out, rowStart, rowEnd);
            boolean int8Decode = batch < BlockMatrix.PACK_MIN_BATCH ? ((BlockMatrix) w).int8Decode() : ((BlockMatrix) w).int8Batches();
            for (int b = 0; b < batch; b++) {
                for (int r = 0; r < ROWS; r++) {
                    float got = out[b * ROWS + r];
                    if (r < rowStart || r >= rowEnd) {
                        assertThat(got).as("untouched row %d", r).isNaN();
                        continue;
                    }
                    double ref = 0, mag = 0;
                    for (int c = 0; c < cols; c++) {
                        double p = m.values[r * cols + c] * x[b * cols + c];
                        ref += p;
                        mag += Math.abs(p);
                    }
                    if (int8Decode) {
                        // Against the same dot of the int8-quantised activations (float32 rounding only; the
                        // Q4_0 kernel sums raw nibbles and subtracts 8·d·sum(q) afterwards, hence the wider
                        // margin), and within the quantisation's error of the exact dot.
                        double[] xq = int8Activations(x, b * cols, cols);
                        double qref = 0, qmag = 0, bound = 0;
                        for (int c = 0; c < cols; c++) {
                            double v = m.values[r * cols + c];
                            qref += v * xq[c];
                            qmag += Math.abs(v * xq[c]);
                            bound += Math.abs(v) * Math.abs(xq[c] - x[b * cols + c]);
                        }
                        assertThat((double) got).as("%s batch %d/%d row %d, int8 activations", type, b, batch, r)
                                .isCloseTo(qref, org.assertj.core.data.Offset.offset(1e-5 * qmag + 1e-9));
                        assertThat((double) got).as("%s batch %d/%d row %d, exact dot", type, b, batch, r)
                                .isCloseTo(ref, org.assertj.core.data.Offset.offset(bound + 1e-5 * qmag + 1e-9));
                        assertThat(bound).as("the quantisation changes the dot").isGreaterThan(1e-6 * mag);
                        continue;
                    }
                    // float32 accumulation over `cols` terms: a few ulps of the magnitude sum
                    assertThat((double) got).as("%s batch %d/%d row %d", type, b, batch, r)
                            .isCloseTo(ref, org.assertj.core.data.Offset.offset(2e-6 * mag + 1e-9));
                }
            }
        }
    }

    /**
     * llama.cpp's {@code quantize_row_q8_0} reference of {@code x[off .. off+cols)}, dequantised: per 32 values
     * {@code d = max|x| / 127}, {@code q = round(x · 127 / max|x|)} (ties to even, as its AVX2 path does), each value
     * {@code q} times {@code d} rounded to f16 (the scale the block stores).
     */
    static double[] int8Activations(float[] x, int off, int cols) {
        double[] v = new double[cols];
        for (int blk = 0; blk < cols; blk += 32) {
            float amax = 0;
            for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[off + blk + i]));
            float d = amax / 127, id = amax != 0 ? 127 / amax : 0;
            double d16 = Float.float16ToFloat(Float.floatToFloat16(d));
            for (int i = 0; i < 32; i++) v[blk + i] = Math.rint(x[off + blk + i] * id) * d16;
        }
        return v;
    }

    private static short randomScale(Random rnd) {
        return Float.floatToFloat16((float) (0.001 + rnd.nextDouble() * 0.05));
    }

    static Built buildQ8_0(int rows, int cols, Random rnd) {
        int nb = rows * cols / 32;
        byte[] b = new byte[nb * 34];
        double[] v = new double[rows * cols];
        for (int k = 0; k < nb; k++) {
            short d = randomScale(rnd);
            putShort(b, k * 34, d);
            for (int i = 0; i < 32; i++) {
                int q = rnd.nextInt(256) - 128;
                b[k * 34 + 2 + i] = (byte) q;
                v[k * 32 + i] = (double) Float.float16ToFloat(d) * q;
            }
        }
        return new Built(b, v);
    }

    static Built buildQ4_0(int rows, int cols, Random rnd) {
        int nb = rows * cols / 32;
        byte[] b = new byte[nb * 18];
        double[] v = new double[rows * cols];
        for (int k = 0; k < nb; k++) {
            short d = randomScale(rnd);
            putShort(b, k * 18, d);
            int[] q = new int[32];
            for (int i = 0; i < 32; i++) q[i] = rnd.nextInt(16);
            for (int j = 0; j < 16; j++) b[k * 18 + 2 + j] = (byte) (q[j] | (q[j + 16] << 4));
            for (int i = 0; i < 32; i++) v[k * 32 + i] = (double) Float.float16ToFloat(d) * (q[i] - 8);
        }
        return new Built(b, v);
    }

    /** Q4_K: the 12 scale bytes are the inverse of ggml's get_scale_min_k4, written out from the layout. */
    static Built buildQ4_K(int rows, int cols, Random rnd) {
        int nb = rows * cols / 256;
        byte[] b = new byte[nb * 144];
        double[] v = new double[rows * cols];
        for (int k = 0; k < nb; k++) {
            int o = k * 144;
            short d = randomScale(rnd);
            short dmin = randomScale(rnd);
            putShort(b, o, d);
            putShort(b, o + 2, dmin);
            int[] sc = new int[8], mn = new int[8];
            for (int s = 0; s < 8; s++) {
                sc[s] = rnd.nextInt(64);
                mn[s] = rnd.nextInt(64);
            }
            byte[] p = new byte[12];
            for (int s = 0; s < 4; s++) {
                p[s] = (byte) (sc[s] | ((sc[s + 4] >> 4) << 6)); // scales 0..3, top bits of scales 4..7
                p[s + 4] = (byte) (mn[s] | ((mn[s + 4] >> 4) << 6)); // mins 0..3, top bits of mins 4..7
                p[s + 8] = (byte) ((sc[s + 4] & 15) | ((mn[s + 4] & 15) << 4)); // low bits of scales/mins 4..7
            }
            System.arraycopy(p, 0, b, o + 4, 12);
            for (int e = 0; e < 256; e++) {
                int q = rnd.nextInt(16);
                int chunk = e / 64, within = e % 64;
                int byteIdx = o + 16 + 32 * chunk + (within % 32);
                b[byteIdx] |= (byte) (within < 32 ? q : q << 4);
                int s = e / 32;
                v[k * 256 + e] = (double) Float.float16ToFloat(d) * sc[s] * q - (double) Float.float16ToFloat(dmin) * mn[s];
            }
        }
        return new Built(b, v);
    }

    /** Q6_K: 6-bit quants split into ql nibbles and qh bit pairs exactly as the block description says. */
    static Built buildQ6_K(int rows, int cols, Random rnd) {
        int nb = rows * cols / 256;
        byte[] b = new byte[nb * 210];
        double[] v = new double[rows * cols];
        for (int k = 0; k < nb; k++) {
            int o = k * 210;
            short d = randomScale(rnd);
            putShort(b, o + 208, d);
            int[] sc = new int[16];
            for (int s = 0; s < 16; s++) {
                sc[s] = rnd.nextInt(256) - 128;
                b[o + 192 + s] = (byte) sc[s];
            }
            for (int e = 0; e < 256; e++) {
                int q = rnd.nextInt(64);
                int half = e / 128, w = e % 128, quarter = w / 32, l = w % 32;
                int qlIdx = o + 64 * half + l + (quarter % 2 == 1 ? 32 : 0);
                b[qlIdx] |= (byte) (quarter < 2 ? (q & 15) : (q & 15) << 4);
                int qhIdx = o + 128 + 32 * half + l;
                b[qhIdx] |= (byte) ((q >> 4) << (2 * quarter));
                v[k * 256 + e] = (double) Float.float16ToFloat(d) * sc[e / 16] * (q - 32);
            }
        }
        return new Built(b, v);
    }

    private static void putShort(byte[] b, int off, short s) {
        b[off] = (byte) s;
        b[off + 1] = (byte) (s >> 8);
    }
}
