package io.fangwusha.core.model;

import io.fangwusha.core.kernels.MatrixWeights;
import io.fangwusha.core.kernels.PackedTile;
import io.fangwusha.core.kernels.SwiGlu;
import io.fangwusha.core.kernels.ThreadPool;

/**
 * Several matrices that multiply the same activations, run as ONE parallel step over their concatenated rows
 * (q/k/v; gate/up), so a layer has fewer synchronisation points. Optionally the SwiGLU of gate and up is applied
 * per chunk right after both are computed (gate and up are split at the same rows). A reusable task object: no
 * lambda or other allocation per call. Chunks are multiples of the prefill tile panel so the kernels see whole
 * panels; results do not depend on the split (every kernel computes each row independently).
 */
final class FusedMatmul implements ThreadPool.RangeTask {
    private final ThreadPool pool;
    private MatrixWeights[] ms;
    private float[][] outs;
    private float[] x;
    private int batch;
    private boolean swiglu;

    /**
     * The least weight bytes per decode chunk (at least one chunk per thread, at most 8). Zen 4, 2 threads, tg
     * tok/s, alternating, 8 chunks per thread / 2 for every step: 0.6B Q4_0 (1.2-3.5 MB per layer step) 72.9,
     * 72.5, 71.3 / 81.0, 83.7, 79.0; 4B Q4_0 (9-28 MB) 12.8, 13.1, 13.1 / 13.0, 13.5, 13.4; but 4B Q8_0 (11-53 MB)
     * 7.81, 7.60 / 7.28, 6.76, where 8 per thread balance better. With this limit instead (4B keeps 4-8 per
     * thread), 8 per thread / this: 0.6B Q4_0 75.0, 76.2 / 76.7, 78.4; 0.6B Q8_0 51.9, 51.8 / 53.7, 53.0; 4B
     * Q4_0 and Q8_0 within noise (12.96, 11.41 / 12.25, 12.35; 8.15, 8.17 / 7.64, 8.40).
     */
    static final long DECODE_CHUNK_BYTES = 1 << 20;

    FusedMatmul(ThreadPool pool) {
        this.pool = pool;
    }

    /** {@code outs[i] = x · ms[i]ᵀ} for each i, in one parallel step. */
    void run(float[] x, int batch, MatrixWeights[] ms, float[][] outs) {
        run(x, batch, ms, outs, false);
    }

    /** {@code gate = silu(x · gateᵀ) * (x · upᵀ)}, in one parallel step ({@code up} is scratch). */
    void runSwiGlu(float[] x, int batch, MatrixWeights gate, MatrixWeights up, MatrixWeights[] pair, float[][] outPair) {
        pair[0] = gate;
        pair[1] = up;
        run(x, batch, pair, outPair, true);
    }

    private void run(float[] x, int batch, MatrixWeights[] ms, float[][] outs, boolean swiglu) {
        if (batch == 0) return;
        this.ms = ms;
        this.outs = outs;
        this.x = x;
        this.batch = batch;
        this.swiglu = swiglu;
        int total = swiglu ? ms[0].rows() : 0;
        long bytes = 0;
        for (MatrixWeights m : ms) bytes += m.dtype().bytesFor((long) m.rows() * m.cols());
        if (!swiglu) for (MatrixWeights m : ms) total += m.rows();
        // Decode: up to 8 chunks per thread, so a descheduled thread's share is taken over, but none under
        // DECODE_CHUNK_BYTES: each chunk restarts a memory stream and re-checks the activations. Prefill: few,
        // because every chunk call re-lays out the whole batch of activations for its kernel (BF16 split, tile
        // stride).
        int threads = pool.threads();
        int chunks = batch >= 4 ? 2 * threads : (int) Math.clamp(bytes / DECODE_CHUNK_BYTES, threads, 8L * threads);
        // Rounded up to whole prefill panels, so that no small chunk is left over for one thread to run alone; in
        // decode to 16 rows, whole groups of the grouped quantised layouts (4, 8 or 16 rows), which a chunk
        // boundary would otherwise cut, and a cut group is computed whole on both sides.
        int p = batch >= 4 ? PackedTile.PANEL_ROWS : 16;
        int grain = Math.max(p, ((total + chunks - 1) / chunks + p - 1) / p * p);
        pool.parallelFor(0, total, grain, this);
        this.x = null;
    }

    @Override
    public void run(int start, int end) {
        if (swiglu) {
            ms[0].multiply(x, batch, outs[0], start, end);
            ms[1].multiply(x, batch, outs[1], start, end);
            int rows = ms[0].rows();
            for (int b = 0; b < batch; b++) SwiGlu.apply(outs[0], outs[1], b * rows + start, end - start);
            return;
        }
        int off = 0;
        for (int i = 0; i < ms.length; i++) {
            int rows = ms[i].rows();
            int lo = Math.max(start, off), hi = Math.min(end, off + rows);
            if (lo < hi) ms[i].multiply(x, batch, outs[i], lo - off, hi - off);
            off += rows;
        }
    }
}
