package io.fangwusha.core.generate;

import java.util.List;

/**
 * @param outputIds    generated ids, including a final eos id when one ended the generation (as transformers)
 * @param text         decoded output without special tokens, cut before a stop string
 * @param topLogprobs  per step, the best {@code [id, logprob]} pairs of the raw logits (empty unless asked)
 * @param sampledLogprobs per step, the raw log-probability of the chosen token (empty unless top_logprobs asked)
 */
public record GenerationResult(
        int[] promptIds,
        int[] outputIds,
        String text,
        FinishReason finishReason,
        List<TopLogprobs> topLogprobs,
        float[] sampledLogprobs,
        long prefillNanos,
        long decodeNanos) {

    /** One step's best candidates, best first. */
    public record TopLogprobs(int[] ids, float[] logprobs) {}
}
