package io.fangwusha.core;

import io.fangwusha.core.kernels.ThreadPool;
import io.fangwusha.core.model.KvCacheType;
import java.util.Objects;

/**
 * How to load a model.
 *
 * @param threads kernel threads (default: all cores)
 * @param quant   re-quantise BF16/F16/F32 matrices on load ("q8_0", "q4_0"), or null to keep the stored types
 * @param kvType  element type of the KV caches the model creates (default F32, exact)
 */
public record LoadOptions(int threads, String quant, KvCacheType kvType) {
    public LoadOptions {
        Objects.requireNonNull(kvType, "kvType");
    }

    /** F32 KV cache. */
    public LoadOptions(int threads, String quant) {
        this(threads, quant, KvCacheType.F32);
    }

    public static LoadOptions defaults() {
        return new LoadOptions(ThreadPool.defaultThreads(), null, KvCacheType.F32);
    }

    public LoadOptions withThreads(int t) {
        return new LoadOptions(t, quant, kvType);
    }

    public LoadOptions withQuant(String q) {
        return new LoadOptions(threads, q, kvType);
    }

    public LoadOptions withKvType(KvCacheType type) {
        return new LoadOptions(threads, quant, type);
    }
}
