package io.fangwusha.core.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.Fixtures;
import io.fangwusha.core.kernels.MatrixWeights;
import io.fangwusha.core.kernels.quant.QuantizedWeights;
import io.fangwusha.core.model.Qwen3Config;
import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import io.fangwusha.core.weights.WeightStore;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Q8_0 GGUF that llama.cpp made from tiny-qwen3-a, against the HF checkpoint it came from. */
class GgufFixtureTest {
    static final Path GGUF = Fixtures.model("tiny-qwen3-a-q8_0.gguf");
    static final Path HF = Fixtures.model("tiny-qwen3-a");
    static Arena arena;
    static GgufFile gguf;
    static Map<String, Tensor> originals;

    @BeforeAll
    static void open() throws Exception {
        arena = Arena.ofShared();
        gguf = GgufFile.open(GGUF);
        originals = SafetensorsBf16.read(HF.resolve("model.safetensors"), arena);
    }

    @AfterAll
    static void close() {
        gguf.close();
        arena.close();
    }

    @Test
    void headerAndMetadata() {
        assertThat(gguf.version()).isEqualTo(3);
        assertThat(gguf.alignment()).isEqualTo(32);
        assertThat(gguf.dataOffset() % 32).isZero();
        assertThat(gguf.metadata().getString("general.architecture")).isEqualTo("qwen3");
        assertThat(gguf.metadata().get("general.file_type").value()).isEqualTo(7L); // MOSTLY_Q8_0
        assertThat(gguf.tensorInfos()).hasSize(24);
    }

    @Test
    void configMatchesConfigJson() throws Exception {
        JsonNode j = new ObjectMapper().readTree(Files.readString(HF.resolve("config.json")));
        Qwen3Config c = gguf.qwen3Config();
        assertThat(c.vocabSize()).isEqualTo(j.get("vocab_size").asInt());
        assertThat(c.hiddenSize()).isEqualTo(j.get("hidden_size").asInt());
        assertThat(c.intermediateSize()).isEqualTo(j.get("intermediate_size").asInt());
        assertThat(c.numLayers()).isEqualTo(j.get("num_hidden_layers").asInt());
        assertThat(c.numHeads()).isEqualTo(j.get("num_attention_heads").asInt());
        assertThat(c.numKvHeads()).isEqualTo(j.get("num_key_value_heads").asInt());
        assertThat(c.headDim()).isEqualTo(j.get("head_dim").asInt());
        assertThat(c.rmsNormEps()).isEqualTo(j.get("rms_norm_eps").asDouble());
        assertThat(c.ropeTheta()).isEqualTo(j.get("rope_theta").asDouble());
        assertThat(c.maxPositionEmbeddings()).isEqualTo(j.get("max_position_embeddings").asInt());
        assertThat(c.tieWordEmbeddings()).isEqualTo(j.get("tie_word_embeddings").asBoolean());
        assertThat(c.attentionBias()).isEqualTo(j.get("attention_bias").asBoolean());
        assertThat(c.bosTokenId()).isEqualTo(j.get("bos_token_id").asInt());
        assertThat(c.eosTokenIds()).containsExactly(j.get("eos_token_id").asInt());
    }

