package io.fangwusha.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fangwusha.core.LanguageModel;
import io.fangwusha.core.LoadOptions;
import io.fangwusha.core.generate.GenerationResult;
import io.fangwusha.core.testing.Npy;
import io.fangwusha.core.testing.ReferenceCases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The float path against llama.cpp's F32 reference (itself within 1.6e-5 of an independent float64 forward):
 * same prompt ids, same 32 greedy ids, top-20 logits and logsumexp within 1e-3 at every step, and the full
 * step-0 logits within 1e-3.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReferenceForwardTest {
    private static final float TOLERANCE = 1e-3f;
    private final Map<Path, LanguageModel> models = new HashMap<>();

    List<ReferenceCases> cases() {
        return ReferenceCases.greedyF32();
    }

    private LanguageModel model(ReferenceCases c) {
        return models.computeIfAbsent(c.modelDir(), d -> LanguageModel.load(d, LoadOptions.defaults()));
    }

    @AfterAll
    void close() {
        models.values().forEach(LanguageModel::close);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void promptIdsMatchTransformersTokenizer(ReferenceCases c) {
        assertThat(model(c).encode(c.prompt())).containsExactly(c.promptIds());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void greedyIdsAndLogitsMatchAtEveryStep(ReferenceCases c) {
        Qwen3Model m = model(c).model();
        int vocab = m.config().vocabSize();
        KvCache cache = m.newCache(c.promptIds().length + c.greedyIds().length);
        float[] logits = io.fangwusha.core.generate.Generator.prefill(m, cache, c.promptIds());
        for (int step = 0; step < c.greedyIds().length; step++) {
            int best = 0;
            for (int i = 1; i < vocab; i++) if (logits[i] > logits[best]) best = i;
            assertThat(best).as("greedy id at step %d", step).isEqualTo(c.greedyIds()[step]);
            int[] ids = c.topIds().get(step);
            float[] want = c.topLogits().get(step);
            for (int j = 0; j < ids.length; j++) {
                assertThat(logits[ids[j]]).as("logit of %d at step %d", ids[j], step).isCloseTo(want[j], org.assertj.core.data.Offset.offset(TOLERANCE));
            }
            assertThat(io.fangwusha.core.generate.Sequence.logSumExp(logits, 0, vocab))
                    .as("logsumexp at step %d", step).isCloseTo(c.logSumExp()[step], org.assertj.core.data.Offset.offset(TOLERANCE));
            logits = m.forward(new int[] {c.greedyIds()[step]}, new int[] {c.promptIds().length + step}, new KvCache[] {cache}, new int[] {0});
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forwardIntoABufferFillsThatBufferWithTheSameLogits(ReferenceCases c) {
        Qwen3Model m = model(c).model();
        int vocab = m.config().vocabSize(), n = c.promptIds().length;
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) positions[i] = i;
        int[] rows = {n - 1, 0, n - 1}; // rows may repeat
        KvCache[] fresh = new KvCache[n], reused = new KvCache[n];
        java.util.Arrays.fill(fresh, m.newCache(n + 2));
        java.util.Arrays.fill(reused, m.newCache(n + 2));
        float[] want = m.forward(c.promptIds(), positions, fresh, rows);
        float[] buffer = new float[rows.length * vocab + 5];
        java.util.Arrays.fill(buffer, Float.NaN);
        assertThat(m.forward(c.promptIds(), positions, reused, rows, buffer)).isSameAs(buffer);
        assertThat(java.util.Arrays.copyOf(buffer, want.length)).isEqualTo(want); // bit for bit (Arrays.equals)
        assertThat(buffer[want.length]).isNaN(); // nothing written past the rows asked for

        int[] one = {0}, next = {c.greedyIds()[0]}, at = {n};
        float[] small = new float[vocab - 1];
        float[] got = m.forward(next, at, new KvCache[] {reused[0]}, one, small);
        assertThat(got).isNotSameAs(small).hasSize(vocab);
        assertThat(got).isEqualTo(m.forward(next, at, new KvCache[] {fresh[0]}, one));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void generatorPathGivesTheSameIdsAndLogprobs(ReferenceCases c) {
        LanguageModel lm = model(c);
        var params = lm.defaultSampling(c.greedyIds().length).withTemperature(0).withEos(List.of()).withTopLogprobs(20);
        GenerationResult r = lm.generate(c.promptIds(), params, null);
        assertThat(r.outputIds()).containsExactly(c.greedyIds());
        for (int step = 0; step < r.topLogprobs().size(); step++) {
            var got = r.topLogprobs().get(step);
            Map<Integer, Float> byId = new HashMap<>();
            for (int j = 0; j < got.ids().length; j++) byId.put(got.ids()[j], got.logprobs()[j]);
            int[] ids = c.topIds().get(step);
            for (int j = 0; j < ids.length; j++) {
                if (!byId.containsKey(ids[j])) continue; // a tie at the 20th place may swap members
                float want = c.topLogits().get(step)[j] - c.logSumExp()[step];
                assertThat(byId.get(ids[j])).isCloseTo(want, org.assertj.core.data.Offset.offset(TOLERANCE));
            }
            assertThat(got.ids()[0]).isEqualTo(c.greedyIds()[step]);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void fullStepZeroLogits(ReferenceCases c) throws Exception {
        if (!Files.exists(c.step0Logits())) return;  // recorded for four prompts per model
        float[] want = Npy.readFloats(c.step0Logits());
        Qwen3Model m = model(c).model();
        float[] got = io.fangwusha.core.generate.Generator.prefill(m, m.newCache(c.promptIds().length), c.promptIds());
        assertThat(got).hasSameSizeAs(want);
        float maxDiff = 0;
        for (int i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
        assertThat(maxDiff).isLessThanOrEqualTo(TOLERANCE);
    }
}
