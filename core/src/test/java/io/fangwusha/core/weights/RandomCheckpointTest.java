package io.fangwusha.core.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.Fixtures;
import io.fangwusha.core.generate.GenerationDefaults;
import io.fangwusha.core.weights.RandomModelSpec.Init;
import io.fangwusha.core.weights.RandomModelSpec.Overrides;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RandomCheckpointTest {
    @TempDir
    Path tmp;

    private final SafetensorsWriter writer = new SafetensorsWriter();

    private static Overrides small(Integer vocab, DType dtype) {
        return new Overrides(null, null, null, null, null, null, vocab, null, dtype, null);
    }

    private RandomCheckpoint.Result write(RandomModelSpec spec, long seed, String name, long maxShard) {
        return RandomCheckpoint.write(spec, seed, Fixtures.tokenizerDir(), tmp.resolve(name), maxShard, writer);
    }

    @Test
    void tinyScaledSeed1ReproducesFixtureABitForBit() {
        // The fixture was made by shared/tools/make_random_qwen3.py --preset tiny-a --seed 1 (init "scaled").
        RandomModelSpec spec = RandomModelSpec.preset("tiny").with(
                new Overrides(null, null, null, null, null, null, null, null, null, Init.SCALED));
        RandomCheckpoint.Result r = write(spec, 1, "a", SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        assertThat(r.parameters()).isEqualTo(9822592L); // n_params in the fixture's random_init.json
        assertThat(r.weightFiles()).isEqualTo(1);
        Path fixture = Fixtures.model("tiny-qwen3-a");
        assertThat(mismatch(fixture.resolve("model.safetensors"), r.dir().resolve("model.safetensors"))).isEqualTo(-1L);
        try (HfCheckpoint ours = HfCheckpoint.open(r.dir()); HfCheckpoint ref = HfCheckpoint.open(fixture)) {
            assertThat(ours.config()).isEqualTo(ref.config());
            assertThat(ours.generation()).isEqualTo(ref.generation());
        }
        assertThat(r.dir().resolve("tokenizer.json")).hasSameBinaryContentAs(fixture.resolve("tokenizer.json"));
    }

    @Test
    void overridesAndShardingReproduceFixtureB() {
        // fixture B: --preset tiny-b --seed 2 --shard-size 30MB (untied, head_dim*heads != hidden)
        RandomModelSpec spec = RandomModelSpec.preset("tiny").with(
                new Overrides(3, 96, 6, 2, 32, 256, null, false, null, Init.SCALED));
        RandomCheckpoint.Result r = write(spec, 2, "b", 30_000_000L);
        assertThat(r.weightFiles()).isEqualTo(2);
        assertThat(r.bytes()).isEqualTo(59082432L);
        Path fixture = Fixtures.model("tiny-qwen3-b");
        for (String shard : List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")) {
            assertThat(mismatch(fixture.resolve(shard), r.dir().resolve(shard))).as(shard).isEqualTo(-1L);
        }
        assertThat(r.dir().resolve("vocab.json")).exists();
        assertThat(r.dir().resolve("merges.txt")).exists();
    }

    @Test
    void deterministicPerSeedAndDifferentAcrossSeeds() {
        RandomModelSpec spec = RandomModelSpec.preset("tiny").with(small(1000, null));
        Path a = write(spec, 7, "s7a", SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES).dir();
        Path b = write(spec, 7, "s7b", SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES).dir();
        Path c = write(spec, 8, "s8", SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES).dir();
        assertThat(mismatch(a.resolve("model.safetensors"), b.resolve("model.safetensors"))).isEqualTo(-1L);
        try (HfCheckpoint x = HfCheckpoint.open(a); HfCheckpoint y = HfCheckpoint.open(c)) {
            String name = "model.layers.1.mlp.up_proj.weight";
            byte[] bx = x.weights().tensor(name).data().toArray(ValueLayout.JAVA_BYTE);
            byte[] by = y.weights().tensor(name).data().toArray(ValueLayout.JAVA_BYTE);
            assertThat(bx).isNotEqualTo(by);
        }
    }

    @Test
    void hfInitOpensWithExpectedShapesAndStatistics() {
        RandomModelSpec spec = RandomModelSpec.preset("tiny").with(
                new Overrides(3, 32, 4, 1, 8, 48, 500, null, DType.F32, null));
        RandomCheckpoint.Result r = write(spec, 3, "hf", SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        try (HfCheckpoint ck = HfCheckpoint.open(r.dir())) {
            assertThat(ck.config()).isEqualTo(spec.config());
            assertThat(ck.config().torchDtype()).isEqualTo("float32");
            assertThat(ck.generation()).isEqualTo(
                    new GenerationDefaults(true, 0.6, 20, 0.95, 0.0, 1.0, List.of(151645, 151643), null));
            assertThat(ck.weights().tensor("model.layers.2.self_attn.q_proj.weight").shape()).containsExactly(32, 32);
            assertThat(ck.weights().tensor("model.layers.2.self_attn.k_proj.weight").shape()).containsExactly(8, 32);
            assertThat(ck.weights().tensor("model.layers.2.mlp.down_proj.weight").shape()).containsExactly(32, 48);
            ValueLayout.OfFloat le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            float[] norm = ck.weights().tensor("model.layers.0.self_attn.q_norm.weight").data().toArray(le);
            for (float v : norm) assertThat(v).isEqualTo(1.0f);
            float[] emb = ck.weights().tensor("model.embed_tokens.weight").data().toArray(le);
            double sum = 0, sq = 0;
            for (float v : emb) {
                sum += v;
                sq += v * v;
                assertThat(Math.abs(v)).isLessThanOrEqualTo((float) (0.02 * 2 * Math.sqrt(3) * 1.0001)); // Irwin-Hall(4) bound
            }
            double mean = sum / emb.length, std = Math.sqrt(sq / emb.length - mean * mean);
            assertThat(mean).isCloseTo(0, within(0.002)); // 16000 samples: 5 sigma of the mean is 0.0008
            assertThat(std).isCloseTo(0.02, within(0.001));
        }
    }

    @Test
    void otherDtypesHoldTheRoundedFloat32Values() {
        RandomModelSpec f16 = RandomModelSpec.preset("tiny").with(small(300, DType.F16));
        RandomModelSpec f32 = RandomModelSpec.preset("tiny").with(small(300, DType.F32));
        Path a = write(f16, 5, "f16", SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES).dir();
        Path b = write(f32, 5, "f32", SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES).dir();
        try (HfCheckpoint x = HfCheckpoint.open(a); HfCheckpoint y = HfCheckpoint.open(b)) {
            Tensor h = x.weights().tensor("model.embed_tokens.weight");
            Tensor s = y.weights().tensor("model.embed_tokens.weight");
            assertThat(h.dtype()).isEqualTo(DType.F16);
            ValueLayout.OfShort ls = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            ValueLayout.OfFloat lf = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < h.elements(); i += 97) {
                assertThat(h.data().getAtIndex(ls, i)).isEqualTo(Float.floatToFloat16(s.data().getAtIndex(lf, i)));
            }
        }
    }

    @Test
    void forcedShardingOfASmallModelRoundTrips() {
        RandomModelSpec spec = RandomModelSpec.preset("tiny").with(small(2000, null));
        RandomCheckpoint.Result r = write(spec, 11, "sharded", 100_000);
        assertThat(r.weightFiles()).isGreaterThan(2);
        try (HfCheckpoint ck = HfCheckpoint.open(r.dir())) {
            assertThat(ck.store().files()).hasSize(r.weightFiles());
            // each tensor's bytes equal those of the same model written as one file
            Path single = write(spec, 11, "single", SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES).dir();
            try (HfCheckpoint one = HfCheckpoint.open(single)) {
                for (String n : one.weights().names()) {
                    assertThat(ck.weights().tensor(n).data().toArray(ValueLayout.JAVA_BYTE)).as(n)
                            .isEqualTo(one.weights().tensor(n).data().toArray(ValueLayout.JAVA_BYTE));
                }
            }
        }
    }

    @Test
    void badValuesAndOutputsAreRejectedWithoutLeavingAPartialCheckpoint() throws IOException {
        RandomModelSpec tiny = RandomModelSpec.preset("tiny");
        assertThatThrownBy(() -> RandomModelSpec.preset("qwen9")).isInstanceOf(FangwushaException.class)
                .hasMessage("--preset: unknown preset 'qwen9' (one of [tiny, qwen3-0.6b, qwen3-4b])");
        assertThatThrownBy(() -> tiny.with(new Overrides(null, null, 5, null, null, null, null, null, null, null)))
                .hasMessage("--heads 5 is not a multiple of --kv-heads 2");
        assertThatThrownBy(() -> tiny.with(new Overrides(0, null, null, null, null, null, null, null, null, null)))
                .hasMessage("--layers must be positive, got 0");
        assertThatThrownBy(() -> RandomModelSpec.parseDtype("int8"))
                .hasMessage("--dtype: 'int8' is not one of bf16, f16, f32");
        Path full = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(full.resolve("keep.txt"), "x");
        assertThatThrownBy(() -> write(tiny, 1, "full", 1000))
                .hasMessage("--out " + full + ": exists and is not an empty directory");
        Path noTok = Files.createDirectories(tmp.resolve("notok"));
        assertThatThrownBy(() -> RandomCheckpoint.write(tiny, 1, noTok, tmp.resolve("out"), 1000, writer))
                .hasMessage("--tokenizer " + noTok + ": no tokenizer.json");
        // a failure in the middle of writing leaves no output directory and no temp directory
        SafetensorsWriter failing = new SafetensorsWriter() {
            @Override
            public Written writeCheckpoint(Path dir, List<TensorOut> tensors, long max) {
                super.writeCheckpoint(dir, tensors.subList(0, 3), max);
                throw new FangwushaException("disk full");
            }
        };
        assertThatThrownBy(() -> RandomCheckpoint.write(tiny.with(small(100, null)), 1, Fixtures.tokenizerDir(),
                tmp.resolve("broken"), 1000, failing)).hasMessage("disk full");
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("full", "notok");
        }
    }

    private static long mismatch(Path a, Path b) {
        try {
            return Files.mismatch(a, b);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
