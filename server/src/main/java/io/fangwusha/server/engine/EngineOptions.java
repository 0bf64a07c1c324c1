package io.fangwusha.server.engine;

import io.fangwusha.core.FangwushaException;

/**
 * @param maxConcurrent sequences decoding together (a request with {@code n} choices takes {@code n})
 * @param maxWaiting    requests admitted to wait for a free slot; more get HTTP 429
 * @param prefillChunk  prompt tokens fed per step while other sequences are decoding, so a long prompt delays their
 *                      next token by one chunk's worth of compute at a time rather than by the whole prompt
 * @param kvCacheBytes  KV cache memory all running sequences may hold together (each holds prompt + max_tokens
 *                      positions from its start); requests wait while it is used up. 0: half the JVM's max heap
 */
public record EngineOptions(int maxConcurrent, int maxWaiting, int prefillChunk, long kvCacheBytes) {
    public EngineOptions {
        if (kvCacheBytes < 0) throw new FangwushaException("--kv-cache-mb: must be >= 0, got " + kvCacheBytes);
        if (kvCacheBytes == 0) kvCacheBytes = Runtime.getRuntime().maxMemory() / 2;
        if (maxConcurrent < 1) throw new FangwushaException("--max-concurrent: must be >= 1, got " + maxConcurrent);
        if (maxWaiting < 0) throw new FangwushaException("--max-queue: must be >= 0, got " + maxWaiting);
        if (prefillChunk < 1) throw new FangwushaException("--prefill-chunk: must be >= 1, got " + prefillChunk);
    }

    public EngineOptions(int maxConcurrent, int maxWaiting, int prefillChunk) {
        this(maxConcurrent, maxWaiting, prefillChunk, 0);
    }

    public static EngineOptions defaults() {
        return new EngineOptions(8, 32, 128);
    }
}
