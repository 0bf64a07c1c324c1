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
    public record TopLogprobs(int[] ids, float[] logprobs) {

        /** The {@code k} largest of {@code logits[off .. off+vocab)} as log-probabilities, given their logsumexp. */
        public static TopLogprobs of(float[] logits, int off, int vocab, int k, float logSumExp) {
            k = Math.min(k, vocab);
            int[] ids = new int[k];
            float[] vals = new float[k];
            java.util.Arrays.fill(vals, Float.NEGATIVE_INFINITY);
            for (int i = 0; i < vocab && k > 0; i++) {
                float v = logits[off + i];
                if (v <= vals[k - 1]) continue;
                int j = k - 1;
                while (j > 0 && vals[j - 1] < v) {
                    vals[j] = vals[j - 1];
                    ids[j] = ids[j - 1];
                    j--;
                }
                vals[j] = v;
                ids[j] = i;
            }
            for (int j = 0; j < k; j++) vals[j] -= logSumExp;
            return new TopLogprobs(ids, vals);
        }
    }
}
