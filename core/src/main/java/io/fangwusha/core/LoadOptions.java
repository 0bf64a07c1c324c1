package io.fangwusha.core;

import io.fangwusha.core.kernels.ThreadPool;

/**
 * How to load a model.
 *
 * @param threads kernel threads (default: all cores)
 * @param quant   re-quantise BF16/F16/F32 matrices on load ("q8_0", "q4_0"), or null to keep the stored types
 */
public record LoadOptions(int threads, String quant) {
    public static LoadOptions defaults() {
        return new LoadOptions(ThreadPool.defaultThreads(), null);
    }

    public LoadOptions withThreads(int t) {
        return new LoadOptions(t, quant);
    }

    public LoadOptions withQuant(String q) {
        return new LoadOptions(threads, q);
    }
}
