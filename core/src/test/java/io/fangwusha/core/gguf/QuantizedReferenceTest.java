package io.fangwusha.core.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.fangwusha.core.LanguageModel;
import io.fangwusha.core.LoadOptions;
import io.fangwusha.core.kernels.DenseMatrix;
import io.fangwusha.core.kernels.ThreadPool;
import io.fangwusha.core.kernels.quant.QuantizedWeights;
import io.fangwusha.core.model.MatrixFactory;
import io.fangwusha.core.model.Qwen3Model;
import io.fangwusha.core.testing.ReferenceCases;
import io.fangwusha.core.weights.DType;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The quantised paths against references: llama.cpp's Q8_0 file with float activations (q8_0-dequant.jsonl, exact
 * up to float rounding), {@code --quant q8_0} on the BF16 checkpoint (the same quantiser, so the same weights as
 * that file), our Q4_0 export against a dequantise-then-F32 forward, and llama.cpp's own Q8_0/Q4_0 runs, which round
 * activations to 8-bit blocks and keep the KV cache in F16 and so only agree loosely.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuantizedReferenceTest {
    private static final float FLOAT_TOLERANCE = 1e-3f;
    private Path dir;
    private LanguageModel q8File, q8OnLoad, q4File;

    @BeforeAll
    void load() throws Exception {
        dir = Files.createTempDirectory("quantref");
        LoadOptions opts = new LoadOptions(2, null);
        q8File = LanguageModel.load(GgufFixtureTest.GGUF, opts);
        q8OnLoad = LanguageModel.load(GgufFixtureTest.HF, opts.withQuant("q8_0"));
        Path q4 = dir.resolve("a-q4_0.gguf");
        GgufExporter.exportModel(GgufFixtureTest.HF, DType.Q4_0, null, q4);
        q4File = LanguageModel.load(q4, opts);
    }

    @AfterAll
    void close() throws Exception {
        for (LanguageModel lm : new LanguageModel[] {q8File, q8OnLoad, q4File}) if (lm != null) lm.close();
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) Files.delete(p);
        }
        Files.delete(dir);
    }

    @Test
    void llamaCppQ8_0FileMatchesTheDequantReference() {
        List<ReferenceCases> cases = Trajectories.modelA("q8_0-dequant.jsonl", null);
        assertThat(cases).hasSize(8);
        float worst = 0, worstDecode = 0;
        boolean int8Decode = q8File.model().weights().layers()[0].q().int8Decode();
        for (ReferenceCases c : cases) {
            assertThat(q8File.encode(c.prompt())).as(c.id()).containsExactly(c.promptIds());
            float[] maxDiff = {0, 0};
            // In one batch: the float kernels, exact up to float rounding.
            Trajectories.teacherForcedInOneBatch(q8File.model(), c.promptIds(), c.greedyIds(), (logits, step) -> {
                assertThat(Trajectories.argmax(logits)).as("%s greedy id at step %d", c.id(), step).isEqualTo(c.greedyIds()[step]);
                int[] ids = c.topIds().get(step);
                for (int j = 0; j < ids.length; j++) {
                    float d = Math.abs(logits[ids[j]] - c.topLogits().get(step)[j]);
                    maxDiff[0] = Math.max(maxDiff[0], d);
                    assertThat(d).as("%s logit of %d at step %d", c.id(), ids[j], step).isLessThanOrEqualTo(FLOAT_TOLERANCE);
                }
            });
            // Token by token: exact too, unless decode rounds activations to int8 blocks (BlockMatrix.int8Decode,
            // 16-lane Q8_0), which is held to the README's bound for that; near-ties may then pick another id.
            Trajectories.teacherForced(q8File.model(), c.promptIds(), c.greedyIds(), (logits, step) -> {
                if (!int8Decode) assertThat(Trajectories.argmax(logits)).as("%s greedy id at step %d", c.id(), step).isEqualTo(c.greedyIds()[step]);
                int[] ids = c.topIds().get(step);
                for (int j = 0; j < ids.length; j++) {
                    float d = Math.abs(logits[ids[j]] - c.topLogits().get(step)[j]);
                    maxDiff[1] = Math.max(maxDiff[1], d);
                    assertThat(d).as("%s decode logit of %d at step %d", c.id(), ids[j], step).isLessThanOrEqualTo(int8Decode ? 0.5f : FLOAT_TOLERANCE);
                }
            });
            worst = Math.max(worst, maxDiff[0]);
            worstDecode = Math.max(worstDecode, maxDiff[1]);
        }
        System.out.printf(Locale.ROOT, "Q8_0 GGUF vs q8_0-dequant.jsonl: max |top-20 logit diff| %.2e in one batch, %.2e token by token, over 8 prompts x 32 steps%n",
                worst, worstDecode);
    }

    @Test
    void quantOnLoadGivesTheSameWeightsAndLogitsAsTheLlamaCppFile() {
        // the same quantiser (GgufFixtureTest checks the bytes), so the same weights and kernels: observed diff is 0
        var a = q8OnLoad.model().weights().layers()[0].q();
        var b = q8File.model().weights().layers()[0].q();
        assertThat(a.dtype()).isEqualTo(DType.Q8_0);
        assertThat(b.dtype()).isEqualTo(DType.Q8_0);
        float worst = 0;
        for (ReferenceCases c : Trajectories.modelA("q8_0-dequant.jsonl", null)) {
            float[][] fileLogits = new float[c.greedyIds().length][];
            Trajectories.teacherForced(q8File.model(), c.promptIds(), c.greedyIds(), (l, s) -> fileLogits[s] = l.clone());
            float[] maxDiff = {0};
            Trajectories.teacherForced(q8OnLoad.model(), c.promptIds(), c.greedyIds(), (l, s) -> {
                if (!a.int8Decode()) assertThat(Trajectories.argmax(l)).as("%s step %d", c.id(), s).isEqualTo(c.greedyIds()[s]);
                for (int i = 0; i < l.length; i++) maxDiff[0] = Math.max(maxDiff[0], Math.abs(l[i] - fileLogits[s][i]));
            });
            assertThat(maxDiff[0]).as(c.id()).isLessThanOrEqualTo(1e-5f);
            worst = Math.max(worst, maxDiff[0]);
        }
        System.out.printf(Locale.ROOT, "--quant q8_0 (BF16 checkpoint) vs llama.cpp Q8_0 file: max |logit diff| %.2e (full vocab)%n", worst);
    }

    @Test
    void q4_0ExportMatchesADequantizedF32Forward() {
        try (Arena arena = Arena.ofShared(); GgufFile f = GgufFile.open(q4File.source());
                ThreadPool pool = new ThreadPool(2)) {
            Qwen3Model dense = Qwen3Model.load(f.qwen3Config(), Trajectories.dequantized(f.weights(), arena),
                    MatrixFactory.STORED, pool);
            assertThat(dense.weights().layers()[0].q().dtype()).isEqualTo(DType.F32);
            assertThat(q4File.model().weights().layers()[0].q().dtype()).isEqualTo(DType.Q4_0);
            float worst = 0, worstDecode = 0;
            for (ReferenceCases c : Trajectories.modelA("q8_0-dequant.jsonl", null)) {
                float[][] ref = new float[c.greedyIds().length][];
                Trajectories.teacherForcedInOneBatch(dense, c.promptIds(), c.greedyIds(), (l, s) -> ref[s] = l);
                float[] maxDiff = {0, 0, 0};
                float[][] batched = new float[c.greedyIds().length][];
                // In one batch: the float kernels, exact up to float rounding; with 16-float vectors the integer
                // kernels of int8-rounded activations (BlockMatrix.int8Batches), held to the README's bound.
                Trajectories.teacherForcedInOneBatch(q4File.model(), c.promptIds(), c.greedyIds(), (l, s) -> {
                    batched[s] = l.clone();
                    for (int i = 0; i < l.length; i++) maxDiff[0] = Math.max(maxDiff[0], Math.abs(l[i] - ref[s][i]));
                });
                // Token by token: with 8 or 16-float vectors decode rounds activations to int8 blocks, as llama.cpp
                // does (BlockMatrix.int8Decode), and is held to the same bound; else exact too.
                Trajectories.teacherForced(q4File.model(), c.promptIds(), c.greedyIds(), (l, s) -> {
                    for (int i = 0; i < l.length; i++) {
                        maxDiff[1] = Math.max(maxDiff[1], Math.abs(l[i] - ref[s][i]));
                        maxDiff[2] = Math.max(maxDiff[2], Math.abs(l[i] - batched[s][i]));
                    }
                });
                var q = q4File.model().weights().layers()[0].q();
                assertThat(maxDiff[0]).as(c.id()).isLessThanOrEqualTo(q.int8Batches() ? 0.5f : FLOAT_TOLERANCE);
                assertThat(maxDiff[1]).as(c.id() + " decode").isLessThanOrEqualTo(q.int8Decode() ? 0.5f : FLOAT_TOLERANCE);
                // The same arithmetic per token in both: the same bits.
                if (q.int8Batches()) assertThat(maxDiff[2]).as(c.id() + " batch vs decode").isZero();
                worst = Math.max(worst, maxDiff[0]);
                worstDecode = Math.max(worstDecode, maxDiff[1]);
            }
            System.out.printf(Locale.ROOT, "Q4_0 kernels vs dequantised F32 forward: max |logit diff| %.2e in one batch, %.2e token by token (full vocab)%n",
                    worst, worstDecode);
        }
    }

    /** Observed differences against llama.cpp's own quantised runs; printed, then bounded loosely below. */
    record Agreement(float maxTopDiff, double meanTopDiff, int top1Agree, int steps, int decisiveSteps, int decisiveAgree) {}

    /**
     * Our model over llama.cpp's greedy trajectory for one variant: differences in its top-20 logits, and how often
     * our argmax is its greedy id; "decisive" steps are those where llama.cpp's top-1/top-2 gap exceeds {@code margin}.
     */
    static Agreement agreement(Qwen3Model m, List<ReferenceCases> cases, float margin) {
        float[] max = {0};
        double[] sum = {0};
        int[] n = {0, 0, 0, 0, 0};
        for (ReferenceCases c : cases) {
            Trajectories.teacherForced(m, c.promptIds(), c.greedyIds(), (l, s) -> {
                int[] ids = c.topIds().get(s);
                float[] want = c.topLogits().get(s);
                for (int j = 0; j < ids.length; j++) {
                    float d = Math.abs(l[ids[j]] - want[j]);
                    max[0] = Math.max(max[0], d);
                    sum[0] += d;
                    n[0]++;
                }
                boolean agree = Trajectories.argmax(l) == c.greedyIds()[s];
                n[1] += agree ? 1 : 0;
                n[2]++;
                if (want[0] - want[1] > margin) {
                    n[3]++;
                    n[4] += agree ? 1 : 0;
                }
            });
        }
        return new Agreement(max[0], sum[0] / n[0], n[1], n[2], n[3], n[4]);
    }

    @Test
    void looselyAgreesWithLlamaCppsOwnQuantizedRuns() {
        // llama.cpp's Q4_0 file kept token_embd (tied output) at Q8_0; ours puts every matrix at Q4_0. Load the
        // BF16 checkpoint with llama.cpp's mix so that the weights are the same and only the arithmetic differs.
        try (Arena arena = Arena.ofShared(); ThreadPool pool = new ThreadPool(2);
                var ckpt = io.fangwusha.core.weights.HfCheckpoint.open(GgufFixtureTest.HF)) {
            MatrixFactory llamaMix = t -> QuantizedWeights.of(QuantizedMatrix.quantize(t,
                    t.name().equals("model.embed_tokens.weight") || t.name().equals("lm_head.weight") ? DType.Q8_0 : DType.Q4_0, arena));
            Qwen3Model q4mix = Qwen3Model.load(ckpt.config(), ckpt.weights(), llamaMix, pool);
            float margin = 0.5f;
            Agreement q8 = agreement(q8File.model(), Trajectories.modelA("llamacpp-variants.jsonl", "q8_0"), margin);
            Agreement q4 = agreement(q4mix, Trajectories.modelA("llamacpp-variants.jsonl", "q4_0"), margin);
            Agreement q4all = agreement(q4File.model(), Trajectories.modelA("llamacpp-variants.jsonl", "q4_0"), margin);
            System.out.println("vs llamacpp-variants q8_0:            " + q8);
            System.out.println("vs llamacpp-variants q4_0 (same mix): " + q4);
            System.out.println("vs llamacpp-variants q4_0 (all Q4_0): " + q4all);
            // the README's bound for engines that differ in activation rounding: about 0.5
            assertThat(q8.maxTopDiff()).isLessThanOrEqualTo(0.5f);
            assertThat(q4.maxTopDiff()).isLessThanOrEqualTo(0.5f);
            // where llama.cpp's choice is not a near-tie, we choose the same token
            assertThat(q8.decisiveAgree()).isEqualTo(q8.decisiveSteps());
            assertThat(q4.decisiveAgree()).isEqualTo(q4.decisiveSteps());
        }
    }
}
