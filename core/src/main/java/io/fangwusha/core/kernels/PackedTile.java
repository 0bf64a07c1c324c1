package io.fangwusha.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The batched micro-kernel shared by every weight type (prefill and larger continuous batches). A panel of up to
 * {@link #PANEL_ROWS} weight rows, already widened to float32 into a per-thread buffer, is multiplied with every
 * token of the batch in register blocks of 4 rows × 4 tokens (16 accumulators: each loaded vector feeds 4 FMAs,
 * no conversion work in the inner loop). The panel stays in L1 while all tokens stream past it, and each block runs
 * over up to {@link #BLOCK_COLS} columns in one loop from zero accumulators: short loops and accumulators reloaded
 * from memory each cost C2 a third of its FMA rate (4x4 over 1024 columns: ~140 GFLOP/s per core from zero, ~100
 * when the accumulators are loaded first, ~75 in 256-column blocks). Only rows longer than {@code BLOCK_COLS} park
 * their accumulators in the scratch between column blocks, unchanged, so blocking never changes a result.
 *
 * <p>Order, per (row, token): one accumulator over the vector part in column order ({@code acc = w*x + acc}),
 * then the lanes reduced by {@link VectorMath#sumLanes}' fixed tree, then the scalar tail in column order. A weight
 * type whose batch-1 kernel uses the same order (and the same column permutation of the vector part, see
 * {@code xs}) is batch-invariant.
 */
public final class PackedTile {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    public static final int PANEL_ROWS = 4;
    static final int BLOCK_COLS = 2048;

    private PackedTile() {}

    /** Per-thread buffers: the widened weight panel and the parked accumulators. */
    public static final class Scratch {
        private float[] w = new float[0];
        private float[] acc = new float[0];
        private final float[] sums = new float[L];

        /** A buffer for {@code PANEL_ROWS} rows of {@code cols} floats, row k at {@code k*stride(cols)}. */
        public float[] panel(int cols) {
            if (w.length < PANEL_ROWS * stride(cols)) w = new float[PANEL_ROWS * stride(cols)];
            return w;
        }

        /** Parked accumulators of (token b, row k) at {@code (b * PANEL_ROWS + k) * L}, padded to whole groups of L. */
        private float[] acc(int batch) {
            int n = (batch * PANEL_ROWS + L) * L;
            if (acc.length < n) acc = new float[n];
            return acc;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * Row stride for {@code n} floats: one cache line more than needed, so that rows of a power-of-two length do not
     * all map to the same L1 sets.
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
        float[] w = s.w, acc = s.acc(batch);
        int ws = stride(cols), xst = stride(vec);
        if (vec == 0) java.util.Arrays.fill(acc, 0, batch * PANEL_ROWS * L, 0f);
        for (int k0 = 0; k0 < vec; k0 += BLOCK_COLS) {
            int k1 = Math.min(vec, k0 + BLOCK_COLS);
            boolean first = k0 == 0;
            if (n == PANEL_ROWS) {
                int b = 0;
                for (; b + 4 <= batch; b += 4) block4x4(w, ws, xs, b * xst, xst, k0, k1, first, acc, b * PANEL_ROWS * L);
                for (; b < batch; b++) block4x1(w, ws, xs, b * xst, k0, k1, first, acc, b * PANEL_ROWS * L);
            } else {
                for (int b = 0; b < batch; b++) {
                    for (int k = 0; k < n; k++) block1x1(w, k * ws, xs, b * xst, k0, k1, first, acc, (b * PANEL_ROWS + k) * L);
                }
            }
        }
        finish(s, acc, n, batch, w, cols, vec, x, out, rows, r0);
    }

    /**
     * Reduces every parked (token, row) accumulator with {@link VectorMath#sumLanes}' tree — 16 at a time in vector
     * form where vectors have 16 lanes (one reduction per accumulator costs as much as the block's FMAs at batch
     * 8) — then adds the scalar tail in column order.
     */
    private static void finish(Scratch s, float[] acc, int n, int batch, float[] w, int cols, int vec, float[] x, float[] out, int rows, int r0) {
        float[] sums = s.sums;
        int total = batch * PANEL_ROWS;
        for (int g = 0; g < total; g += L) {
            if (VectorMath.SIXTEEN_LANES) {
                VectorMath.sumLanesOf16(acc, g * L, sums, 0);
            } else {
                for (int j = 0; j < L && g + j < total; j++) sums[j] = VectorMath.sumLanesScalar(acc, (g + j) * L, L);
            }
            for (int a = g; a < Math.min(total, g + L); a++) {
                int b = a / PANEL_ROWS, k = a % PANEL_ROWS;
                if (k >= n) continue;
                float v = sums[a - g];
                int wo = k * stride(cols), xo = b * cols;
                for (int c = vec; c < cols; c++) v += w[wo + c] * x[xo + c];
                out[b * rows + r0 + k] = v;
            }
        }
    }

    /**
     * Rows at {@code {0,1,2,3}·ws} × tokens at {@code xo + {0,1,2,3}·xst}, columns [k0, k1); accumulators from
     * zero when {@code first}, else from their parked values; parked at {@code acc[ao + (4·token + row)·L]}.
     */
    private static void block4x4(float[] w, int ws, float[] xs, int xo, int xst, int k0, int k1, boolean first, float[] acc, int ao) {
        final int T = PANEL_ROWS * L;
        FloatVector a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33;
        if (first) {
            a00 = FloatVector.zero(F);
            a01 = a00; a02 = a00; a03 = a00; a10 = a00; a11 = a00; a12 = a00; a13 = a00;
            a20 = a00; a21 = a00; a22 = a00; a23 = a00; a30 = a00; a31 = a00; a32 = a00; a33 = a00;
        } else {
            a00 = FloatVector.fromArray(F, acc, ao); a10 = FloatVector.fromArray(F, acc, ao + L);
            a20 = FloatVector.fromArray(F, acc, ao + 2 * L); a30 = FloatVector.fromArray(F, acc, ao + 3 * L);
            a01 = FloatVector.fromArray(F, acc, ao + T); a11 = FloatVector.fromArray(F, acc, ao + T + L);
            a21 = FloatVector.fromArray(F, acc, ao + T + 2 * L); a31 = FloatVector.fromArray(F, acc, ao + T + 3 * L);
            a02 = FloatVector.fromArray(F, acc, ao + 2 * T); a12 = FloatVector.fromArray(F, acc, ao + 2 * T + L);
            a22 = FloatVector.fromArray(F, acc, ao + 2 * T + 2 * L); a32 = FloatVector.fromArray(F, acc, ao + 2 * T + 3 * L);
            a03 = FloatVector.fromArray(F, acc, ao + 3 * T); a13 = FloatVector.fromArray(F, acc, ao + 3 * T + L);
            a23 = FloatVector.fromArray(F, acc, ao + 3 * T + 2 * L); a33 = FloatVector.fromArray(F, acc, ao + 3 * T + 3 * L);
        }
        int w1 = ws, w2 = 2 * ws, w3 = 3 * ws;
        int x0 = xo, x1 = xo + xst, x2 = x1 + xst, x3 = x2 + xst;
        for (int c = k0; c < k1; c += L) {
            FloatVector v0 = FloatVector.fromArray(F, xs, x0 + c), v1 = FloatVector.fromArray(F, xs, x1 + c);
            FloatVector v2 = FloatVector.fromArray(F, xs, x2 + c), v3 = FloatVector.fromArray(F, xs, x3 + c);
            FloatVector u = FloatVector.fromArray(F, w, c);
            a00 = u.fma(v0, a00); a01 = u.fma(v1, a01); a02 = u.fma(v2, a02); a03 = u.fma(v3, a03);
            u = FloatVector.fromArray(F, w, w1 + c);
            a10 = u.fma(v0, a10); a11 = u.fma(v1, a11); a12 = u.fma(v2, a12); a13 = u.fma(v3, a13);
            u = FloatVector.fromArray(F, w, w2 + c);
            a20 = u.fma(v0, a20); a21 = u.fma(v1, a21); a22 = u.fma(v2, a22); a23 = u.fma(v3, a23);
            u = FloatVector.fromArray(F, w, w3 + c);
            a30 = u.fma(v0, a30); a31 = u.fma(v1, a31); a32 = u.fma(v2, a32); a33 = u.fma(v3, a33);
        }
        a00.intoArray(acc, ao); a10.intoArray(acc, ao + L); a20.intoArray(acc, ao + 2 * L); a30.intoArray(acc, ao + 3 * L);
        a01.intoArray(acc, ao + T); a11.intoArray(acc, ao + T + L); a21.intoArray(acc, ao + T + 2 * L); a31.intoArray(acc, ao + T + 3 * L);
        a02.intoArray(acc, ao + 2 * T); a12.intoArray(acc, ao + 2 * T + L); a22.intoArray(acc, ao + 2 * T + 2 * L); a32.intoArray(acc, ao + 2 * T + 3 * L);
        a03.intoArray(acc, ao + 3 * T); a13.intoArray(acc, ao + 3 * T + L); a23.intoArray(acc, ao + 3 * T + 2 * L); a33.intoArray(acc, ao + 3 * T + 3 * L);
    }

    private static void block4x1(float[] w, int ws, float[] xs, int xo, int k0, int k1, boolean first, float[] acc, int ao) {
        FloatVector a0, a1, a2, a3;
        if (first) {
            a0 = FloatVector.zero(F); a1 = a0; a2 = a0; a3 = a0;
        } else {
            a0 = FloatVector.fromArray(F, acc, ao); a1 = FloatVector.fromArray(F, acc, ao + L);
            a2 = FloatVector.fromArray(F, acc, ao + 2 * L); a3 = FloatVector.fromArray(F, acc, ao + 3 * L);
        }
        int w1 = ws, w2 = 2 * ws, w3 = 3 * ws;
        for (int c = k0; c < k1; c += L) {
            FloatVector v = FloatVector.fromArray(F, xs, xo + c);
            a0 = FloatVector.fromArray(F, w, c).fma(v, a0);
            a1 = FloatVector.fromArray(F, w, w1 + c).fma(v, a1);
            a2 = FloatVector.fromArray(F, w, w2 + c).fma(v, a2);
            a3 = FloatVector.fromArray(F, w, w3 + c).fma(v, a3);
        }
        a0.intoArray(acc, ao); a1.intoArray(acc, ao + L); a2.intoArray(acc, ao + 2 * L); a3.intoArray(acc, ao + 3 * L);
    }

    private static void block1x1(float[] w, int wo, float[] xs, int xo, int k0, int k1, boolean first, float[] acc, int ao) {
        FloatVector a = first ? FloatVector.zero(F) : FloatVector.fromArray(F, acc, ao);
        for (int c = k0; c < k1; c += L) a = FloatVector.fromArray(F, w, wo + c).fma(FloatVector.fromArray(F, xs, xo + c), a);
        a.intoArray(acc, ao);
    }
}
