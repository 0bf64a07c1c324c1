package io.fangwusha.core.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.Fixtures;
import io.fangwusha.core.generate.GenerationDefaults;
import io.fangwusha.core.model.Qwen3Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfCheckpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void opensFixtureASingleFileTied() {
        Path dir = Fixtures.model("tiny-qwen3-a");
        try (HfCheckpoint ck = HfCheckpoint.open(dir)) {
            Qwen3Config c = ck.config();
            assertThat(c).isEqualTo(new Qwen3Config(151936, 64, 192, 2, 4, 2, 16, 1e-6, 1e6, 40960, true, false,
                    151643, List.of(151645), "bfloat16"));
            assertThat(ck.generation()).isEqualTo(
                    new GenerationDefaults(true, 0.6, 20, 0.95, 0.0, 1.0, List.of(151645, 151643), null));
            WeightStore w = ck.weights();
            assertThat(w.names()).contains("model.layers.1.self_attn.k_norm.weight", "lm_head.weight");
            // tied: the output projection is the embedding itself (same mapped bytes)
            assertThat(ck.lmHead().data().address()).isEqualTo(w.tensor("model.embed_tokens.weight").data().address());
            assertThat(w.tensor("model.layers.0.self_attn.q_norm.weight").shape()).containsExactly(16);
            assertThat(ck.tokenizerJson()).isRegularFile();
            assertThat(ck.tokenizerConfig()).isRegularFile();
            assertThat(ck.dir()).isEqualTo(dir);
        }
    }

    @Test
    void opensFixtureBShardedUntied() {
        try (HfCheckpoint ck = HfCheckpoint.open(Fixtures.model("tiny-qwen3-b"))) {
            Qwen3Config c = ck.config();
            assertThat(c.hiddenSize()).isEqualTo(96);
            assertThat(c.qDim()).isEqualTo(192); // heads*head_dim != hidden
            assertThat(c.tieWordEmbeddings()).isFalse();
            Tensor q = ck.weights().tensor("model.layers.2.self_attn.q_proj.weight");
            assertThat(q.shape()).containsExactly(192, 96);
            assertThat(ck.weights().tensor("model.layers.2.self_attn.o_proj.weight").shape()).containsExactly(96, 192);
            Tensor head = ck.lmHead();
            assertThat(head.name()).isEqualTo("lm_head.weight");
            // values decoded from the shard by an independent Python reader
            assertThat(SafetensorsFileTest.bf16(head, 0)).isEqualTo(-0.0238037109375f);
            assertThat(SafetensorsFileTest.bf16(head, 12345L * 96 + 50)).isEqualTo(0.00193023681640625f);
            SafetensorsStore store = ck.store();
            assertThat(store.files()).hasSize(2);
            assertThat(store.names()).hasSize(1 + 3 * 11 + 2);
        }
    }

    @Test
    void missingShard() throws IOException {
        Path dir = linkFixture("tiny-qwen3-b", "model-00002-of-00002.safetensors");
        assertThatThrownBy(() -> HfCheckpoint.open(dir)).isInstanceOf(FangwushaException.class)
                .hasMessage("model.safetensors.index.json: shard 'model-00002-of-00002.safetensors' (holding"
                        + " 'lm_head.weight') not found in " + dir);
    }

    @Test
    void missingWeights() throws IOException {
        Path dir = linkFixture("tiny-qwen3-a", "model.safetensors");
        assertThatThrownBy(() -> HfCheckpoint.open(dir))
                .hasMessage(dir + ": neither model.safetensors nor model.safetensors.index.json found");
        assertThatThrownBy(() -> HfCheckpoint.open(tmp.resolve("nope"))).hasMessageContaining("nope: not a checkpoint");
    }

    @Test
    void missingConfigField() throws IOException {
        Path dir = withConfig("tiny-qwen3-a", c -> c.remove("num_attention_heads"));
        assertThatThrownBy(() -> HfCheckpoint.open(dir)).isInstanceOf(FangwushaException.class)
                .hasMessage("config.json: missing field 'num_attention_heads'");
    }

    @Test
    void wrongTypesAreNamed() throws IOException {
        Path dir = withConfig("tiny-qwen3-a", c -> c.put("hidden_size", "64"));
        assertThatThrownBy(() -> HfCheckpoint.open(dir))
                .hasMessage("config.json: field 'hidden_size' must be an integer, got \"64\"");
        Path d2 = withConfig("tiny-qwen3-a", c -> c.put("tie_word_embeddings", 1));
        assertThatThrownBy(() -> HfCheckpoint.open(d2))
                .hasMessage("config.json: field 'tie_word_embeddings' must be true or false, got 1");
        Path d3 = withConfig("tiny-qwen3-a", c -> c.put("num_key_value_heads", 3));
        assertThatThrownBy(() -> HfCheckpoint.open(d3))
                .hasMessage("config.json: num_attention_heads 4 is not a multiple of num_key_value_heads 3");
    }

    @Test
    void unsupportedModelTypeAndRopeScaling() throws IOException {
        Path dir = withConfig("tiny-qwen3-a", c -> c.put("model_type", "llama"));
        assertThatThrownBy(() -> HfCheckpoint.open(dir))
                .hasMessage("config.json: model_type 'llama' is not supported (only qwen3)");
        Path d2 = withConfig("tiny-qwen3-a", c -> c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4.0));
        assertThatThrownBy(() -> HfCheckpoint.open(d2))
                .hasMessage("config.json: rope_scaling {\"rope_type\":\"yarn\",\"factor\":4.0} is not supported (only plain RoPE)");
    }

    @Test
    void configShapeDisagreesWithTensor() throws IOException {
        Path dir = withConfig("tiny-qwen3-a", c -> c.put("intermediate_size", 100));
        assertThatThrownBy(() -> HfCheckpoint.open(dir)).isInstanceOf(FangwushaException.class)
                .hasMessage("model.layers.0.mlp.gate_proj.weight: shape [192, 64] but config says [100, 64]"
                        + " (intermediate_size, hidden_size)");
        Path d2 = withConfig("tiny-qwen3-a", c -> c.put("vocab_size", 151643));
        assertThatThrownBy(() -> HfCheckpoint.open(d2))
                .hasMessage("model.embed_tokens.weight: shape [151936, 64] but config says [151643, 64]"
                        + " (vocab_size, hidden_size)");
        Path d3 = withConfig("tiny-qwen3-b", c -> c.put("head_dim", 16));
        assertThatThrownBy(() -> HfCheckpoint.open(d3))
                .hasMessage("model.layers.0.self_attn.q_proj.weight: shape [192, 96] but config says [96, 96]"
                        + " (num_attention_heads*head_dim, hidden_size)");
        Path d4 = withConfig("tiny-qwen3-a", c -> c.put("tie_word_embeddings", false));
        assertThatThrownBy(() -> HfCheckpoint.open(d4))
                .hasMessageEndingWith(": missing tensor 'lm_head.weight' [151936, 64] (vocab_size, hidden_size)");
        Path d5 = withConfig("tiny-qwen3-a", c -> c.put("num_hidden_layers", 3));
        assertThatThrownBy(() -> HfCheckpoint.open(d5))
                .hasMessageContaining("missing tensor 'model.layers.2.input_layernorm.weight' [64] (hidden_size)");
    }

    @Test
    void malformedConfigJson() throws IOException {
        Path dir = linkFixture("tiny-qwen3-a", "config.json");
        Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 64,\n \"vocab_size\": }");
        assertThatThrownBy(() -> HfCheckpoint.open(dir)).isInstanceOf(FangwushaException.class)
                .hasMessageStartingWith("config.json: malformed JSON at line 2: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void optionalFieldsDefaultLikeTransformers() throws IOException {
        Path dir = withConfig("tiny-qwen3-a", c -> {
            c.remove("rope_theta");
            c.putArray("eos_token_id").add(1).add(2);
        });
        Files.delete(dir.resolve("generation_config.json"));
        try (HfCheckpoint ck = HfCheckpoint.open(dir)) {
            assertThat(ck.config().ropeTheta()).isEqualTo(10000.0);
            assertThat(ck.config().eosTokenIds()).containsExactly(1, 2);
            assertThat(ck.generation()).isEqualTo(GenerationDefaults.transformersDefaults(List.of(1, 2)));
        }
        ObjectNode c = JSON.createObjectNode();
        c.put("model_type", "qwen3").put("vocab_size", 10).put("hidden_size", 8).put("intermediate_size", 16)
                .put("num_hidden_layers", 1).put("num_attention_heads", 2).put("num_key_value_heads", 1);
        Qwen3Config q = HfConfigs.parseConfig(c);
        assertThat(q.headDim()).isEqualTo(128); // transformers' Qwen3Config default, not hidden/heads
        assertThat(q.tieWordEmbeddings()).isFalse();
        assertThat(q.bosTokenId()).isEqualTo(-1);
    }

    @Test
    void generationConfigFields() {
        ObjectNode g = JSON.createObjectNode();
        g.put("do_sample", true).put("temperature", 0.7).put("top_k", 5).put("top_p", 0.8).put("min_p", 0.05)
                .put("repetition_penalty", 1.1).put("eos_token_id", 7).put("max_new_tokens", 32);
        assertThat(HfConfigs.parseGeneration(g, List.of(1)))
                .isEqualTo(new GenerationDefaults(true, 0.7, 5, 0.8, 0.05, 1.1, List.of(7), 32));
        g.put("top_k", "five");
        assertThatThrownBy(() -> HfConfigs.parseGeneration(g, List.of(1)))
                .hasMessage("generation_config.json: field 'top_k' must be an integer, got \"five\"");
        g.put("top_k", 5).putArray("eos_token_id").add(1).add("x");
        assertThatThrownBy(() -> HfConfigs.parseGeneration(g, List.of(1)))
                .hasMessage("generation_config.json: field 'eos_token_id' must be a token id or a list of token ids,"
                        + " got [1,\"x\"]");
    }

    /** A temp checkpoint dir whose files are symlinks into the fixture, minus {@code except}. */
    private Path linkFixture(String model, String except) throws IOException {
        Path src = Fixtures.model(model);
        Path dir = Files.createDirectories(tmp.resolve(model + "-" + System.nanoTime()));
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().equals(except)) {
                    Files.createSymbolicLink(dir.resolve(f.getFileName()), f.toAbsolutePath());
                }
            }
        }
        return dir;
    }

    private Path withConfig(String model, Consumer<ObjectNode> edit) throws IOException {
        Path dir = linkFixture(model, "config.json");
        ObjectNode c = (ObjectNode) JSON.readTree(Fixtures.model(model).resolve("config.json").toFile());
        edit.accept(c);
        Files.writeString(dir.resolve("config.json"), c.toString());
        Path gen = dir.resolve("generation_config.json");
        Files.delete(gen);
        Files.copy(Fixtures.model(model).resolve("generation_config.json"), gen);
        return dir;
    }
}
