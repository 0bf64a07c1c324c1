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
    private float[] probs = new float[0];
    private long[] keys = new long[0];

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
        boolean allK = params.topK() <= 0 || params.topK() >= vocab;
        if (allK && params.topP() >= 1.0 && params.minP() <= 0) return drawAll(s, vocab);
        int n = allK ? candidatesWithoutTopK(s, vocab) : topK(s, vocab);
        n = topP(s, n);
        n = minP(s, n);
        return draw(s, n);
    }

    /** Probability mass (of the whole softmax) of the tokens that {@link #candidatesWithoutTopK} left out. */
    private double outsideMass;

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
        int k = Math.min(params.topK(), vocab);
        float threshold = kthLargest(s, vocab, k);
        int n = 0;
        for (int i = 0; i < vocab; i++) if (s[i] >= threshold && s[i] != Float.NEGATIVE_INFINITY) candidates[n++] = i;
        sortByLogitDescending(s, n);
        outsideMass = 0;
        return n;
    }

    /**
     * Without top-k, sorting the whole vocabulary for top-p or min-p is the cost of a token (40 ms for 151,936
     * ids). Tokens that cannot survive are left out first: for top-p, every token below probability
     * {@code (1 - top_p) / n} — together they weigh less than {@code 1 - top_p}, and being the least likely they
     * are exactly the first ones HF's ascending cumulative sum drops; their mass is kept in {@link #outsideMass} so
     * top-p still sees the whole distribution. For min-p alone, every token below {@code min_p} times the top
     * probability (a logit threshold, as the ratio does not depend on the normalisation).
     */
    private int candidatesWithoutTopK(float[] s, int vocab) {
        float max = max(s, vocab);
        int finite = 0;
        for (int i = 0; i < vocab; i++) if (s[i] != Float.NEGATIVE_INFINITY) finite++;
        double floor;
        if (params.topP() < 1.0) {
            double z = 0;
            for (int i = 0; i < vocab; i++) z += Math.exp(s[i] - max);
            floor = max + Math.log((1 - params.topP()) / finite * z);
        } else {
            floor = max + Math.log(params.minP());
        }
        int n = 0;
        double inside = 0, all = 0;
        for (int i = 0; i < vocab; i++) {
            if (s[i] == Float.NEGATIVE_INFINITY) continue;
            double e = Math.exp(s[i] - max);
            all += e;
            if (s[i] >= floor) {
                candidates[n++] = i;
                inside += e;
            }
        }
        sortByLogitDescending(s, n);
        outsideMass = params.topP() < 1.0 ? (all - inside) / all : 0;
        return n;
    }

    private static float max(float[] s, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) if (s[i] > max) max = s[i];
        return max;
    }

    /** No filter: a draw from the softmax of the whole vocabulary, walked in id order (nothing to sort). */
    private int drawAll(float[] s, int vocab) {
        float max = max(s, vocab);
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(s[i] - max);
        double u = rng.nextDouble() * sum, acc = 0;
        int last = 0;
        for (int i = 0; i < vocab; i++) {
            if (s[i] == Float.NEGATIVE_INFINITY) continue;
            acc += Math.exp(s[i] - max);
            last = i;
            if (u < acc) return i;
        }
        return last;
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
        // Over the whole distribution: the candidates' share, plus what was left out before sorting.
        float share = (float) (1 - outsideMass);
        for (int j = 0; j < n; j++) probs[j] *= share;
        float cumulative = (float) outsideMass;
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
        if (probs.length < n) probs = new float[n];
        float[] probs = this.probs;
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

    /** Descending by logit, ties by lower id first, as one primitive sort of (inverted logit bits, id) keys. */
    private void sortByLogitDescending(float[] s, int n) {
        if (keys.length < n) keys = new long[n];
        for (int j = 0; j < n; j++) {
            int bits = Float.floatToIntBits(s[candidates[j]]);
            int ascending = bits ^ ((bits >> 31) & 0x7fffffff); // orders like the floats, as signed ints
            keys[j] = (long) ~ascending << 32 | candidates[j];
        }
        Arrays.sort(keys, 0, n);
        for (int j = 0; j < n; j++) candidates[j] = (int) keys[j];
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
