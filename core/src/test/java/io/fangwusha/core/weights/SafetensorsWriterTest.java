package io.fangwusha.core.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.Fixtures;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
    @TempDir
    Path tmp;

    /** Element i of a tensor: a pattern that depends on the tensor and the index, as raw bytes. */
    private static TensorOut pattern(String name, DType dt, long... shape) {
        int salt = name.hashCode();
        return new TensorOut(name, dt, shape, (first, count, dst) -> {
            for (long j = 0; j < count * dt.blockBytes; j++) {
                dst.set(ValueLayout.JAVA_BYTE, j, (byte) ((first * dt.blockBytes + j) * 31 + salt));
            }
        });
    }

    private static byte[] expectedBytes(TensorOut t) {
        MemorySegment m = MemorySegment.ofArray(new byte[(int) t.bytes()]);
        t.fill().fill(0, t.elements(), m);
        return m.toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void singleFileRoundTrip() throws IOException {
        List<TensorOut> ts = List.of(pattern("b.f32", DType.F32, 3, 5), pattern("a.bf16", DType.BF16, 7),
                pattern("c.f16", DType.F16, 2, 3, 4), pattern("z.empty", DType.F32, 0, 4));
        Path f = tmp.resolve("x.safetensors");
        long bytes = new SafetensorsWriter(2).writeFile(f, ts);
        assertThat(bytes).isEqualTo(60 + 14 + 48);
        byte[] raw = Files.readAllBytes(f);
        long headerLen = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLen % 8).isZero();
        assertThat(raw.length).isEqualTo(8 + headerLen + bytes);
        assertThat(raw[(int) (8 + headerLen - 1)]).isIn((byte) ' ', (byte) '}');
        try (SafetensorsFile r = SafetensorsFile.open(f)) {
            assertThat(r.names()).containsExactly("a.bf16", "b.f32", "c.f16", "z.empty"); // laid out by name
            for (TensorOut t : ts) {
                Tensor got = r.tensor(t.name());
                assertThat(got.dtype()).isEqualTo(t.dtype());
                assertThat(got.shape()).isEqualTo(t.shape());
                assertThat(got.data().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(expectedBytes(t));
            }
        }
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("x.safetensors"); // no temp left
        }
    }

    @Test
    void largeTensorSpansManyParallelChunks() {
        TensorOut big = pattern("big", DType.F32, 3_000_001); // ~12 MB: several 4 MB chunks, odd tail
        Path f = tmp.resolve("big.safetensors");
        new SafetensorsWriter(3).writeFile(f, List.of(big));
        try (SafetensorsFile r = SafetensorsFile.open(f)) {
            assertThat(r.tensor("big").data().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(expectedBytes(big));
        }
    }

    @Test
    void rewritingFixtureAIsByteIdentical() throws IOException {
        Path src = Fixtures.model("tiny-qwen3-a").resolve("model.safetensors");
        Path out = tmp.resolve("model.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(src)) {
            List<TensorOut> ts = new ArrayList<>();
            for (String n : f.names()) ts.add(TensorOut.copyOf(f.tensor(n)));
            new SafetensorsWriter().writeFile(out, ts);
        }
        // the fixture was written by the Python generator with the same header conventions
        assertThat(Files.mismatch(src, out)).isEqualTo(-1L);
    }

    @Test
    void shardedRoundTripMatchesFixtureB() throws IOException {
        Path fixture = Fixtures.model("tiny-qwen3-b");
        Path out = tmp.resolve("b");
        SafetensorsWriter.Written w;
        try (SafetensorsStore s = SafetensorsStore.open(fixture)) {
            List<TensorOut> ts = new ArrayList<>();
            for (String n : s.names()) ts.add(TensorOut.copyOf(s.tensor(n))); // index order = state-dict order
            w = new SafetensorsWriter().writeCheckpoint(out, ts, 30_000_000L);
        }
        assertThat(w.files()).extracting(p -> p.getFileName().toString()).containsExactly(
                "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json");
        assertThat(w.totalBytes()).isEqualTo(59082432L);
        for (String shard : List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")) {
            assertThat(Files.mismatch(fixture.resolve(shard), out.resolve(shard))).as(shard).isEqualTo(-1L);
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode ours = json.readTree(out.resolve("model.safetensors.index.json").toFile());
        JsonNode ref = json.readTree(fixture.resolve("model.safetensors.index.json").toFile());
        assertThat(ours).isEqualTo(ref); // same metadata.total_size and weight_map (key order aside)
    }

    @Test
    void shardingRulesAndStaleFiles() {
        List<TensorOut> ts = List.of(pattern("a", DType.BF16, 100), pattern("b", DType.BF16, 300),
                pattern("c", DType.BF16, 50), pattern("d", DType.BF16, 60));
        Path dir = tmp.resolve("ck");
        // limit 250 bytes: [a(200)] [b(600) alone, over the limit] [c(100) d(120)]
        SafetensorsWriter.Written w = new SafetensorsWriter().writeCheckpoint(dir, ts, 250);
        assertThat(w.files()).hasSize(4);
        try (SafetensorsStore s = SafetensorsStore.open(dir)) {
            assertThat(s.files()).extracting(f -> f.path().getFileName().toString()).containsExactly(
                    "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                    "model-00003-of-00003.safetensors");
            assertThat(s.files().get(2).names()).containsExactly("c", "d");
            for (TensorOut t : ts) {
                assertThat(s.tensor(t.name()).data().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(expectedBytes(t));
            }
        }
        // rewriting as a single file removes the index and shards that would otherwise take precedence
        new SafetensorsWriter().writeCheckpoint(dir, ts, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        assertThat(dir.resolve("model.safetensors.index.json")).doesNotExist();
        assertThat(dir.resolve("model-00001-of-00003.safetensors")).doesNotExist();
        try (SafetensorsStore s = SafetensorsStore.open(dir)) {
            assertThat(s.files()).hasSize(1);
            assertThat(s.names()).containsExactlyInAnyOrder("a", "b", "c", "d");
        }
    }

    @Test
    void parsesShardSizesLikeHuggingfaceHub() {
        assertThat(SafetensorsWriter.parseSize("--max-shard-size", "2GB")).isEqualTo(2_000_000_000L);
        assertThat(SafetensorsWriter.parseSize("--max-shard-size", "500mb")).isEqualTo(500_000_000L);
        assertThat(SafetensorsWriter.parseSize("--max-shard-size", "1GiB")).isEqualTo(1L << 30);
        assertThat(SafetensorsWriter.parseSize("--max-shard-size", "1.5KB")).isEqualTo(1500L);
        assertThat(SafetensorsWriter.parseSize("--max-shard-size", "12345")).isEqualTo(12345L);
        assertThatThrownBy(() -> SafetensorsWriter.parseSize("--max-shard-size", "-1GB"))
                .hasMessage("--max-shard-size: '-1GB' is not a positive size (e.g. 2GB, 500MB, 1GiB)");
    }

    @Test
    void rejectsBadInput() {
        assertThatThrownBy(() -> pattern("q", DType.Q8_0, 32)).isInstanceOf(FangwushaException.class)
                .hasMessage("q: cannot write dtype Q8_0 to safetensors (F32, F16, BF16 only)");
        List<TensorOut> dup = List.of(pattern("a", DType.F32, 1), pattern("a", DType.F32, 2));
        assertThatThrownBy(() -> new SafetensorsWriter().writeFile(tmp.resolve("d.safetensors"), dup))
                .hasMessageContaining("duplicate or reserved tensor name 'a'");
        TensorOut failing = new TensorOut("f", DType.F32, new long[] {4}, (a, b, c) -> {
            throw new FangwushaException("boom");
        });
        assertThatThrownBy(() -> new SafetensorsWriter().writeFile(tmp.resolve("f.safetensors"), List.of(failing)))
                .hasMessage("boom");
        assertThat(tmp.toFile().list()).isEmpty(); // neither the file nor its temp remains
    }
}
