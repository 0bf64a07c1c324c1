package io.fangwusha.core.generate;

import io.fangwusha.core.model.KvCache;
import io.fangwusha.core.model.Qwen3Model;
import java.util.Arrays;

/** Log-likelihoods of given text under the model (perplexity, multiple-choice scoring). */
public final class Scorer {
    private Scorer() {}

    /**
     * Negative log-likelihoods of {@code ids[t]} given {@code ids[0..t)} for every t in {@code [from, ids.length)},
     * {@code from >= 1}, in one fresh context (the ids must fit the context window).
     */
    public static double[] nll(Qwen3Model model, int[] ids, int from) {
        if (from < 1 || from > ids.length) throw new IllegalArgumentException("from " + from + " of " + ids.length);
        int vocab = model.config().vocabSize();
        KvCache cache = model.newCache(ids.length);
        double[] out = new double[ids.length - from];
        for (int off = 0; off < ids.length - 1; off += Generator.PREFILL_CHUNK) {
            int n = Math.min(Generator.PREFILL_CHUNK, ids.length - 1 - off);
            int[] tokens = Arrays.copyOfRange(ids, off, off + n);
            int[] positions = new int[n];
            KvCache[] caches = new KvCache[n];
            int first = Math.max(off, from - 1);  // rows whose next token is scored
            int[] rows = new int[Math.max(0, off + n - first)];
            for (int i = 0; i < n; i++) {
                positions[i] = off + i;
                caches[i] = cache;
            }
            for (int j = 0; j < rows.length; j++) rows[j] = first - off + j;
            float[] logits = model.forward(tokens, positions, caches, rows);
            for (int j = 0; j < rows.length; j++) {
                int t = off + rows[j] + 1;
                out[t - from] = Sequence.logSumExp(logits, j * vocab, vocab) - logits[j * vocab + ids[t]];
            }
        }
        return out;
    }
}
