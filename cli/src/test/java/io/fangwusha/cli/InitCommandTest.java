package io.fangwusha.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.weights.HfCheckpoint;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class InitCommandTest {
    @TempDir
    Path tmp;

    /** ../shared/qwen3-tokenizer, found upwards from the module directory. */
    private static Path tokenizerDir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path t = p.resolve("shared").resolve("qwen3-tokenizer");
            if (Files.isRegularFile(t.resolve("tokenizer.json"))) return t;
        }
        throw new IllegalStateException("shared/qwen3-tokenizer not found");
    }

    private static CommandLine command(StringWriter out) {
        CommandLine cmd = new CommandLine(new InitCommand());
        cmd.setOut(new PrintWriter(out));
        return cmd;
    }

    /** Parses and calls directly, so that the exception Main maps to exit 2 reaches the test. */
    private static Integer call(String... args) {
        CommandLine cmd = command(new StringWriter());
        cmd.parseArgs(args);
        return ((InitCommand) cmd.getCommand()).call();
    }

    @Test
    void writesAShardedTinyModelThatOpens() {
        StringWriter out = new StringWriter();
        Path dir = tmp.resolve("m");
        int rc = command(out).execute("--preset", "tiny", "--layers", "3", "--vocab", "1000", "--dtype", "f32",
                "--max-shard-size", "50KB", "--seed", "9", "--tokenizer", tokenizerDir().toString(), "--out", dir.toString());
        assertThat(rc).isZero();
        assertThat(out.toString()).startsWith("init tiny: ").contains(" parameters, ").contains(" F32 in ")
                .endsWith(dir.toAbsolutePath() + System.lineSeparator());
        try (HfCheckpoint ck = HfCheckpoint.open(dir)) {
            assertThat(ck.config().numLayers()).isEqualTo(3);
            assertThat(ck.config().vocabSize()).isEqualTo(1000);
            assertThat(ck.config().torchDtype()).isEqualTo("float32");
            assertThat(ck.store().files().size()).isGreaterThan(1);
        }
    }

    @Test
    void badValuesThrowFangwushaException() {
        String tok = tokenizerDir().toString();
        String o = tmp.resolve("x").toString();
        assertThatThrownBy(() -> call("--preset", "tiny", "--heads", "3",
                "--tokenizer", tok, "--out", o)).isInstanceOf(FangwushaException.class)
                .hasMessage("--heads 3 is not a multiple of --kv-heads 2");
        assertThatThrownBy(() -> call("--preset", "tiny", "--max-shard-size", "lots",
                "--tokenizer", tok, "--out", o)).isInstanceOf(FangwushaException.class)
                .hasMessage("--max-shard-size: 'lots' is not a positive size (e.g. 2GB, 500MB, 1GiB)");
        assertThatThrownBy(() -> call("--preset", "qwen3-9b",
                "--tokenizer", tok, "--out", o)).isInstanceOf(FangwushaException.class);
        assertThatThrownBy(() -> call("--preset", "tiny", "--dtype", "q8",
                "--tokenizer", tok, "--out", o)).hasMessage("--dtype: 'q8' is not one of bf16, f16, f32");
        assertThat(tmp.resolve("x")).doesNotExist();
    }
}
