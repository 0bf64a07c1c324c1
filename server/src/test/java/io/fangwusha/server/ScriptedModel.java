package io.fangwusha.server;

import io.fangwusha.core.kernels.ThreadPool;
import io.fangwusha.core.model.KvCache;
import io.fangwusha.core.model.KvCacheType;
import io.fangwusha.core.model.Qwen3Config;
import io.fangwusha.server.engine.StepModel;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The fixture model with a scripted output: each step runs the real forward (so caches, batching and timing are
 * real), then every requested logits row is replaced by one that is 0 at the script's next token for that
 * sequence and -1e30 everywhere else, so any sampling settings pick it. A sequence is told apart by its KV cache. After the script,
 * {@code <|im_end|>}. With no script the real logits pass through.
 */
final class ScriptedModel implements StepModel {
    static final int IM_END = 151645;
    private static final float NEVER = -1e30f;

    private final StepModel real;
    private volatile int[] script;
    /** Tokens sampled so far per sequence; only the scheduler thread calls forward. */
    private final Map<KvCache, Integer> sampled = new IdentityHashMap<>();

    ScriptedModel(StepModel real) {
        this.real = real;
    }

    /** The tokens every sequence starting from now will generate (null: the real model's choice). */
    void script(int[] ids) {
        script = ids == null ? null : ids.clone();
    }

    @Override
    public Qwen3Config config() {
        return real.config();
    }

    @Override
    public ThreadPool pool() {
        return real.pool();
    }

    @Override
    public KvCache newCache(int capacity) {
        return real.newCache(capacity);
    }

    @Override
    public KvCacheType kvCacheType() {
        return real.kvCacheType();
    }

    @Override
    public float[] forward(int[] tokens, int[] positions, KvCache[] caches, int[] logitRows) {
        float[] logits = real.forward(tokens, positions, caches, logitRows);
        int[] s = script;
        if (s == null) return logits;
        int vocab = config().vocabSize();
        for (int r = 0; r < logitRows.length; r++) {
            int k = sampled.merge(caches[logitRows[r]], 1, Integer::sum) - 1;
            int id = k < s.length ? s[k] : IM_END;
            Arrays.fill(logits, r * vocab, (r + 1) * vocab, NEVER);
            logits[r * vocab + id] = 0;
        }
        return logits;
    }
}