    @Test
    void vocabMatchesTokenizerFiles() throws Exception {
        GgufVocab v = gguf.vocab();
        assertThat(v.model()).isEqualTo("gpt2");
        assertThat(v.pre()).isEqualTo("qwen2");
        assertThat(v.tokens()).hasSize(151936);
        assertThat(v.addBos()).isFalse();
        JsonNode tok = new ObjectMapper().readTree(Fixtures.tokenizerDir().resolve("tokenizer.json").toFile());
        JsonNode vocab = tok.get("model").get("vocab");
        assertThat(v.tokens().get(vocab.get("Ġthe").asInt())).isEqualTo("Ġthe");
        assertThat(v.tokens().get(151645)).isEqualTo("<|im_end|>");
        assertThat(v.tokenTypes()[151645]).isEqualTo(GgufVocab.TYPE_CONTROL);
        assertThat(v.merges()).hasSize(151387);
        JsonNode firstMerge = tok.get("model").get("merges").get(0);
        String m0 = firstMerge.isArray() ? firstMerge.get(0).asText() + " " + firstMerge.get(1).asText() : firstMerge.asText();
        assertThat(v.merges().get(0)).isEqualTo(m0);
        assertThat(v.eosId()).isEqualTo(151645);
        assertThat(v.paddingId()).isEqualTo(151643);
        JsonNode cfg = new ObjectMapper().readTree(Fixtures.tokenizerDir().resolve("tokenizer_config.json").toFile());
        assertThat(v.chatTemplate()).isEqualTo(cfg.get("chat_template").asText());
    }

    @Test
    void everyTensorPresentWithItsShape() {
        WeightStore store = gguf.weights();
        assertThat(store.names()).containsExactlyInAnyOrderElementsOf(originals.keySet());
        for (Tensor o : originals.values()) {
            assertThat(store.tensor(o.name()).shape()).as(o.name()).containsExactly(o.shape());
        }
    }

    /**
     * Q8_0 stores q = round(x / d) with d = amax/127 and the fp16-rounded d; so |q*fp16(d) - x| is at most half a
     * step plus |q| times the fp16 rounding of d (≤ 127 * |d| * 2^-11). Norms are F32 and must be exact. Also shows
     * that q_proj/k_proj rows are not permuted (each row matches the same HF row).
     */
    @Test
    void dequantizedValuesAreCloseToTheBf16Originals() {
        WeightStore store = gguf.weights();
        for (Tensor o : originals.values()) {
            Tensor g = store.tensor(o.name());
            int cols = (int) o.shape()[o.shape().length - 1];
            long rows = o.elements() / cols;
            if (g.dtype() == DType.F32) {
                for (long i = 0; i < o.elements(); i++) {
                    float f = g.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4 * i);
                    assertThat(f).as(o.name()).isEqualTo(SafetensorsBf16.bf16(o, i));
                }
                continue;
            }
            assertThat(g.dtype()).as(o.name()).isEqualTo(DType.Q8_0);
            MatrixWeights w = QuantizedWeights.of(g);
            float[] row = new float[cols];
            for (int r = 0; r < rows; r += (rows > 1000 ? 97 : 1)) {
                w.readRow(r, row, 0);
                for (int c = 0; c < cols; c++) {
                    long blockOff = ((long) r * cols + c) / 32 * 34;
                    double d = Math.abs(Float.float16ToFloat(g.data().get(ValueLayout.JAVA_SHORT_UNALIGNED, blockOff)));
                    double bound = 0.5 * d + 127 * d * Math.scalb(1.0, -11);
                    float x = SafetensorsBf16.bf16(o, (long) r * cols + c);
                    assertThat(Math.abs((double) row[c] - x)).as("%s [%d,%d]", o.name(), r, c).isLessThanOrEqualTo(bound);
                }
            }
        }
    }

    /** Both the parallel path (a shared arena) and the sequential one (confined) must give llama.cpp's bytes. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void ourQ8_0QuantizerReproducesLlamaCppBytes(boolean shared) {
        WeightStore store = gguf.weights();
        int checked = 0;
        try (Arena a = shared ? Arena.ofShared() : Arena.ofConfined()) {
            for (Tensor o : originals.values()) {
                Tensor g = store.tensor(o.name());
                if (g.dtype() != DType.Q8_0) continue;
                Tensor ours = QuantizedMatrix.quantize(o, DType.Q8_0, a);
                assertThat(ours.data().byteSize()).isEqualTo(g.data().byteSize());
                long mismatch = ours.data().mismatch(g.data());
                assertThat(mismatch).as("%s: first differing byte", o.name()).isEqualTo(-1L);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(15); // embeddings + 7 projections x 2 layers
    }
}
