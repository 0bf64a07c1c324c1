package io.fangwusha.server.engine;

import io.fangwusha.core.generate.GenerationResult;
import io.fangwusha.core.generate.Sequence;

/**
 * Log-probabilities of one step over the raw logits (before penalties and temperature, as vLLM reports them).
 *
 * @param logprob the chosen token's log-probability
 * @param topIds  the {@code k} most likely ids, best first
 */
public record TokenLogprobs(float logprob, int[] topIds, float[] topLogprobs) {

    /** Computes the chosen token's and the best {@code k} log-probabilities of {@code logits[off .. off+vocab)}. */
    static TokenLogprobs of(float[] logits, int off, int vocab, int chosen, int k) {
        float lse = Sequence.logSumExp(logits, off, vocab);
        GenerationResult.TopLogprobs top = GenerationResult.TopLogprobs.of(logits, off, vocab, k, lse);
        return new TokenLogprobs(logits[off + chosen] - lse, top.ids(), top.logprobs());
    }
}
