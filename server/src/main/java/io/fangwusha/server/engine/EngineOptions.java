package io.fangwusha.server.engine;

import io.fangwusha.core.FangwushaException;

/**
 * @param maxConcurrent sequences decoding together (a request with {@code n} choices takes {@code n})
 * @param maxWaiting    requests admitted to wait for a free slot; more get HTTP 429
 * @param prefillChunk  prompt tokens fed per step while other sequences are decoding, so a long prompt delays their
 *                      next token by one chunk's worth of compute at a time rather than by the whole prompt
 */
public record EngineOptions(int maxConcurrent, int maxWaiting, int prefillChunk) {
    public EngineOptions {
        if (maxConcurrent < 1) throw new FangwushaException("--max-concurrent: must be >= 1, got " + maxConcurrent);
        if (maxWaiting < 0) throw new FangwushaException("--max-queue: must be >= 0, got " + maxWaiting);
        if (prefillChunk < 1) throw new FangwushaException("--prefill-chunk: must be >= 1, got " + prefillChunk);
    }

    public static EngineOptions defaults() {
        return new EngineOptions(8, 32, 128);
    }
}
