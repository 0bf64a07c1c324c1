package io.fangwusha.core.model;

import io.fangwusha.core.kernels.RmsNorm;
import io.fangwusha.core.kernels.Rope;
import io.fangwusha.core.kernels.ThreadPool;
import io.fangwusha.core.kernels.VectorMath;

/**
 * The attention part of a layer between the q/k/v and o projections, as two parallel steps: per token, the biases,
 * per-head q/k RMSNorm, RoPE and the KV cache store; then per (token, query head), causal attention over the cache.
 * Reusable task objects (no allocation per call); tokens and heads are independent, so the split does not change
 * any result.
 */
final class AttentionStep {
    private final Qwen3Config config;
    private final ThreadPool pool;
    private final Rope rope;
    private final float eps;
    private final float scale;
    private final ThreadPool.RangeTask prepare = this::prepare;
    private final ThreadPool.RangeTask attend = this::attend;
    // the current call
    private int layer;
    private Qwen3Weights.Layer weights;
    private int[] positions;
    private KvCache[] caches;
    private Qwen3Model.Workspace w;
    private int perJob;

    AttentionStep(Qwen3Config config, ThreadPool pool, Rope rope, float eps, float scale) {
        this.config = config;
        this.pool = pool;
        this.rope = rope;
        this.eps = eps;
        this.scale = scale;
    }

    /** Reads w.q, w.k, w.v of {@code n} tokens, stores k/v in the caches, writes w.att. */
    void run(int layer, Qwen3Weights.Layer weights, int n, int[] positions, KvCache[] caches, Qwen3Model.Workspace w) {
        this.layer = layer;
        this.weights = weights;
        this.positions = positions;
        this.caches = caches;
        this.w = w;
        pool.parallelFor(0, n, 1, prepare);
        this.perJob = headsPerJob(n, config.numKvHeads(), config.groupSize(), pool.threads());
        int jobs = n * config.numHeads() / perJob;
        pool.parallelFor(0, jobs, Math.max(1, jobs / (8 * pool.threads())), attend);
        this.caches = null;
        this.w = null;
    }

    private void prepare(int start, int end) {
        int qDim = config.qDim(), kvDim = config.kvDim(), hd = config.headDim();
        for (int i = start; i < end; i++) {
            if (weights.qBias() != null) {
                VectorMath.add(weights.qBias(), 0, w.q, i * qDim, qDim);
                VectorMath.add(weights.kBias(), 0, w.k, i * kvDim, kvDim);
                VectorMath.add(weights.vBias(), 0, w.v, i * kvDim, kvDim);
            }
            RmsNorm.applyEach(w.q, i * qDim, config.numHeads(), weights.qNorm(), eps, hd);
            RmsNorm.applyEach(w.k, i * kvDim, config.numKvHeads(), weights.kNorm(), eps, hd);
            rope.apply(w.q, i * qDim, config.numHeads(), positions[i]);
            rope.apply(w.k, i * kvDim, config.numKvHeads(), positions[i]);
            caches[i].store(layer, positions[i], w.k, i * kvDim, w.v, i * kvDim);
        }
    }

    /**
     * Query heads per attention job: the whole group of a KV head (its keys and values read once for all of them)
     * unless that leaves fewer jobs than threads (a single decoding sequence on many cores); then the largest
     * divisor of the group that still gives every thread a job. The grouping never changes a result.
     */
    static int headsPerJob(int tokens, int kvHeads, int group, int threads) {
        for (int split = 1; split < group; split++) {
            if (group % split == 0 && (long) tokens * kvHeads * split >= threads) return group / split;
        }
        return 1;
    }

    private void attend(int start, int end) {
        int heads = config.numHeads(), qDim = config.qDim(), count = perJob, jobsPerToken = heads / count;
        float[] scores = w.scores.get(), row = w.rows.get(), lanes = w.lanes.get();
        for (int job = start; job < end; job++) {
            int i = job / jobsPerToken, first = (job % jobsPerToken) * count;
            int need = count * (positions[i] + 1);
            if (scores.length < need) {
                scores = new float[Math.max(need, 2 * scores.length)];
                w.scores.set(scores);
            }
            Attention.heads(w.q, i * qDim, first, count, caches[i], layer, positions[i],
                    config.groupSize(), config.headDim(), scale, scores, row, lanes, w.att, i * qDim);
        }
    }
}
