package io.fangwusha.core.model;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.kernels.MatrixWeights;
import io.fangwusha.core.kernels.RmsNorm;
import io.fangwusha.core.kernels.Rope;
import io.fangwusha.core.kernels.ThreadPool;
import io.fangwusha.core.kernels.VectorMath;
import io.fangwusha.core.weights.WeightStore;

/**
 * The Qwen3 decoder, as transformers' {@code modeling_qwen3.py}: embed → N × (RMSNorm → attention with per-head
 * q/k RMSNorm and NEOX RoPE → residual → RMSNorm → SwiGLU MLP → residual) → RMSNorm → lm_head. Activations are
 * float32 throughout.
 *
 * <p>Every call processes a batch of tokens, each with its own sequence (KV cache) and position: a prompt prefill
 * is a batch of one sequence's consecutive positions; a continuous-batching decode step is one token from each of
 * several sequences. Weight matrices are therefore read once per call for the whole batch. Not thread-safe: one
 * forward at a time.
 */
public final class Qwen3Model {
    private final Qwen3Config config;
    private final Qwen3Weights weights;
    private final ThreadPool pool;
    private final Rope rope;
    private final float eps;
    private final float attentionScale;
    private final KvCacheType kvType;
    private final FusedMatmul matmuls;
    private final AttentionStep attention;
    private final MatrixWeights[] w1 = new MatrixWeights[1];
    private final float[][] o1 = new float[1][];
    private Workspace ws = new Workspace(0, null);

    /** Float32 KV caches. */
    public Qwen3Model(Qwen3Config config, Qwen3Weights weights, ThreadPool pool) {
        this(config, weights, pool, KvCacheType.F32);
    }

    /** @param kvType element type of the caches {@link #newCache(int)} creates */
    public Qwen3Model(Qwen3Config config, Qwen3Weights weights, ThreadPool pool, KvCacheType kvType) {
        this.config = config;
        this.kvType = java.util.Objects.requireNonNull(kvType, "kvType");
        this.weights = weights;
        this.pool = pool;
        this.rope = new Rope(config.headDim(), config.ropeTheta());
        this.eps = (float) config.rmsNormEps();
        this.attentionScale = (float) (1.0 / Math.sqrt(config.headDim()));
        this.matmuls = new FusedMatmul(pool);
        this.attention = new AttentionStep(config, pool, rope, eps, attentionScale);
    }

    public static Qwen3Model load(Qwen3Config config, WeightStore store, MatrixFactory factory, ThreadPool pool) {
        return load(config, store, factory, pool, KvCacheType.F32);
    }

    public static Qwen3Model load(Qwen3Config config, WeightStore store, MatrixFactory factory, ThreadPool pool, KvCacheType kvType) {
        return new Qwen3Model(config, Qwen3Weights.from(config, store, factory), pool, kvType);
    }

    public Qwen3Config config() {
        return config;
    }

    public Qwen3Weights weights() {
        return weights;
    }

    public ThreadPool pool() {
        return pool;
    }

    /** The element type of the caches {@link #newCache(int)} creates. */
    public KvCacheType kvCacheType() {
        return kvType;
    }

    /** A cache of this model's {@link #kvCacheType()} for {@code capacity} positions. */
    public KvCache newCache(int capacity) {
        return newCache(capacity, kvType);
    }

    public KvCache newCache(int capacity, KvCacheType type) {
        return new KvCache(config.numLayers(), config.numKvHeads(), config.headDim(), capacity, type);
    }

    /**
     * Runs a batch of tokens. Token {@code i} is {@code tokens[i]} at {@code positions[i]} of the sequence whose
     * cache is {@code caches[i]}; within one call, a sequence's tokens must come in increasing position order
     * (causal attention sees earlier tokens of the same batch).
     *
     * @param logitRows batch indices whose next-token logits are wanted, in order
     * @return logits {@code [logitRows.length][vocab]} flattened row-major
     */
    public float[] forward(int[] tokens, int[] positions, KvCache[] caches, int[] logitRows) {
        return forward(tokens, positions, caches, logitRows, null);
    }

