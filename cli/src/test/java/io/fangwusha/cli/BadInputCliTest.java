package io.fangwusha.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fangwusha.core.Fixtures;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad input gives exit code 2 and one line naming the file or field, without a stack trace. */
class BadInputCliTest {
    @TempDir
    Path tmp;

    private Path copyOfModelA() throws IOException {
        Path src = Fixtures.model("tiny-qwen3-a");
        Path dst = tmp.resolve("model");
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) Files.copy(f, dst.resolve(f.getFileName()));
        }
        return dst;
    }

    private static CliRun generate(Path model, String prompt, String... extra) {
        String[] base = {"generate", "--model", model.toString(), "--prompt", prompt, "--max-new-tokens", "2"};
        String[] args = Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new);
        return CliRun.of(args);
    }

    private static void assertUserError(CliRun r, String... fragments) {
        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        String err = r.err().strip();
        assertThat(err.lines().count()).as(err).isLessThanOrEqualTo(2);
        assertThat(err).doesNotContain("\tat ").doesNotContain("Exception");
        for (String f : fragments) assertThat(err).contains(f);
    }

    @Test
    void missingModelDirectory() {
        assertUserError(generate(tmp.resolve("nope"), "hi"), "nope");
    }

    @Test
    void missingWeightsFile() throws IOException {
        Path m = copyOfModelA();
        Files.delete(m.resolve("model.safetensors"));
        assertUserError(generate(m, "hi"), "model.safetensors");
    }

    @Test
    void truncatedWeightsFile() throws IOException {
        Path m = copyOfModelA();
        try (RandomAccessFile f = new RandomAccessFile(m.resolve("model.safetensors").toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        assertUserError(generate(m, "hi"), "model.safetensors");
    }

    @Test
    void headerThatLiesAboutOffsets() throws IOException {
        Path m = copyOfModelA();
        Path file = m.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8);
        // shift the first tensor's end offset by one element: its size no longer matches dtype x shape
        java.util.regex.Matcher mt = java.util.regex.Pattern.compile("\"data_offsets\":\\s*\\[(\\d+),\\s*(\\d+)\\]").matcher(header);
        assertThat(mt.find()).isTrue();
        String lying = header.substring(0, mt.start(2)) + (Long.parseLong(mt.group(2)) + 2) + header.substring(mt.end(2));
        lying = lying.length() <= headerLen ? lying + " ".repeat((int) headerLen - lying.length()) : lying.substring(0, (int) headerLen);
        System.arraycopy(lying.getBytes(StandardCharsets.UTF_8), 0, bytes, 8, (int) headerLen);
        Files.write(file, bytes);
        assertUserError(generate(m, "hi"), "model.safetensors");
    }

    @Test
    void unknownDtype() throws IOException {
        Path m = copyOfModelA();
        Path file = m.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8).replaceFirst("\"BF16\"", "\"FP8X\"");
        System.arraycopy(header.getBytes(StandardCharsets.UTF_8), 0, bytes, 8, (int) headerLen);
        Files.write(file, bytes);
        assertUserError(generate(m, "hi"), "FP8X");
    }

    @Test
    void missingConfigField() throws IOException {
        Path m = copyOfModelA();
        Path cfg = m.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replaceFirst("\"num_attention_heads\":\\s*\\d+,", ""));
        assertUserError(generate(m, "hi"), "config.json", "num_attention_heads");
    }

    @Test
    void malformedConfig() throws IOException {
        Path m = copyOfModelA();
        Files.writeString(m.resolve("config.json"), "{\"hidden_size\": 64,");
        assertUserError(generate(m, "hi"), "config.json");
    }

    @Test
    void shapeThatDisagreesWithConfig() throws IOException {
        Path m = copyOfModelA();
        Path cfg = m.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replaceFirst("\"intermediate_size\":\\s*192", "\"intermediate_size\": 128"));
        assertUserError(generate(m, "hi"), "mlp", "intermediate_size");
    }

    @Test
    void promptLongerThanTheContext() throws IOException {
        Path m = copyOfModelA();
        Path cfg = m.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replaceFirst("\"max_position_embeddings\":\\s*\\d+", "\"max_position_embeddings\": 16"));
        assertUserError(generate(m, "一二三四五六七八九十 one two three four five six seven eight nine ten".repeat(3)), "prompt", "16");
    }

    @Test
    void badFlags() throws IOException {
        Path m = Fixtures.model("tiny-qwen3-a");
        assertUserError(generate(m, "hi", "--temperature", "warm"), "--temperature");
        assertUserError(generate(m, "hi", "--top-p", "1.5"), "top_p");
        assertUserError(generate(m, "hi", "--no-such-flag"), "--no-such-flag");
        assertUserError(CliRun.of("perplexity", "--model", m.toString(), "--file", tmp.resolve("none.txt").toString()), "none.txt");
    }

    @Test
    void verboseShowsTheStackTrace() {
        CliRun r = CliRun.of("generate", "--verbose", "--model", tmp.resolve("nope").toString(), "--prompt", "x");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("\tat ");
    }
}
