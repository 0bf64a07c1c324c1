package io.fangwusha.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The prefill micro-kernel shared by every weight type. A panel of up to {@link #PANEL_ROWS} weight rows, widened
 * to float32 by the weight type straight into a per-thread buffer, is multiplied with the activations in cache
 * blocks of {@link #PANEL_TOKENS} tokens × {@link #BLOCK_COLS} columns (both operands L2-resident) and register
 * blocks of 6 (or 4) rows × 4 tokens (each loaded vector feeds 4 or 6 FMAs, no conversion work in the inner loop).
 * Both operands are laid out in the blocks' groups, the rows of a register block and the tokens of one side by side
 * chunk by chunk, so that a block reads two streams at constant offsets ({@link #rowOffset}, {@link Scratch#layOut}).
 * Between column blocks the vector accumulators are parked in {@link Scratch#acc} unchanged, so blocking does not
 * change any result. Widening costs one pass per call instead of one per token.
 *
 * <p>Order, per (row, token): one accumulator over the vector part in column order ({@code acc = w*x + acc}),
 * then the lanes reduced by {@link VectorMath#sumLanes}' fixed tree, then the scalar tail in column order. A weight
 * type whose batch-1 kernel uses the same order (and the same column permutation of the vector part, see
 * {@link Scratch#layOut}) is batch-invariant.
 */
public final class PackedTile {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /**
     * A multiple of the 6-row register block. 4 × 4 blocks (8 loads per 16 FMAs) ran at 147-173 GFLOP/s on one
     * Zen 5 core, 6 × 4 blocks at 190-200 (1024 columns, 16 tokens, in cache; the peak is 237).
     */
    public static final int PANEL_ROWS = 24;
    static final int PANEL_TOKENS = 16;
    /**
     * 256 columns kept both operands in L1, but each column block parks and reloads 16 accumulators per 16 FMA
     * steps. On the AMD EPYC (Zen 5, 1 MB L2), pp128 tok/s, 2 threads, two alternating rounds, 256 / 512 / 1024:
     * 4B Q8_0 27.5-26.1 / 28.3-28.5 / 27.4-28.7, 0.6B BF16 171-154 / 168-171 / 179-183, 4B BF16 25.9-26.1 /
     * 27.6-26.6 / 28.2-28.6. With interleaved operands, 0.6B BF16 512 / 1024: 258 / 285 (3 rounds); 32 tokens
     * instead of 16: 279 / 271, not kept.
     */
    static final int BLOCK_COLS = 1024;
    static {
        if (PANEL_TOKENS % L != 0) throw new AssertionError("PANEL_TOKENS must be a multiple of the vector length");
    }

    /**
     * With fewer than 16 lanes (AVX2: 16 vector registers, not 32), the 4 tokens of a group are taken 2 at a time:
     * a 6 × 4 block's 24 accumulators spilled to the stack. 6 × 2 blocks hold 12 accumulators, 2 activation vectors
     * and a weight vector in registers; the accumulation order per (row, token) is unchanged.
     */
    private static final boolean TWO_TOKEN_BLOCKS = L < 16;

    private PackedTile() {}

    /** Per-thread buffers: the widened weight panel and the parked accumulators. */
    public static final class Scratch {
        /** The panel's vector part in row groups ({@link #rowOffset}). */
        private float[] w = new float[0];
        /** The panel's scalar tails, row k's at {@code k·(cols - vec)}. */
        private float[] tails = new float[0];
        /** The activations as {@link #layOut} leaves them. */
        private float[] xs = new float[0];
        /** Token-major: the accumulator of row k and token j at {@code (j * PANEL_ROWS + k) * L}. */
        private final float[] acc = new float[PANEL_ROWS * PANEL_TOKENS * L];
        private final float[] sums = new float[PANEL_ROWS * PANEL_TOKENS];

        /**
         * The panel for rows whose vector part is {@code vec} floats: chunk {@code j} ({@code L} floats) of row
         * {@code k} of an {@code n}-row panel goes to {@code rowOffset(n, k, vec) + j·chunkStep(n, k)}.
         */
        public float[] panel(int vec) {
            if (w.length < PANEL_ROWS * vec) w = new float[PANEL_ROWS * vec];
            return w;
        }

        /** Where the panel's scalar tails go ({@code tail} floats per row, row k's at {@code k·tail}). */
        public float[] tails(int tail) {
            if (tails.length < PANEL_ROWS * tail) tails = new float[PANEL_ROWS * tail];
            return tails;
        }

        /**
         * Lays out {@code batch} activation rows of {@code cols} floats ({@code x[b*cols ..]}) for {@link #multiply}:
         * the vector part {@code [0, vec)} of tokens {@code 4q..4q+3} interleaved chunk by chunk ({@code L} floats of
         * token 0, of token 1, ...), so that a 4-token block reads one stream. With {@code evenOdd}, each {@code 2L}
         * chunk holds its even elements first, then its odd ones (the order {@link Bf16Matrix} widens its weights in).
         */
        public void layOut(float[] x, int batch, int cols, int vec, boolean evenOdd) {
            int need = (batch + 3) / 4 * 4 * vec;
            if (xs.length < need) xs = new float[need];
            for (int b = 0; b < batch; b++) {
                int src = b * cols, dst = tokenOffset(b, vec);
                if (evenOdd) {
                    splitEvenOdd(x, src, vec, xs, dst, 8 * L, 4 * L);
                } else {
                    for (int c = 0; c < vec; c += L, dst += 4 * L) FloatVector.fromArray(F, x, src + c).intoArray(xs, dst);
                }
            }
        }
    }

    /** Lane indexes of the even and the odd elements of two vectors. */
    private static final IntVector EVENS = indexes(0), ODDS = indexes(1);

    /** Int indexes: a float index vector is converted to ints on every use (with checks for NaN and overflow). */
    private static IntVector indexes(int first) {
        int[] v = new int[L];
        for (int i = 0; i < L; i++) v[i] = first + 2 * i;
        return IntVector.fromArray(IntVector.SPECIES_PREFERRED, v, 0);
    }

    /**
     * For each chunk of {@code 2L} elements of {@code x[from .. from+n)} ({@code n} a multiple of {@code 2L}): its
     * even elements to {@code dst[to ..]} and its odd ones to {@code dst[to + oddOffset ..]}, {@code to} advancing
     * by {@code chunkStep} per chunk. One two-vector permute per {@code L} elements; done an element at a time, this
     * split was ~5% of a 0.6B BF16 prefill (pp128 271 -> 299 tok/s, 3 alternating rounds).
     */
    static void splitEvenOdd(float[] x, int from, int n, float[] dst, int to, int chunkStep, int oddOffset) {
        for (int c = 0; c < n; c += 2 * L, to += chunkStep) {
            IntVector a = FloatVector.fromArray(F, x, from + c).reinterpretAsInts();
            IntVector b = FloatVector.fromArray(F, x, from + c + L).reinterpretAsInts();
            EVENS.selectFrom(a, b).reinterpretAsFloats().intoArray(dst, to);
            ODDS.selectFrom(a, b).reinterpretAsFloats().intoArray(dst, to + oddOffset);
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    public static Scratch scratch() {
        return SCRATCH.get();
    }

    /** Where token {@code t}'s first chunk lies in {@link Scratch#layOut}'s layout; its next is {@code 4L} further. */
    static int tokenOffset(int t, int vec) {
        return (t & ~3) * vec + (t & 3) * L;
    }

    /**
     * {@code out[b*rows + r0 + k] = dot(row k, token b)} for {@code k < n} and every token {@code b < batch}.
     * Row k's columns {@code [0, vec)} are in {@code s.panel(vec)} ({@link #rowOffset}, {@link #chunkStep}), in the
     * order of the activations {@link Scratch#layOut} laid out ({@code vec} a multiple of the vector length); its
     * columns {@code [vec, cols)} in natural order in {@code s.tails(cols - vec)}; {@code x} holds the
     * natural-order activations (for that tail).
     */
    public static void multiply(Scratch s, int n, int cols, int vec, float[] x, int batch, float[] out, int rows, int r0) {
        int n6 = rowsIn6s(n), n4 = n6 + (n - n6) / 4 * 4;
        float[] w = s.w, xs = s.xs;
        for (int t0 = 0; t0 < batch; t0 += PANEL_TOKENS) {
            int nt = Math.min(PANEL_TOKENS, batch - t0);
            if (vec == 0) java.util.Arrays.fill(s.acc, 0f); // no column block to start the accumulators
            for (int k0 = 0; k0 < vec; k0 += BLOCK_COLS) {
                int k1 = Math.min(vec, k0 + BLOCK_COLS);
                // The first column block starts from zero instead of loading zero-filled accumulators: filling
                // them was ~4% of prefill. Same values: an FMA into +0 and into a loaded +0 round alike.
                boolean first = k0 == 0;
                for (int rg = 0; rg < n6; rg += 6) {
                    int j = 0, wo = rg * vec;
                    for (; j + 4 <= nt; j += 4) {
                        int xo = tokenOffset(t0 + j, vec), ao = (j * PANEL_ROWS + rg) * L;
                        if (TWO_TOKEN_BLOCKS) {
                            block6x2(w, wo, xs, xo, k0, k1, s.acc, ao, first);
                            block6x2(w, wo, xs, xo + 2 * L, k0, k1, s.acc, ao + 2 * PANEL_ROWS * L, first);
                        } else {
                            block6x4(w, wo, xs, xo, k0, k1, s.acc, ao, first);
                        }
                    }
                    for (; j < nt; j++) {
                        int xo = tokenOffset(t0 + j, vec), ao = (j * PANEL_ROWS + rg) * L;
                        block4x1(w, wo, 6, xs, xo, k0, k1, s.acc, ao, first);
                        block1x1(w, wo + 4 * L, 6, xs, xo, k0, k1, s.acc, ao + 4 * L, first);
                        block1x1(w, wo + 5 * L, 6, xs, xo, k0, k1, s.acc, ao + 5 * L, first);
                    }
                }
                for (int rg = n6; rg < n4; rg += 4) {
                    int j = 0, wo = rg * vec;
                    for (; j + 4 <= nt; j += 4) {
                        int xo = tokenOffset(t0 + j, vec), ao = (j * PANEL_ROWS + rg) * L;
                        if (TWO_TOKEN_BLOCKS) {
                            block4x2(w, wo, xs, xo, k0, k1, s.acc, ao, first);
                            block4x2(w, wo, xs, xo + 2 * L, k0, k1, s.acc, ao + 2 * PANEL_ROWS * L, first);
                        } else {
                            block4x4(w, wo, xs, xo, k0, k1, s.acc, ao, first);
                        }
                    }
                    for (; j < nt; j++) block4x1(w, wo, 4, xs, tokenOffset(t0 + j, vec), k0, k1, s.acc, (j * PANEL_ROWS + rg) * L, first);
                }
                for (int k = n4; k < n; k++) {
                    for (int j = 0; j < nt; j++) block1x1(w, k * vec, 1, xs, tokenOffset(t0 + j, vec), k0, k1, s.acc, (j * PANEL_ROWS + k) * L, first);
                }
            }
            finish(s, n, t0, nt, cols, vec, x, out, rows, r0);
        }
    }

    /** Rows of an {@code n}-row panel in 6-row blocks: 8 rows as 4 + 4, not 6 + 1 + 1. */
    private static int rowsIn6s(int n) {
        int g6 = n / 6;
        if (g6 > 0 && (n - 6 * g6) % 4 != 0 && (n - 6 * g6 + 6) % 4 == 0) g6--;
        return 6 * g6;
    }

    /** The size of row {@code k}'s group in an {@code n}-row panel: 6, 4 or 1 (the register blocks' shapes). */
    private static int groupRows(int n, int k) {
        int n6 = rowsIn6s(n);
        return k < n6 ? 6 : k < n6 + (n - n6) / 4 * 4 ? 4 : 1;
    }

    /**
     * Where row {@code k}'s first chunk goes in the panel ({@link Scratch#panel}). The rows of a register block's
     * group lie side by side, chunk by chunk: a group of g rows occupies {@code g·vec} floats from
     * {@code (first row)·vec}, and its rows' {@code L} floats of one chunk are adjacent. A block then reads its
     * weights as one stream with constant offsets: with each row a stream of its own (10 streams and 10 index
     * registers per 6×4 block), C2 spilled index registers and the loop ran ~50 instructions per 24 FMAs (~36
     * now). pp128 tok/s, 2 threads, alternating rounds, before / after (rows copied into the groups from a
     * row-major panel): 0.6B BF16 220 / 252, 0.6B Q8_0 281 / 297, 4B Q4_0 35.0 / 38.5.
     */
    public static int rowOffset(int n, int k, int vec) {
        int n6 = rowsIn6s(n), n4 = n6 + (n - n6) / 4 * 4;
        int first = k < n6 ? k - k % 6 : k < n4 ? k - (k - n6) % 4 : k;
        return first * vec + (k - first) * L;
    }

    /** The distance between row {@code k}'s consecutive chunks in the panel: its group's rows × {@code L}. */
    public static int chunkStep(int n, int k) {
        return groupRows(n, k) * L;
    }

    /**
     * Reduces the panel's accumulators with {@link VectorMath#sumLanes}' tree — 16 at once where vectors have 16
     * lanes (one reduction per accumulator costs as much as its FMAs at small batches) — then adds each scalar tail
     * in column order. The accumulators are token-major so that the reductions fill {@code sums} and each token's
     * outputs are written as one run of rows: reduced row by row (16 tokens at a time, stored {@code rows} floats
     * apart) the stores of this step held ~half of {@code multiply}'s own samples in a 0.6B BF16 prefill profile.
     * Accumulators of rows or tokens outside the panel are reduced too and ignored.
     */
    private static void finish(Scratch s, int n, int t0, int nt, int cols, int vec, float[] x, float[] out, int rows, int r0) {
        float[] sums = s.sums;
        int count = nt * PANEL_ROWS;
        if (VectorMath.SIXTEEN_LANES) {
            for (int i = 0; i < count; i += 16) VectorMath.sumLanesOf16(s.acc, i * L, sums, i);
        } else {
            for (int i = 0; i < count; i++) sums[i] = VectorMath.sumLanesScalar(s.acc, i * L, L);
        }
        for (int j = 0; j < nt; j++) {
            int so = j * PANEL_ROWS, xo = (t0 + j) * cols, oo = (t0 + j) * rows + r0;
            for (int k = 0; k < n; k++) {
                float v = sums[so + k];
                int to = k * (cols - vec) - vec;
                for (int c = vec; c < cols; c++) v += s.tails[to + c] * x[xo + c];
                out[oo + k] = v;
            }
        }
    }

    /** 6 rows (a group of {@link #rowOffset}) × 4 tokens (a group of {@link Scratch#layOut}), columns {@code [k0, k1)}. */
    private static void block6x4(float[] w, int wo, float[] xs, int xo, int k0, int k1, float[] acc, int ao, boolean first) {
        final int TS = PANEL_ROWS * L; // token stride of the accumulators; rows are L apart
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        FloatVector a40 = a00, a41 = a00, a42 = a00, a43 = a00, a50 = a00, a51 = a00, a52 = a00, a53 = a00;
        if (!first) {
            a00 = FloatVector.fromArray(F, acc, ao); a01 = FloatVector.fromArray(F, acc, ao + TS);
            a02 = FloatVector.fromArray(F, acc, ao + 2 * TS); a03 = FloatVector.fromArray(F, acc, ao + 3 * TS);
            a10 = FloatVector.fromArray(F, acc, ao + L); a11 = FloatVector.fromArray(F, acc, ao + L + TS);
            a12 = FloatVector.fromArray(F, acc, ao + L + 2 * TS); a13 = FloatVector.fromArray(F, acc, ao + L + 3 * TS);
            a20 = FloatVector.fromArray(F, acc, ao + 2 * L); a21 = FloatVector.fromArray(F, acc, ao + 2 * L + TS);
            a22 = FloatVector.fromArray(F, acc, ao + 2 * L + 2 * TS); a23 = FloatVector.fromArray(F, acc, ao + 2 * L + 3 * TS);
            a30 = FloatVector.fromArray(F, acc, ao + 3 * L); a31 = FloatVector.fromArray(F, acc, ao + 3 * L + TS);
            a32 = FloatVector.fromArray(F, acc, ao + 3 * L + 2 * TS); a33 = FloatVector.fromArray(F, acc, ao + 3 * L + 3 * TS);
            a40 = FloatVector.fromArray(F, acc, ao + 4 * L); a41 = FloatVector.fromArray(F, acc, ao + 4 * L + TS);
            a42 = FloatVector.fromArray(F, acc, ao + 4 * L + 2 * TS); a43 = FloatVector.fromArray(F, acc, ao + 4 * L + 3 * TS);
            a50 = FloatVector.fromArray(F, acc, ao + 5 * L); a51 = FloatVector.fromArray(F, acc, ao + 5 * L + TS);
            a52 = FloatVector.fromArray(F, acc, ao + 5 * L + 2 * TS); a53 = FloatVector.fromArray(F, acc, ao + 5 * L + 3 * TS);
        }
        int end = wo + 6 * k1;
        for (int p = wo + 6 * k0, q = xo + 4 * k0; p < end; p += 6 * L, q += 4 * L) {
            FloatVector v0 = FloatVector.fromArray(F, xs, q), v1 = FloatVector.fromArray(F, xs, q + L);
            FloatVector v2 = FloatVector.fromArray(F, xs, q + 2 * L), v3 = FloatVector.fromArray(F, xs, q + 3 * L);
            FloatVector u = FloatVector.fromArray(F, w, p);
            a00 = u.fma(v0, a00); a01 = u.fma(v1, a01); a02 = u.fma(v2, a02); a03 = u.fma(v3, a03);
            u = FloatVector.fromArray(F, w, p + L);
            a10 = u.fma(v0, a10); a11 = u.fma(v1, a11); a12 = u.fma(v2, a12); a13 = u.fma(v3, a13);
            u = FloatVector.fromArray(F, w, p + 2 * L);
            a20 = u.fma(v0, a20); a21 = u.fma(v1, a21); a22 = u.fma(v2, a22); a23 = u.fma(v3, a23);
            u = FloatVector.fromArray(F, w, p + 3 * L);
            a30 = u.fma(v0, a30); a31 = u.fma(v1, a31); a32 = u.fma(v2, a32); a33 = u.fma(v3, a33);
            u = FloatVector.fromArray(F, w, p + 4 * L);
            a40 = u.fma(v0, a40); a41 = u.fma(v1, a41); a42 = u.fma(v2, a42); a43 = u.fma(v3, a43);
            u = FloatVector.fromArray(F, w, p + 5 * L);
            a50 = u.fma(v0, a50); a51 = u.fma(v1, a51); a52 = u.fma(v2, a52); a53 = u.fma(v3, a53);
        }
        a00.intoArray(acc, ao); a01.intoArray(acc, ao + TS); a02.intoArray(acc, ao + 2 * TS); a03.intoArray(acc, ao + 3 * TS);
        a10.intoArray(acc, ao + L); a11.intoArray(acc, ao + L + TS); a12.intoArray(acc, ao + L + 2 * TS); a13.intoArray(acc, ao + L + 3 * TS);
        a20.intoArray(acc, ao + 2 * L); a21.intoArray(acc, ao + 2 * L + TS); a22.intoArray(acc, ao + 2 * L + 2 * TS); a23.intoArray(acc, ao + 2 * L + 3 * TS);
        a30.intoArray(acc, ao + 3 * L); a31.intoArray(acc, ao + 3 * L + TS); a32.intoArray(acc, ao + 3 * L + 2 * TS); a33.intoArray(acc, ao + 3 * L + 3 * TS);
        a40.intoArray(acc, ao + 4 * L); a41.intoArray(acc, ao + 4 * L + TS); a42.intoArray(acc, ao + 4 * L + 2 * TS); a43.intoArray(acc, ao + 4 * L + 3 * TS);
        a50.intoArray(acc, ao + 5 * L); a51.intoArray(acc, ao + 5 * L + TS); a52.intoArray(acc, ao + 5 * L + 2 * TS); a53.intoArray(acc, ao + 5 * L + 3 * TS);
    }

    /** As {@link #block6x4}, for 2 adjacent tokens of a 4-token group ({@link #TWO_TOKEN_BLOCKS}). */
    private static void block6x2(float[] w, int wo, float[] xs, int xo, int k0, int k1, float[] acc, int ao, boolean first) {
        final int TS = PANEL_ROWS * L;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
        FloatVector a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
        if (!first) {
            a00 = FloatVector.fromArray(F, acc, ao); a01 = FloatVector.fromArray(F, acc, ao + TS);
            a10 = FloatVector.fromArray(F, acc, ao + L); a11 = FloatVector.fromArray(F, acc, ao + L + TS);
            a20 = FloatVector.fromArray(F, acc, ao + 2 * L); a21 = FloatVector.fromArray(F, acc, ao + 2 * L + TS);
            a30 = FloatVector.fromArray(F, acc, ao + 3 * L); a31 = FloatVector.fromArray(F, acc, ao + 3 * L + TS);
            a40 = FloatVector.fromArray(F, acc, ao + 4 * L); a41 = FloatVector.fromArray(F, acc, ao + 4 * L + TS);
            a50 = FloatVector.fromArray(F, acc, ao + 5 * L); a51 = FloatVector.fromArray(F, acc, ao + 5 * L + TS);
        }
        int end = wo + 6 * k1;
        for (int p = wo + 6 * k0, q = xo + 4 * k0; p < end; p += 6 * L, q += 4 * L) {
            FloatVector v0 = FloatVector.fromArray(F, xs, q), v1 = FloatVector.fromArray(F, xs, q + L);
            FloatVector u = FloatVector.fromArray(F, w, p);
            a00 = u.fma(v0, a00); a01 = u.fma(v1, a01);
            u = FloatVector.fromArray(F, w, p + L);
            a10 = u.fma(v0, a10); a11 = u.fma(v1, a11);
            u = FloatVector.fromArray(F, w, p + 2 * L);
            a20 = u.fma(v0, a20); a21 = u.fma(v1, a21);
            u = FloatVector.fromArray(F, w, p + 3 * L);
            a30 = u.fma(v0, a30); a31 = u.fma(v1, a31);
            u = FloatVector.fromArray(F, w, p + 4 * L);
            a40 = u.fma(v0, a40); a41 = u.fma(v1, a41);
            u = FloatVector.fromArray(F, w, p + 5 * L);
            a50 = u.fma(v0, a50); a51 = u.fma(v1, a51);
        }
        a00.intoArray(acc, ao); a01.intoArray(acc, ao + TS);
        a10.intoArray(acc, ao + L); a11.intoArray(acc, ao + L + TS);
        a20.intoArray(acc, ao + 2 * L); a21.intoArray(acc, ao + 2 * L + TS);
        a30.intoArray(acc, ao + 3 * L); a31.intoArray(acc, ao + 3 * L + TS);
        a40.intoArray(acc, ao + 4 * L); a41.intoArray(acc, ao + 4 * L + TS);
        a50.intoArray(acc, ao + 5 * L); a51.intoArray(acc, ao + 5 * L + TS);
    }

    /** As {@link #block6x2}, for a group of 4 rows. */
    private static void block4x2(float[] w, int wo, float[] xs, int xo, int k0, int k1, float[] acc, int ao, boolean first) {
        final int TS = PANEL_ROWS * L;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        if (!first) {
            a00 = FloatVector.fromArray(F, acc, ao); a01 = FloatVector.fromArray(F, acc, ao + TS);
            a10 = FloatVector.fromArray(F, acc, ao + L); a11 = FloatVector.fromArray(F, acc, ao + L + TS);
            a20 = FloatVector.fromArray(F, acc, ao + 2 * L); a21 = FloatVector.fromArray(F, acc, ao + 2 * L + TS);
            a30 = FloatVector.fromArray(F, acc, ao + 3 * L); a31 = FloatVector.fromArray(F, acc, ao + 3 * L + TS);
        }
        int end = wo + 4 * k1;
        for (int p = wo + 4 * k0, q = xo + 4 * k0; p < end; p += 4 * L, q += 4 * L) {
            FloatVector v0 = FloatVector.fromArray(F, xs, q), v1 = FloatVector.fromArray(F, xs, q + L);
            FloatVector u = FloatVector.fromArray(F, w, p);
            a00 = u.fma(v0, a00); a01 = u.fma(v1, a01);
            u = FloatVector.fromArray(F, w, p + L);
            a10 = u.fma(v0, a10); a11 = u.fma(v1, a11);
            u = FloatVector.fromArray(F, w, p + 2 * L);
            a20 = u.fma(v0, a20); a21 = u.fma(v1, a21);
            u = FloatVector.fromArray(F, w, p + 3 * L);
            a30 = u.fma(v0, a30); a31 = u.fma(v1, a31);
        }
        a00.intoArray(acc, ao); a01.intoArray(acc, ao + TS);
        a10.intoArray(acc, ao + L); a11.intoArray(acc, ao + L + TS);
        a20.intoArray(acc, ao + 2 * L); a21.intoArray(acc, ao + 2 * L + TS);
        a30.intoArray(acc, ao + 3 * L); a31.intoArray(acc, ao + 3 * L + TS);
    }

    /** As {@link #block6x4}, for a group of 4 rows. */
    private static void block4x4(float[] w, int wo, float[] xs, int xo, int k0, int k1, float[] acc, int ao, boolean first) {
        final int TS = PANEL_ROWS * L; // token stride of the accumulators; rows are L apart
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        if (!first) {
            a00 = FloatVector.fromArray(F, acc, ao); a01 = FloatVector.fromArray(F, acc, ao + TS);
            a02 = FloatVector.fromArray(F, acc, ao + 2 * TS); a03 = FloatVector.fromArray(F, acc, ao + 3 * TS);
            a10 = FloatVector.fromArray(F, acc, ao + L); a11 = FloatVector.fromArray(F, acc, ao + L + TS);
            a12 = FloatVector.fromArray(F, acc, ao + L + 2 * TS); a13 = FloatVector.fromArray(F, acc, ao + L + 3 * TS);
            a20 = FloatVector.fromArray(F, acc, ao + 2 * L); a21 = FloatVector.fromArray(F, acc, ao + 2 * L + TS);
            a22 = FloatVector.fromArray(F, acc, ao + 2 * L + 2 * TS); a23 = FloatVector.fromArray(F, acc, ao + 2 * L + 3 * TS);
            a30 = FloatVector.fromArray(F, acc, ao + 3 * L); a31 = FloatVector.fromArray(F, acc, ao + 3 * L + TS);
            a32 = FloatVector.fromArray(F, acc, ao + 3 * L + 2 * TS); a33 = FloatVector.fromArray(F, acc, ao + 3 * L + 3 * TS);
        }
        int end = wo + 4 * k1;
        for (int p = wo + 4 * k0, q = xo + 4 * k0; p < end; p += 4 * L, q += 4 * L) {
            FloatVector v0 = FloatVector.fromArray(F, xs, q), v1 = FloatVector.fromArray(F, xs, q + L);
            FloatVector v2 = FloatVector.fromArray(F, xs, q + 2 * L), v3 = FloatVector.fromArray(F, xs, q + 3 * L);
            FloatVector u = FloatVector.fromArray(F, w, p);
            a00 = u.fma(v0, a00); a01 = u.fma(v1, a01); a02 = u.fma(v2, a02); a03 = u.fma(v3, a03);
            u = FloatVector.fromArray(F, w, p + L);
            a10 = u.fma(v0, a10); a11 = u.fma(v1, a11); a12 = u.fma(v2, a12); a13 = u.fma(v3, a13);
            u = FloatVector.fromArray(F, w, p + 2 * L);
            a20 = u.fma(v0, a20); a21 = u.fma(v1, a21); a22 = u.fma(v2, a22); a23 = u.fma(v3, a23);
            u = FloatVector.fromArray(F, w, p + 3 * L);
            a30 = u.fma(v0, a30); a31 = u.fma(v1, a31); a32 = u.fma(v2, a32); a33 = u.fma(v3, a33);
        }
        a00.intoArray(acc, ao); a01.intoArray(acc, ao + TS); a02.intoArray(acc, ao + 2 * TS); a03.intoArray(acc, ao + 3 * TS);
        a10.intoArray(acc, ao + L); a11.intoArray(acc, ao + L + TS); a12.intoArray(acc, ao + L + 2 * TS); a13.intoArray(acc, ao + L + 3 * TS);
        a20.intoArray(acc, ao + 2 * L); a21.intoArray(acc, ao + 2 * L + TS); a22.intoArray(acc, ao + 2 * L + 2 * TS); a23.intoArray(acc, ao + 2 * L + 3 * TS);
        a30.intoArray(acc, ao + 3 * L); a31.intoArray(acc, ao + 3 * L + TS); a32.intoArray(acc, ao + 3 * L + 2 * TS); a33.intoArray(acc, ao + 3 * L + 3 * TS);
    }

    /** The first 4 rows of a group of {@code g} rows at {@code wo}, × one token at {@code xo}. */
    private static void block4x1(float[] w, int wo, int g, float[] xs, int xo, int k0, int k1, float[] acc, int ao, boolean first) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        if (!first) {
            a0 = FloatVector.fromArray(F, acc, ao);
            a1 = FloatVector.fromArray(F, acc, ao + L);
            a2 = FloatVector.fromArray(F, acc, ao + 2 * L);
            a3 = FloatVector.fromArray(F, acc, ao + 3 * L);
        }
        int end = wo + g * k1;
        for (int p = wo + g * k0, q = xo + 4 * k0; p < end; p += g * L, q += 4 * L) {
            FloatVector v = FloatVector.fromArray(F, xs, q);
            a0 = FloatVector.fromArray(F, w, p).fma(v, a0);
            a1 = FloatVector.fromArray(F, w, p + L).fma(v, a1);
            a2 = FloatVector.fromArray(F, w, p + 2 * L).fma(v, a2);
            a3 = FloatVector.fromArray(F, w, p + 3 * L).fma(v, a3);
        }
        a0.intoArray(acc, ao); a1.intoArray(acc, ao + L); a2.intoArray(acc, ao + 2 * L); a3.intoArray(acc, ao + 3 * L);
    }

    /** One row of a group of {@code g} rows (its first chunk at {@code wo}) × one token at {@code xo}. */
    private static void block1x1(float[] w, int wo, int g, float[] xs, int xo, int k0, int k1, float[] acc, int ao, boolean first) {
        FloatVector a = first ? FloatVector.zero(F) : FloatVector.fromArray(F, acc, ao);
        int end = wo + g * k1;
        for (int p = wo + g * k0, q = xo + 4 * k0; p < end; p += g * L, q += 4 * L) a = FloatVector.fromArray(F, w, p).fma(FloatVector.fromArray(F, xs, q), a);
        a.intoArray(acc, ao);
    }
}