    /**
     * As {@link #forward(int[], int[], KvCache[], int[])}, writing the logits into {@code logits} when it holds at
     * least {@code logitRows.length * vocab} floats (else into a new array): a decode loop that passes back what
     * it got allocates nothing per token (a fresh 151936-float array per token was ~600 KB of garbage each).
     *
     * @return the array the logits are in
     */
    public float[] forward(int[] tokens, int[] positions, KvCache[] caches, int[] logitRows, float[] logits) {
        int n = tokens.length;
        if (positions.length != n || caches.length != n) throw new IllegalArgumentException("batch arrays differ in length");
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= config.vocabSize()) {
                throw new FangwushaException("token id " + tokens[i] + " is outside the vocabulary (size " + config.vocabSize() + ")");
            }
            caches[i].checkRoom(positions[i]);
        }
        Workspace w = workspace(n);
        int hidden = config.hiddenSize();
        for (int i = 0; i < n; i++) weights.embedTokens().readRow(tokens[i], w.x, i * hidden);
        for (int l = 0; l < config.numLayers(); l++) {
            attentionBlock(l, weights.layers()[l], n, positions, caches, w);
            mlpBlock(weights.layers()[l], n, w);
        }
        for (int i = 0; i < n; i++) caches[i].advanceTo(positions[i]);
        return logits(n, logitRows, w, logits);
    }

    /** x += o_proj(attention(q_norm/k_norm/RoPE(q, k), v)) over rmsnorm(x). */
    private void attentionBlock(int l, Qwen3Weights.Layer layer, int n, int[] positions, KvCache[] caches, Workspace w) {
        int hidden = config.hiddenSize();
        for (int i = 0; i < n; i++) RmsNorm.apply(w.x, i * hidden, layer.inputNorm(), eps, w.xn, i * hidden, hidden);
        w.qkv[0] = layer.q();
        w.qkv[1] = layer.k();
        w.qkv[2] = layer.v();
        matmuls.run(w.xn, n, w.qkv, w.qkvOut);            // q [n, heads*hd], k and v [n, kvHeads*hd]
        attention.run(l, layer, n, positions, caches, w); // into w.att [n, heads*hd]
        matmul(layer.o(), w.att, n, w.xn);               // [n, hidden]
        VectorMath.add(w.xn, 0, w.x, 0, n * hidden);
    }

    /** x += down(silu(gate(h)) * up(h)), h = rmsnorm(x). */
    private void mlpBlock(Qwen3Weights.Layer layer, int n, Workspace w) {
        int hidden = config.hiddenSize();
        for (int i = 0; i < n; i++) RmsNorm.apply(w.x, i * hidden, layer.postAttentionNorm(), eps, w.xn, i * hidden, hidden);
        matmuls.runSwiGlu(w.xn, n, layer.gate(), layer.up(), w.pair, w.gateUpOut); // w.gate = silu(gate) * up
        matmul(layer.down(), w.gate, n, w.xn);             // [n, hidden]
        VectorMath.add(w.xn, 0, w.x, 0, n * hidden);
    }

    private float[] logits(int n, int[] rows, Workspace w, float[] out) {
        int hidden = config.hiddenSize();
        // w.xn is free after the last layer; rows may repeat, so it need not hold them all.
        float[] selected = rows.length * hidden <= w.xn.length ? w.xn : new float[rows.length * hidden];
        for (int j = 0; j < rows.length; j++) {
            if (rows[j] < 0 || rows[j] >= n) throw new IllegalArgumentException("logit row " + rows[j] + " not in batch of " + n);
            RmsNorm.apply(w.x, rows[j] * hidden, weights.finalNorm(), eps, selected, j * hidden, hidden);
        }
        int size = rows.length * config.vocabSize();
        if (out == null || out.length < size) out = new float[size];
        matmul(weights.lmHead(), selected, rows.length, out);
        return out;
    }

    private void matmul(MatrixWeights m, float[] x, int batch, float[] out) {
        w1[0] = m;
        o1[0] = out;
        matmuls.run(x, batch, w1, o1);
    }

    private Workspace workspace(int n) {
        if (ws.batch < n) ws = new Workspace(n, config);
        return ws;
    }

    /** Activation buffers for a batch of up to {@code batch} tokens, kept between calls. */
    static final class Workspace {
        final int batch;
        final float[] x, xn, q, k, v, att, gate, up;
        final ThreadLocal<float[]> scores, rows, lanes;
        final MatrixWeights[] qkv = new MatrixWeights[3], pair = new MatrixWeights[2];
        final float[][] qkvOut, gateUpOut;

        Workspace(int batch, Qwen3Config c) {
            this.batch = batch;
            if (c == null) {
                x = xn = q = k = v = att = gate = up = new float[0];
                scores = rows = lanes = null;
                qkvOut = gateUpOut = null;
                return;
            }
            x = new float[batch * c.hiddenSize()];
            xn = new float[batch * Math.max(c.hiddenSize(), c.qDim())];
            q = new float[batch * c.qDim()];
            k = new float[batch * c.kvDim()];
            v = new float[batch * c.kvDim()];
            att = new float[batch * c.qDim()];
            gate = new float[batch * c.intermediateSize()];
            up = new float[batch * c.intermediateSize()];
            scores = ThreadLocal.withInitial(() -> new float[0]); // grown by AttentionStep to what the caches need
            int headDim = c.headDim();
            rows = ThreadLocal.withInitial(() -> new float[Attention.KV_BLOCK * headDim]); // a 16-bit cache block, widened
            lanes = ThreadLocal.withInitial(() -> new float[Attention.LANES_SCRATCH]);
            qkvOut = new float[][] {q, k, v};
            gateUpOut = new float[][] {gate, up};
        }
    }
}
