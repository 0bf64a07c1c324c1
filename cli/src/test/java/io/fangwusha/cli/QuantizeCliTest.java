package io.fangwusha.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fangwusha.core.Fixtures;
import io.fangwusha.core.gguf.GgufFile;
import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quantize} on the HF checkpoint A against the Q8_0 file llama.cpp made from the same checkpoint. */
class QuantizeCliTest {
    static final Path HF = Fixtures.model("tiny-qwen3-a");
    static final Path LLAMA_CPP_Q8_0 = Fixtures.model("tiny-qwen3-a-q8_0.gguf");

    @TempDir
    Path tmp;

    @Test
    void q8_0ExportIsTheFileLlamaCppWrote() throws Exception {
        Path out = tmp.resolve("a-q8_0.gguf");
        // general.name is the one thing the checkpoint does not carry: the fixture was converted with this name
        CliRun r = CliRun.of("quantize", "--model", HF.toString(), "--type", "q8_0", "--out", out.toString(),
                "--name", "qwen3-random-A");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip()).matches("quantize: .* -> .*a-q8_0\\.gguf: 24 tensors, q8_0, [0-9,]+ bytes in [0-9.]+ s .*")
                .contains(String.format("%,d bytes", Files.size(out)));
        try (GgufFile ours = GgufFile.open(out); GgufFile ref = GgufFile.open(LLAMA_CPP_Q8_0)) {
            assertThat(ours.metadata().entries().keySet()).containsExactlyElementsOf(ref.metadata().entries().keySet());
            for (var e : ref.metadata().entries().entrySet()) {
                assertThat(ours.metadata().get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
            }
            assertThat(ours.tensorInfos().keySet()).containsExactlyElementsOf(ref.tensorInfos().keySet());
            for (String n : ref.tensorInfos().keySet()) {
                Tensor a = ours.tensor(n), b = ref.tensor(n);
                assertThat(a.dtype()).as(n).isEqualTo(b.dtype());
                assertThat(a.data().mismatch(b.data())).as(n).isEqualTo(-1);
            }
        }
        assertThat(Files.mismatch(out, LLAMA_CPP_Q8_0)).as("first differing byte").isEqualTo(-1L);
    }

    @Test
    void everyTypeLoadsBackWithItsType() throws Exception {
        for (String type : new String[] {"q4_0", "f16", "bf16", "f32"}) {
            Path out = tmp.resolve("a-" + type + ".gguf");
            CliRun r = CliRun.of("quantize", "--model", HF.toString(), "--type", type.toUpperCase(), "--out", out.toString());
            assertThat(r.exitCode()).as(r.err()).isZero();
            try (GgufFile f = GgufFile.open(out)) {
                assertThat(f.metadata().getString("general.name")).isEqualTo("tiny-qwen3-a");
                assertThat(f.tensor("blk.0.ffn_up.weight").dtype()).isEqualTo(DType.valueOf(type.toUpperCase()));
                assertThat(f.tensor("blk.0.ffn_norm.weight").dtype()).isEqualTo(DType.F32);
            }
        }
        // re-encoding a GGUF keeps its name and vocabulary
        Path q4 = tmp.resolve("from-gguf-q4_0.gguf");
        assertThat(CliRun.of("quantize", "--model", LLAMA_CPP_Q8_0.toString(), "--type", "q4_0", "--out", q4.toString())
                .exitCode()).isZero();
        try (GgufFile f = GgufFile.open(q4)) {
            assertThat(f.metadata().getString("general.name")).isEqualTo("qwen3-random-A");
            assertThat(f.tensor("token_embd.weight").dtype()).isEqualTo(DType.Q4_0);
        }
    }

    /** Q4_0 and Q8_0 matrices repacked on load (the default) or kept as stored: the same greedy tokens. */
    @Test
    void repackedAndStoredLayoutsGenerateTheSameText() throws Exception {
        for (String type : new String[] {"q4_0", "q8_0"}) {
            Path out = tmp.resolve("r-" + type + ".gguf");
            assertThat(CliRun.of("quantize", "--model", HF.toString(), "--type", type, "--out", out.toString()).exitCode()).isZero();
            CliRun repacked = CliRun.of("generate", "--model", out.toString(), "--prompt", "你好", "--max-new-tokens", "12",
                    "--temperature", "0");
            CliRun stored = CliRun.of("generate", "--model", out.toString(), "--prompt", "你好", "--max-new-tokens", "12",
                    "--temperature", "0", "--no-repack");
            assertThat(repacked.exitCode()).as(repacked.err()).isZero();
            assertThat(stored.exitCode()).as(stored.err()).isZero();
            assertThat(repacked.out()).as(type).isNotBlank().isEqualTo(stored.out());
        }
    }

    @Test
    void badInputIsOneLineAndExit2() throws Exception {
        Path out = tmp.resolve("x.gguf");
        assertUserError(CliRun.of("quantize", "--model", HF.toString(), "--type", "q5_k", "--out", out.toString()), "--type", "q5_k");
        assertUserError(CliRun.of("quantize", "--model", tmp.resolve("nope").toString(), "--type", "q8_0", "--out", out.toString()), "nope");
        assertUserError(CliRun.of("quantize", "--model", HF.toString(), "--type", "q8_0", "--out", tmp.toString()), "is a directory");
        assertUserError(CliRun.of("quantize", "--model", HF.toString(), "--type", "q8_0",
                "--out", tmp.resolve("no/such/dir/x.gguf").toString()), "does not exist");
        assertUserError(CliRun.of("quantize", "--model", tmp.toString(), "--type", "q8_0", "--out", out.toString()), "config.json");
        assertUserError(CliRun.of("quantize", "--model", HF.toString(), "--out", out.toString()), "--type");
        assertThat(Files.exists(out)).isFalse();
        try (var s = Files.list(tmp)) {
            assertThat(s.toList()).isEmpty(); // no temp files left behind
        }
    }

    private static void assertUserError(CliRun r, String... fragments) {
        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        String err = r.err().strip();
        assertThat(err.lines().count()).as(err).isLessThanOrEqualTo(2);
        assertThat(err).doesNotContain("\tat ").doesNotContain("Exception");
        for (String f : fragments) assertThat(err).contains(f);
    }
}
