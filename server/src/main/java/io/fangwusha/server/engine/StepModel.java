package io.fangwusha.server.engine;

import io.fangwusha.core.kernels.ThreadPool;
import io.fangwusha.core.model.KvCache;
import io.fangwusha.core.model.KvCacheType;
import io.fangwusha.core.model.Qwen3Config;
import io.fangwusha.core.model.Qwen3Model;

/**
 * What the scheduler needs of a model: its shape, its kernel pool, fresh KV caches, and one batched forward step.
 * Production wraps a {@link Qwen3Model} ({@link #of}); the seam lets a test drive the whole server with a model
 * whose output it scripts (e.g. to make the tiny random checkpoint emit a tool call), and lets instrumentation wrap
 * the real one, without anything test-only in request handling.
 */
public interface StepModel {
    Qwen3Config config();

    /** The pool the scheduler samples on (the model's own kernel pool). */
    ThreadPool pool();

    KvCache newCache(int capacity);

    /** The element type of the caches {@link #newCache} makes (the server's KV budget counts its bytes). */
    KvCacheType kvCacheType();

    /** As {@link Qwen3Model#forward}: logits {@code [logitRows.length][vocab]} flattened row-major. */
    float[] forward(int[] tokens, int[] positions, KvCache[] caches, int[] logitRows);

    /** As {@link Qwen3Model#forward(int[], int[], KvCache[], int[], float[])}: into {@code logits} when it is large enough. */
    default float[] forward(int[] tokens, int[] positions, KvCache[] caches, int[] logitRows, float[] logits) {
        return forward(tokens, positions, caches, logitRows);
    }

    static StepModel of(Qwen3Model model) {
        return new StepModel() {
            @Override
            public Qwen3Config config() {
                return model.config();
            }

            @Override
            public ThreadPool pool() {
                return model.pool();
            }

            @Override
            public KvCache newCache(int capacity) {
                return model.newCache(capacity);
            }

            @Override
            public KvCacheType kvCacheType() {
                return model.kvCacheType();
            }

            @Override
            public float[] forward(int[] tokens, int[] positions, KvCache[] caches, int[] logitRows) {
                return model.forward(tokens, positions, caches, logitRows);
            }

            @Override
            public float[] forward(int[] tokens, int[] positions, KvCache[] caches, int[] logitRows, float[] logits) {
                return model.forward(tokens, positions, caches, logitRows, logits);
            }
        };
    }
}
