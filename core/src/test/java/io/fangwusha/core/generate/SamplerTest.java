package io.fangwusha.core.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The logits processors with transformers' rules, checked on small hand-made distributions where the allowed
 * set of tokens is known from the definitions (HF's TopK/TopP/MinP warpers and RepetitionPenaltyLogitsProcessor).
 */
class SamplerTest {
    private static final int[] NO_PROMPT = {};

    private static SamplingParams params(double t, int k, double p, double minP, double rep) {
        return new SamplingParams(t, k, p, minP, rep, 0, 0, 1L, 10, List.of(), List.of(), 0);
    }

    /** How often each id is drawn over many seeds. */
    private static Map<Integer, Integer> draws(float[] logits, SamplingParams p, int n) {
        Map<Integer, Integer> counts = new HashMap<>();
        for (long seed = 0; seed < n; seed++) {
            int id = new Sampler(p.withSeed(seed)).sample(logits, 0, logits.length, new TokenHistory(NO_PROMPT));
            counts.merge(id, 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void greedyIsArgmaxAndTemperatureZeroIsGreedy() {
        float[] l = {0.1f, 3f, 2.9f, -1f};
        assertThat(draws(l, params(0, 0, 1, 0, 1), 50)).containsOnlyKeys(1);
    }

    @Test
    void topKKeepsTheKBestIncludingTies() {
        float[] l = {1f, 5f, 4f, 4f, 3f, 0f};
        // k=2: the 2nd best value is 4, and HF keeps every logit >= it, so both 4s stay
        assertThat(draws(l, params(1, 2, 1, 0, 1), 2000).keySet()).containsExactlyInAnyOrder(1, 2, 3);
        assertThat(draws(l, params(1, 1, 1, 0, 1), 200)).containsOnlyKeys(1);
        // large k (quickselect path) equals no restriction here
        float[] wide = new float[600];
        for (int i = 0; i < wide.length; i++) wide[i] = i % 7;
        assertThat(draws(wide, params(1, 300, 1, 0, 1), 2000).keySet()).allMatch(id -> wide[id] >= 3);
    }

    @Test
    void topPKeepsTheSmallestSetWhoseTailStaysAbovePMinusOne() {
        // probabilities 0.5, 0.3, 0.15, 0.05: with top_p 0.8 HF drops tokens whose ascending cumulative mass
        // is <= 0.2 (the 0.05 and 0.15 tokens: 0.05, 0.20), keeping {0, 1}
        float[] l = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};
        assertThat(draws(l, params(1, 0, 0.8, 0, 1), 3000).keySet()).containsExactlyInAnyOrder(0, 1);
        // top_p 0.81: the 0.15 token's cumulative 0.20 is no longer <= 0.19, so it stays
        assertThat(draws(l, params(1, 0, 0.81, 0, 1), 3000).keySet()).containsExactlyInAnyOrder(0, 1, 2);
    }

    @Test
    void topPWithoutTopKSeesTheWholeDistributionOfALargeVocabulary() {
        // 10 tokens of 0.09 and 990 of 0.1/990: the path that leaves unlikely tokens out before sorting must still
        // count their mass. top_p 0.85: the ascending cumulative mass of the small ones is 0.1 <= 0.15, the first
        // 0.09 brings it to 0.19 > 0.15, so exactly the 10 large tokens stay.
        float[] l = new float[1000];
        for (int i = 0; i < l.length; i++) l[i] = (float) Math.log(i % 100 == 7 ? 0.09 : 0.1 / 990);
        assertThat(draws(l, params(1, 0, 0.85, 0, 1), 3000).keySet()).allMatch(id -> id % 100 == 7).hasSize(10);
        // top_p 0.95: only 0.05 of the small tokens' 0.1 may go, so about half of them stay and get drawn
        Map<Integer, Integer> wide = draws(l, params(1, 0, 0.95, 0, 1), 6000);
        int small = wide.entrySet().stream().filter(e -> e.getKey() % 100 != 7).mapToInt(Map.Entry::getValue).sum();
        assertThat(small).isBetween(150, 500); // expected 6000 * 0.05 / 0.95 = 316
        // no filter at all: every token can come, drawn from the full softmax
        Map<Integer, Integer> all = draws(l, params(1, 0, 1, 0, 1), 6000);
        int smallAll = all.entrySet().stream().filter(e -> e.getKey() % 100 != 7).mapToInt(Map.Entry::getValue).sum();
        assertThat(smallAll).isBetween(450, 750); // expected 600
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheTopProbability() {
        float[] l = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};
        // threshold 0.4 * 0.5 = 0.2: keeps 0.5 and 0.3
        assertThat(draws(l, params(1, 0, 1, 0.4, 1), 3000).keySet()).containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        // token 0 (logit 2.0) was seen: 2.0 / 1.5 = 1.33 < 1.5, so greedy picks token 1
        float[] l = {2.0f, 1.5f, -0.5f};
        var p = params(0, 0, 1, 0, 1.5);
        assertThat(new Sampler(p).sample(l, 0, 3, new TokenHistory(new int[] {0}))).isEqualTo(1);
        // a negative seen logit gets more negative: -0.5 * 3 = -1.5 < -1.0
        float[] neg = {-0.5f, -1.0f};
        assertThat(new Sampler(params(0, 0, 1, 0, 3)).sample(neg, 0, 2, new TokenHistory(new int[] {0}))).isEqualTo(1);
        assertThat(new Sampler(params(0, 0, 1, 0, 3)).sample(neg, 0, 2, new TokenHistory(NO_PROMPT))).isEqualTo(0);
    }

    @Test
    void presenceAndFrequencyPenaltiesCountGeneratedTokensOnly() {
        float[] l = {2.0f, 1.0f};
        TokenHistory h = new TokenHistory(new int[] {1}); // the prompt's token 1 is not penalised
        h.addGenerated(0);
        h.addGenerated(0);
        var p = params(0, 0, 1, 0, 1).withPenalties(0.5, 0.3); // 2.0 - (0.5 + 2 * 0.3) = 0.9 < 1.0
        assertThat(new Sampler(p).sample(l, 0, 2, h)).isEqualTo(1);
    }

    @Test
    void theSameSeedGivesTheSameDraws() {
        float[] l = new float[1000];
        for (int i = 0; i < l.length; i++) l[i] = (float) Math.sin(i);
        var p = params(0.8, 50, 0.9, 0.01, 1.1);
        for (long seed = 0; seed < 20; seed++) {
            assertThat(new Sampler(p.withSeed(seed)).sample(l, 0, 1000, new TokenHistory(NO_PROMPT)))
                    .isEqualTo(new Sampler(p.withSeed(seed)).sample(l, 0, 1000, new TokenHistory(NO_PROMPT)));
        }
    }
}
