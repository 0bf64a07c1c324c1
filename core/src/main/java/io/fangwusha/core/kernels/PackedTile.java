package io.fangwusha.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The prefill micro-kernel shared by every weight type. A panel of up to {@link #PANEL_ROWS} weight rows, already
 * widened to float32 into a per-thread buffer, is multiplied with the activations in cache blocks of
 * {@link #PANEL_TOKENS} tokens × {@link #BLOCK_COLS} columns (both operands L2-resident) and register blocks of
 * 4 rows × 4 tokens (16 accumulators: each loaded vector feeds 4 FMAs, no conversion work in the inner loop).
 * Between column blocks the vector accumulators are parked in {@link Scratch#acc} unchanged, so blocking does not
 * change any result. Widening costs one pass per call instead of one per token.
 *
 * <p>Order, per (row, token): one accumulator over the vector part in column order ({@code acc = w*x + acc}),
 * then the lanes reduced by {@link VectorMath#sumLanes}' fixed tree, then the scalar tail in column order. A weight
 * type whose batch-1 kernel uses the same order (and the same column permutation of the vector part, see
 * {@code xs}) is batch-invariant.
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
     * 27.6-26.6 / 28.2-28.6.
     */
    static final int BLOCK_COLS = 1024;
    static {
        if (PANEL_TOKENS % L != 0) throw new AssertionError("PANEL_TOKENS must be a multiple of the vector length");
    }

    private PackedTile() {}

    /** Per-thread buffers: the widened weight panel and the parked accumulators. */
    public static final class Scratch {
        private float[] w = new float[0];
        /** Token-major: the accumulator of row k and token j at {@code (j * PANEL_ROWS + k) * L}. */
        private final float[] acc = new float[PANEL_ROWS * PANEL_TOKENS * L];
        private final float[] sums = new float[PANEL_ROWS * PANEL_TOKENS];

        /** A buffer for {@code PANEL_ROWS} rows of {@code cols} floats, row k at {@code k*stride(cols)}. */
        public float[] panel(int cols) {
            if (w.length < PANEL_ROWS * stride(cols)) w = new float[PANEL_ROWS * stride(cols)];
            return w;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * Row stride for {@code n} floats: one cache line more than needed, so that rows of a power-of-two length do not
     * all map to the same L1 sets (16 rows 4 KiB apart would exceed the 12 ways and thrash).
     */
    public static int stride(int n) {
        return n + L;
    }

    public static Scratch scratch() {
        return SCRATCH.get();
    }

    /**
     * {@code out[b*rows + r0 + k] = dot(row k, token b)} for {@code k < n} and every token {@code b < batch}.
     * Row k is packed at {@code s.panel(cols)[k*stride(cols) ..]}: columns {@code [0, vec)} in the permutation of
     * {@code xs} ({@code vec} a multiple of the vector length), then {@code [vec, cols)} in natural order. {@code xs}
     * holds each token's permuted vector part at {@code xs[b*stride(vec) ..]}; {@code x} the natural-order
     * activations (for the tail).
     */
    public static void multiply(Scratch s, int n, int cols, int vec, float[] xs, float[] x, int batch, float[] out, int rows, int r0) {
        float[] w = s.w;
        int ws = stride(cols), xst = stride(vec);
        int g6 = n / 6;
        if (g6 > 0 && (n - 6 * g6) % 4 != 0 && (n - 6 * g6 + 6) % 4 == 0) g6--; // 8 rows: 4 + 4, not 6 + 1 + 1
        int n6 = 6 * g6, n4 = n6 + (n - n6) / 4 * 4;
        for (int t0 = 0; t0 < batch; t0 += PANEL_TOKENS) {
            int nt = Math.min(PANEL_TOKENS, batch - t0);
            if (vec == 0) java.util.Arrays.fill(s.acc, 0f); // no column block to start the accumulators
            for (int k0 = 0; k0 < vec; k0 += BLOCK_COLS) {
                int k1 = Math.min(vec, k0 + BLOCK_COLS);
                // The first column block starts from zero instead of loading zero-filled accumulators: filling
                // them was ~4% of prefill. Same values: an FMA into +0 and into a loaded +0 round alike.
                boolean first = k0 == 0;
                for (int rg = 0; rg < n6; rg += 6) {
                    int j = 0;
                    for (; j + 4 <= nt; j += 4) block6x4(w, rg * ws, ws, xs, (t0 + j) * xst, xst, k0, k1, s.acc, (j * PANEL_ROWS + rg) * L, first);
                    for (; j < nt; j++) {
                        block4x1(w, rg * ws, ws, xs, (t0 + j) * xst, k0, k1, s.acc, (j * PANEL_ROWS + rg) * L, first);
                        for (int k = rg + 4; k < rg + 6; k++) block1x1(w, k * ws, xs, (t0 + j) * xst, k0, k1, s.acc, (j * PANEL_ROWS + k) * L, first);
                    }
                }
                for (int rg = n6; rg < n4; rg += 4) {
                    int j = 0;
                    for (; j + 4 <= nt; j += 4) block4x4(w, rg * ws, ws, xs, (t0 + j) * xst, xst, k0, k1, s.acc, (j * PANEL_ROWS + rg) * L, first);
                    for (; j < nt; j++) block4x1(w, rg * ws, ws, xs, (t0 + j) * xst, k0, k1, s.acc, (j * PANEL_ROWS + rg) * L, first);
                }
                for (int k = n4; k < n; k++) {
                    for (int j = 0; j < nt; j++) block1x1(w, k * ws, xs, (t0 + j) * xst, k0, k1, s.acc, (j * PANEL_ROWS + k) * L, first);
                }
            }
            finish(s, n, t0, nt, w, cols, vec, x, out, rows, r0);
        }
    }

    /**
     * Reduces the panel's accumulators with {@link VectorMath#sumLanes}' tree — 16 at once where vectors have 16
     * lanes (one reduction per accumulator costs as much as its FMAs at small batches) — then adds each scalar tail
     * in column order. The accumulators are token-major so that the reductions fill {@code sums} and each token's
     * outputs are written as one run of rows: reduced row by row (16 tokens at a time, stored {@code rows} floats
     * apart) the stores of this step held ~half of {@code multiply}'s own samples in a 0.6B BF16 prefill profile.
     * Accumulators of rows or tokens outside the panel are reduced too and ignored.
     */
    private static void finish(Scratch s, int n, int t0, int nt, float[] w, int cols, int vec, float[] x, float[] out, int rows, int r0) {
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
                int wo = k * stride(cols);
                for (int c = vec; c < cols; c++) v += w[wo + c] * x[xo + c];
                out[oo + k] = v;
            }
        }
    }

    /** As {@link #block4x4}, for rows at {@code wo + {0..5}·cols}. */
    private static void block6x4(float[] w, int wo, int cols, float[] xs, int xo, int vec, int k0, int k1, float[] acc, int ao, boolean first) {
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
        int w0 = wo, w1 = wo + cols, w2 = w1 + cols, w3 = w2 + cols, w4 = w3 + cols, w5 = w4 + cols;
        int x0 = xo, x1 = xo + vec, x2 = x1 + vec, x3 = x2 + vec;
        for (int c = k0; c < k1; c += L) {
            FloatVector v0 = FloatVector.fromArray(F, xs, x0 + c), v1 = FloatVector.fromArray(F, xs, x1 + c);
            FloatVector v2 = FloatVector.fromArray(F, xs, x2 + c), v3 = FloatVector.fromArray(F, xs, x3 + c);
            FloatVector u = FloatVector.fromArray(F, w, w0 + c);
            a00 = u.fma(v0, a00); a01 = u.fma(v1, a01); a02 = u.fma(v2, a02); a03 = u.fma(v3, a03);
            u = FloatVector.fromArray(F, w, w1 + c);
            a10 = u.fma(v0, a10); a11 = u.fma(v1, a11); a12 = u.fma(v2, a12); a13 = u.fma(v3, a13);
            u = FloatVector.fromArray(F, w, w2 + c);
            a20 = u.fma(v0, a20); a21 = u.fma(v1, a21); a22 = u.fma(v2, a22); a23 = u.fma(v3, a23);
            u = FloatVector.fromArray(F, w, w3 + c);
            a30 = u.fma(v0, a30); a31 = u.fma(v1, a31); a32 = u.fma(v2, a32); a33 = u.fma(v3, a33);
            u = FloatVector.fromArray(F, w, w4 + c);
            a40 = u.fma(v0, a40); a41 = u.fma(v1, a41); a42 = u.fma(v2, a42); a43 = u.fma(v3, a43);
            u = FloatVector.fromArray(F, w, w5 + c);
            a50 = u.fma(v0, a50); a51 = u.fma(v1, a51); a52 = u.fma(v2, a52); a53 = u.fma(v3, a53);
        }
        a00.intoArray(acc, ao); a01.intoArray(acc, ao + TS); a02.intoArray(acc, ao + 2 * TS); a03.intoArray(acc, ao + 3 * TS);
        a10.intoArray(acc, ao + L); a11.intoArray(acc, ao + L + TS); a12.intoArray(acc, ao + L + 2 * TS); a13.intoArray(acc, ao + L + 3 * TS);
        a20.intoArray(acc, ao + 2 * L); a21.intoArray(acc, ao + 2 * L + TS); a22.intoArray(acc, ao + 2 * L + 2 * TS); a23.intoArray(acc, ao + 2 * L + 3 * TS);
        a30.intoArray(acc, ao + 3 * L); a31.intoArray(acc, ao + 3 * L + TS); a32.intoArray(acc, ao + 3 * L + 2 * TS); a33.intoArray(acc, ao + 3 * L + 3 * TS);
        a40.intoArray(acc, ao + 4 * L); a41.intoArray(acc, ao + 4 * L + TS); a42.intoArray(acc, ao + 4 * L + 2 * TS); a43.intoArray(acc, ao + 4 * L + 3 * TS);
        a50.intoArray(acc, ao + 5 * L); a51.intoArray(acc, ao + 5 * L + TS); a52.intoArray(acc, ao + 5 * L + 2 * TS); a53.intoArray(acc, ao + 5 * L + 3 * TS);
    }

    /** Rows at {@code wo + {0,1,2,3}·cols} × tokens at {@code xo + {0,1,2,3}·vec} (strides), columns [k0, k1). */
    private static void block4x4(float[] w, int wo, int cols, float[] xs, int xo, int vec, int k0, int k1, float[] acc, int ao, boolean first) {
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
        int w0 = wo, w1 = wo + cols, w2 = w1 + cols, w3 = w2 + cols;
        int x0 = xo, x1 = xo + vec, x2 = x1 + vec, x3 = x2 + vec;
        for (int c = k0; c < k1; c += L) {
            FloatVector v0 = FloatVector.fromArray(F, xs, x0 + c), v1 = FloatVector.fromArray(F, xs, x1 + c);
            FloatVector v2 = FloatVector.fromArray(F, xs, x2 + c), v3 = FloatVector.fromArray(F, xs, x3 + c);
            FloatVector u = FloatVector.fromArray(F, w, w0 + c);
            a00 = u.fma(v0, a00); a01 = u.fma(v1, a01); a02 = u.fma(v2, a02); a03 = u.fma(v3, a03);
            u = FloatVector.fromArray(F, w, w1 + c);
            a10 = u.fma(v0, a10); a11 = u.fma(v1, a11); a12 = u.fma(v2, a12); a13 = u.fma(v3, a13);
            u = FloatVector.fromArray(F, w, w2 + c);
            a20 = u.fma(v0, a20); a21 = u.fma(v1, a21); a22 = u.fma(v2, a22); a23 = u.fma(v3, a23);
            u = FloatVector.fromArray(F, w, w3 + c);
            a30 = u.fma(v0, a30); a31 = u.fma(v1, a31); a32 = u.fma(v2, a32); a33 = u.fma(v3, a33);
        }
        a00.intoArray(acc, ao); a01.intoArray(acc, ao + TS); a02.intoArray(acc, ao + 2 * TS); a03.intoArray(acc, ao + 3 * TS);
        a10.intoArray(acc, ao + L); a11.intoArray(acc, ao + L + TS); a12.intoArray(acc, ao + L + 2 * TS); a13.intoArray(acc, ao + L + 3 * TS);
        a20.intoArray(acc, ao + 2 * L); a21.intoArray(acc, ao + 2 * L + TS); a22.intoArray(acc, ao + 2 * L + 2 * TS); a23.intoArray(acc, ao + 2 * L + 3 * TS);
        a30.intoArray(acc, ao + 3 * L); a31.intoArray(acc, ao + 3 * L + TS); a32.intoArray(acc, ao + 3 * L + 2 * TS); a33.intoArray(acc, ao + 3 * L + 3 * TS);
    }

    private static void block4x1(float[] w, int wo, int cols, float[] xs, int xo, int k0, int k1, float[] acc, int ao, boolean first) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        if (!first) {
            a0 = FloatVector.fromArray(F, acc, ao);
            a1 = FloatVector.fromArray(F, acc, ao + L);
            a2 = FloatVector.fromArray(F, acc, ao + 2 * L);
            a3 = FloatVector.fromArray(F, acc, ao + 3 * L);
        }
        int w1 = wo + cols, w2 = w1 + cols, w3 = w2 + cols;
        for (int c = k0; c < k1; c += L) {
            FloatVector v = FloatVector.fromArray(F, xs, xo + c);
            a0 = FloatVector.fromArray(F, w, wo + c).fma(v, a0);
            a1 = FloatVector.fromArray(F, w, w1 + c).fma(v, a1);
            a2 = FloatVector.fromArray(F, w, w2 + c).fma(v, a2);
            a3 = FloatVector.fromArray(F, w, w3 + c).fma(v, a3);
        }
        a0.intoArray(acc, ao); a1.intoArray(acc, ao + L); a2.intoArray(acc, ao + 2 * L); a3.intoArray(acc, ao + 3 * L);
    }

    private static void block1x1(float[] w, int wo, float[] xs, int xo, int k0, int k1, float[] acc, int ao, boolean first) {
        FloatVector a = first ? FloatVector.zero(F) : FloatVector.fromArray(F, acc, ao);
        for (int c = k0; c < k1; c += L) a = FloatVector.fromArray(F, w, wo + c).fma(FloatVector.fromArray(F, xs, xo + c), a);
        a.intoArray(acc, ao);
    }
}
