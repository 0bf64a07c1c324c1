package io.fangwusha.core.generate;

import java.util.Arrays;

/**
 * Chooses the next token from logits in transformers' order: repetition penalty (over prompt and output), then the
 * OpenAI-style presence and frequency penalties (over output only, as vLLM), then — unless greedy — temperature,
 * top-k, top-p and min-p, and a draw from the softmax of what is left. Greedy is argmax after the penalties (HF
 * applies the repetition penalty in greedy search too). One sampler per sequence; reuses its buffers.
 */
public final class Sampler {
    private final SamplingParams params;
    private final Rng rng;
    private float[] work = new float[0];
    private int[] candidates = new int[0];
    private float[] best = new float[0];

    public Sampler(SamplingParams params) {
        this.params = params;
        long seed = params.seed() != null ? params.seed() : System.nanoTime() ^ Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L;
        this.rng = new Rng(seed);
    }

    /** Samples from {@code logits[off .. off+vocab)}; the input is not modified. */
    public int sample(float[] logits, int off, int vocab, TokenHistory history) {
        if (work.length < vocab) {
            work = new float[vocab];
            candidates = new int[vocab];
        }
        float[] s = work;
        System.arraycopy(logits, off, s, 0, vocab);
        applyRepetitionPenalty(s, history);
        applyPresenceFrequency(s, history);
        if (params.greedy()) return argmax(s, vocab);

        float invT = (float) (1.0 / params.temperature());
        for (int i = 0; i < vocab; i++) s[i] *= invT;
        int n = topK(s, vocab);
        n = topP(s, n);
        n = minP(s, n);
        return draw(s, n);
    }

    /** HF RepetitionPenaltyLogitsProcessor: a penalised logit is divided by p when positive, multiplied when not. */
    private void applyRepetitionPenalty(float[] s, TokenHistory h) {
        float p = (float) params.repetitionPenalty();
        if (p == 1f) return;
        for (int id : h.seen()) s[id] = s[id] < 0 ? s[id] * p : s[id] / p;
    }

    private void applyPresenceFrequency(float[] s, TokenHistory h) {
        double pres = params.presencePenalty(), freq = params.frequencyPenalty();
        if (pres == 0 && freq == 0) return;
        h.forEachGenerated((id, count) -> s[id] -= (float) (pres + freq * count));
    }

    static int argmax(float[] s, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (s[i] > s[best]) best = i;
        return best;
    }

    /**
     * Keeps every token whose logit is at least the k-th largest (ties kept, like HF's {@code scores < topk[-1]}
     * test), and leaves their ids in {@code candidates[0..n)} sorted by logit descending.
     */
    private int topK(float[] s, int vocab) {
        int k = params.topK() <= 0 ? vocab : Math.min(params.topK(), vocab);
        float threshold = k < vocab ? kthLargest(s, vocab, k) : Float.NEGATIVE_INFINITY;
        int n = 0;
        for (int i = 0; i < vocab; i++) if (s[i] >= threshold && s[i] != Float.NEGATIVE_INFINITY) candidates[n++] = i;
        sortByLogitDescending(s, n);
        return n;
    }

    /**
     * HF TopPLogitsWarper: sorted ascending, drop tokens whose cumulative probability is {@code <= 1 - top_p},
     * always keeping the most likely one. With candidates sorted descending that keeps the shortest prefix whose
     * tail mass stays above {@code 1 - top_p}.
     */
    private int topP(float[] s, int n) {
        double p = params.topP();
        if (p >= 1.0 || n <= 1) return n;
        float[] probs = softmax(s, n);
        float cumulative = 0;
        float cut = (float) (1 - p);
        int keep = n;
        // walk from the least likely end, summing in float32 as torch.cumsum does on float32 probabilities
        for (int j = n - 1; j >= 1; j--) {
            cumulative += probs[j];
            if (cumulative <= cut) keep = j;
            else break;
        }
        return keep;
    }

    /** HF MinPLogitsWarper: drop tokens whose probability is below min_p times the top probability. */
    private int minP(float[] s, int n) {
        double mp = params.minP();
        if (mp <= 0 || n <= 1) return n;
        float[] probs = softmax(s, n);
        float threshold = (float) (mp * probs[0]);
        int keep = 1;
        while (keep < n && probs[keep] >= threshold) keep++;
        return keep;
    }

    private int draw(float[] s, int n) {
        float[] probs = softmax(s, n);
        double u = rng.nextDouble();
        double acc = 0;
        for (int j = 0; j < n; j++) {
            acc += probs[j];
            if (u < acc) return candidates[j];
        }
        return candidates[n - 1];
    }

    /** Softmax over the first n candidates (sorted descending, so the max is first). */
    private float[] softmax(float[] s, int n) {
        float[] probs = new float[n];
        float max = s[candidates[0]];
        double sum = 0;
        for (int j = 0; j < n; j++) {
            probs[j] = (float) Math.exp(s[candidates[j]] - max);
            sum += probs[j];
        }
        float inv = (float) (1.0 / sum);
        for (int j = 0; j < n; j++) probs[j] *= inv;
        return probs;
    }

    private void sortByLogitDescending(float[] s, int n) {
        Integer[] boxed = new Integer[n];
        for (int j = 0; j < n; j++) boxed[j] = candidates[j];
        // descending by logit, ties by lower id first (stable and reproducible)
        Arrays.sort(boxed, (a, b) -> {
            int c = Float.compare(s[b], s[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        for (int j = 0; j < n; j++) candidates[j] = boxed[j];
    }

    /**
     * The k-th largest of {@code s[0..n)} (1-based). Small k (the usual top_k of 20–50) keeps a sorted array of the
     * k best in one pass, ~10x cheaper than copying the vocabulary for a quickselect.
     */
    private float kthLargest(float[] s, int n, int k) {
        if (k > 256) return quickselect(Arrays.copyOf(s, n), k);
        if (best.length < k) best = new float[k];
        Arrays.fill(best, 0, k, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < n; i++) {
            float v = s[i];
            if (v <= best[k - 1]) continue;
            int j = k - 1;
            while (j > 0 && best[j - 1] < v) {
                best[j] = best[j - 1];
                j--;
            }
            best[j] = v;
        }
        return best[k - 1];
    }

    /** The k-th largest value (1-based) by quickselect; reorders {@code a}. */
    static float quickselect(float[] a, int k) {
        int lo = 0, hi = a.length - 1, target = k - 1;
        while (lo < hi) {
            float pivot = a[(lo + hi) >>> 1];
            int i = lo, j = hi;
            while (i <= j) {
                while (a[i] > pivot) i++;
                while (a[j] < pivot) j--;
                if (i <= j) {
                    float t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            if (target <= j) hi = j;
            else if (target >= i) lo = i;
            else return a[target];
        }
        return a[target];
    }
}
