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
     * Decode claims guided chunks ({@link ThreadPool#parallelFor(int, int, int, boolean, ThreadPool.RangeTask)}): a
     * quarter of what is left (2 threads) at first, down to this many weight bytes at the end. Each chunk restarts a
     * memory stream and re-checks the activations, so few large ones are cheapest, but the threads can only finish
     * together within the last chunk: with fixed chunks of at least 1 MiB (at most 8 per thread) each of 4B's ~145
     * steps per token ended with one thread waiting ({@code ThreadPool.workerLoop} and {@code parallelFor} ~4% of a 4B
     * Q4_K_M decode profile). Zen 4, 2 threads, tg64 tok/s, same jar, fixed / guided to 256 KB, alternating: 4B Q4_0
     * 13.51, 13.14 / 13.84, 13.52; 4B Q4_K_M 11.64, 11.54 / 12.04, 12.38 (64 and 128 KB: 11.86-12.40); 4B BF16 4.01,
     * 3.94 / 4.08 (and 5.18 in the machine's fast mode); 4B Q8_0 8.42, 7.73 / 8.49, 7.95; the 0.6B rows within the
     * machine's two bandwidth modes either way.
     */
    static final long DECODE_MIN_CHUNK_BYTES = 256 << 10;

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
        if (batch < 4) {
            // Decode: guided chunks in multiples of 16 rows, whole groups of the grouped quantised layouts (4, 8 or
            // 16 rows), which a chunk boundary would otherwise cut (a cut group is computed whole on both sides).
            long rowBytes = Math.max(1, bytes / total);
            int grain = (int) Math.max(16, (DECODE_MIN_CHUNK_BYTES / rowBytes + 15) / 16 * 16);
            pool.parallelFor(0, total, grain, true, this);
        } else {
            // Prefill: two chunks per thread, because every chunk call re-lays out the whole batch of activations
            // for its kernel (BF16 split, tile stride); rounded up to whole panels, so that no small chunk is left
            // over for one thread to run alone.
            int p = PackedTile.PANEL_ROWS, chunks = 2 * pool.threads();
            int grain = Math.max(p, ((total + chunks - 1) / chunks + p - 1) / p * p);
            pool.parallelFor(0, total, grain, this);
        }
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
