package io.fangwusha.core.model;

import io.fangwusha.core.kernels.RmsNorm;
import io.fangwusha.core.kernels.Rope;
import io.fangwusha.core.kernels.ThreadPool;
import io.fangwusha.core.kernels.VectorMath;

/**
 * The attention part of a layer between the q/k/v and o projections, as two parallel steps: per token, the biases,
 * per-head q/k RMSNorm, RoPE and the KV cache store; then per (run of a sequence's consecutive tokens, group of
 * query heads), causal attention over the cache.
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
    private int blocks;
    private int[] blockStart = new int[0], blockTokens = new int[0];

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
        int group = config.groupSize();
        this.perJob = headsPerJob(n, config.numKvHeads(), group, pool.threads());
        if (perJob % 2 != 0 && group % 2 == 0) perJob = 2; // Attention.block serves heads in pairs
        this.blocks = tokenBlocks(n, positions, caches, perJob);
        int jobs = blocks * (config.numHeads() / perJob);
        pool.parallelFor(0, jobs, Math.max(1, jobs / (8 * pool.threads())), attend);
        this.caches = null;
        this.w = null;
    }

    /** Scores of one attention job at most, 1M floats (4 MB) per thread, unless one token alone needs more. */
    static final long SCORES_LIMIT = 1 << 20;
    /** Tokens per attention job at most, so that a prefill's jobs still spread over the threads. */
    static final int MAX_BLOCK_TOKENS = 32;

    /**
     * Splits the batch into runs of consecutive tokens of one sequence at consecutive positions (a prompt's
     * tokens), each an attention job per group of heads ({@link Attention#block} reads a key block once for all of
     * them); heads that {@link Attention#blockable} does not serve are jobs of one token. Fills
     * {@code blockStart}/{@code blockTokens}; returns the number of blocks.
     */
    private int tokenBlocks(int n, int[] positions, KvCache[] caches, int count) {
        if (blockStart.length < n) {
            blockStart = new int[n];
            blockTokens = new int[n];
        }
        int blocks = 0, hd = config.headDim();
        for (int i = 0; i < n; ) {
            int len = 1;
            if (Attention.blockable(hd, count)) {
                while (i + len < n && len < MAX_BLOCK_TOKENS && caches[i + len] == caches[i]
                        && positions[i + len] == positions[i] + len
                        && (long) (len + 1) * count * (positions[i] + len + 1) <= SCORES_LIMIT) {
                    len++;
                }
            }
            blockStart[blocks] = i;
            blockTokens[blocks++] = len;
            i += len;
        }
        return blocks;
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
        int heads = config.numHeads(), qDim = config.qDim(), count = perJob, jobsPerBlock = heads / count;
        float[] scores = w.scores.get(), row = w.rows.get(), lanes = w.lanes.get();
        for (int job = start; job < end; job++) {
            int blk = job / jobsPerBlock, first = (job % jobsPerBlock) * count;
            int i0 = blockStart[blk], tokens = blockTokens[blk], last = positions[i0] + tokens;
            int need = tokens * count * last;
            if (scores.length < need) {
                scores = new float[Math.max(need, 2 * scores.length)];
                w.scores.set(scores);
            }
            if (Attention.blockable(config.headDim(), count)) {
                Attention.block(w.q, i0 * qDim, qDim, tokens, first, count, caches[i0], layer, positions[i0],
                        config.groupSize(), config.headDim(), scale, scores, row, lanes, w.att, i0 * qDim);
            } else {
                for (int i = i0; i < i0 + tokens; i++) {
                    Attention.heads(w.q, i * qDim, first, count, caches[i], layer, positions[i],
                            config.groupSize(), config.headDim(), scale, scores, row, lanes, w.att, i * qDim);
                }
            }
        }
    }
}
