package io.fangwusha.server.engine;

import io.fangwusha.core.generate.Sequence;
import java.util.Arrays;

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
        k = Math.min(k, vocab);
        int[] ids = new int[k];
        float[] vals = new float[k];
        Arrays.fill(vals, Float.NEGATIVE_INFINITY);
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
        for (int j = 0; j < k; j++) vals[j] -= lse;
        return new TokenLogprobs(logits[off + chosen] - lse, ids, vals);
    }
}
