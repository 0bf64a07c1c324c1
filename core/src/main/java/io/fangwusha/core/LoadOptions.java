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
 * @param repack  copy Q4_0, Q4_K and Q8_0 matrices into the decode kernels' row groups on load (default; as llama.cpp
 *                repacks): faster decode, for fresh memory and time at load. False keeps the file's layout.
 */
public record LoadOptions(int threads, String quant, KvCacheType kvType, boolean repack) {
    public LoadOptions {
        Objects.requireNonNull(kvType, "kvType");
    }

    /** Repacking on load. */
    public LoadOptions(int threads, String quant, KvCacheType kvType) {
        this(threads, quant, kvType, true);
    }

    /** F32 KV cache, repacking on load. */
    public LoadOptions(int threads, String quant) {
        this(threads, quant, KvCacheType.F32);
    }

    public static LoadOptions defaults() {
        return new LoadOptions(ThreadPool.defaultThreads(), null, KvCacheType.F32);
    }

    public LoadOptions withThreads(int t) {
        return new LoadOptions(t, quant, kvType, repack);
    }

    public LoadOptions withQuant(String q) {
        return new LoadOptions(threads, q, kvType, repack);
    }

    public LoadOptions withKvType(KvCacheType type) {
        return new LoadOptions(threads, quant, type, repack);
    }

    public LoadOptions withRepack(boolean r) {
        return new LoadOptions(threads, quant, kvType, r);
    }
}
