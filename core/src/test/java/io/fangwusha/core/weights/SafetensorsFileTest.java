package io.fangwusha.core.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.Fixtures;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
    private static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path tmp;

    static float bf16(Tensor t, long i) {
        short bits = t.data().getAtIndex(LE_SHORT, i);
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    @Test
    void readsFixtureAWithValuesMatchingIndependentDecode() {
        // Reference values decoded from the file by a separate Python reader (struct + json).
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.model("tiny-qwen3-a").resolve("model.safetensors"))) {
            assertThat(f.names()).hasSize(1 + 2 * 11 + 1);
            Tensor emb = f.tensor("model.embed_tokens.weight");
            assertThat(emb.dtype()).isEqualTo(DType.BF16);
            assertThat(emb.shape()).containsExactly(151936, 64);
            assertThat(emb.data().byteSize()).isEqualTo(151936L * 64 * 2);
            assertThat(bf16(emb, 0)).isEqualTo(0.0087890625f);
            assertThat(bf16(emb, 1)).isEqualTo(0.018310546875f);
            assertThat(bf16(emb, 151936L * 64 - 1)).isEqualTo(-0.0184326171875f);
            Tensor norm = f.tensor("model.norm.weight");
            assertThat(bf16(norm, 0)).isEqualTo(15.0625f);
            assertThat(bf16(norm, 1)).isEqualTo(15.5f);
            assertThat(bf16(norm, 63)).isEqualTo(16.25f);
            Tensor down = f.tensor("model.layers.1.mlp.down_proj.weight");
            assertThat(down.shape()).containsExactly(64, 192);
            assertThat(bf16(down, 5 * 192 + 7)).isEqualTo(0.072265625f);
            assertThat(f.dataBytes()).isEqualTo(19645184L); // total_bytes in the fixture's random_init.json
        }
    }

    @Test
    void closedFileInvalidatesTensors() {
        SafetensorsFile f = SafetensorsFile.open(Fixtures.model("tiny-qwen3-a").resolve("model.safetensors"));
        Tensor t = f.tensor("model.norm.weight");
        f.close();
        assertThatThrownBy(() -> bf16(t, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void missingFile() {
        assertThatThrownBy(() -> SafetensorsFile.open(tmp.resolve("nope.safetensors")))
                .isInstanceOf(FangwushaException.class).hasMessageContaining("nope.safetensors: file not found");
    }

    @Test
    void truncatedFile() throws IOException {
        Path p = tmp.resolve("model.safetensors");
        Files.copy(Fixtures.model("tiny-qwen3-a").resolve("model.safetensors"), p);
        long size = Files.size(p);
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(size - 1000);
        }
        assertThatThrownBy(() -> SafetensorsFile.open(p)).isInstanceOf(FangwushaException.class)
                // the last tensor in file order; its offsets as the fixture's header states them
                .hasMessage("model.safetensors: tensor 'model.layers.1.self_attn.v_proj.weight' data [19640960, 19645056)"
                        + " exceeds the " + (19645184 - 1000) + " data bytes after the header (file truncated?)");
    }

    @Test
    void headerLengthBeyondFile() throws IOException {
        Path p = tmp.resolve("x.safetensors");
        Files.write(p, file(1000, "{}", 0));
        assertThatThrownBy(() -> SafetensorsFile.open(p)).isInstanceOf(FangwushaException.class)
                .hasMessage("x.safetensors: header length 1000 exceeds file size 10");
    }

    @Test
    void absurdHeaderLength() throws IOException {
        Path p = tmp.resolve("x.safetensors");
        Files.write(p, file(1L << 40, "{}", 0));
        assertThatThrownBy(() -> SafetensorsFile.open(p)).isInstanceOf(FangwushaException.class)
                .hasMessageContaining("header length 1099511627776 is not plausible");
        Files.write(p, new byte[5]);
        assertThatThrownBy(() -> SafetensorsFile.open(p)).hasMessageContaining("too short");
    }

    @Test
    void shapeDisagreesWithOffsets() throws IOException {
        Path p = write("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,8]}}", 8);
        assertThatThrownBy(() -> SafetensorsFile.open(p)).isInstanceOf(FangwushaException.class)
                .hasMessage("x.safetensors: tensor 'w': F32 [2, 2] needs 16 bytes but data_offsets [0, 8] hold 8");
    }

    @Test
    void offsetsBeyondData() throws IOException {
        Path p = write("{\"w\":{\"dtype\":\"BF16\",\"shape\":[8],\"data_offsets\":[0,16]}}", 10);
        assertThatThrownBy(() -> SafetensorsFile.open(p)).isInstanceOf(FangwushaException.class)
                .hasMessage("x.safetensors: tensor 'w' data [0, 16) exceeds the 10 data bytes after the header"
                        + " (file truncated?)");
    }

    @Test
    void overlappingOffsets() throws IOException {
        Path p = write("{\"a\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[4,12]}}", 12);
        assertThatThrownBy(() -> SafetensorsFile.open(p)).isInstanceOf(FangwushaException.class)
                .hasMessage("x.safetensors: tensor 'b' data [4, 12) overlaps tensor 'a' data [0, 8)");
    }

    @Test
    void negativeOrReversedOffsets() throws IOException {
        Path p = write("{\"a\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[-8,0]}}", 8);
        assertThatThrownBy(() -> SafetensorsFile.open(p)).isInstanceOf(FangwushaException.class)
                .hasMessageContaining("tensor 'a': 'data_offsets' must hold non-negative integers");
        Path q = write("{\"a\":{\"dtype\":\"F16\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8);
        assertThatThrownBy(() -> SafetensorsFile.open(q)).hasMessageContaining("end before begin");
    }

    @Test
    void gapAndTrailingBytes() throws IOException {
        Path p = write("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[4,8]}}", 8);
        assertThatThrownBy(() -> SafetensorsFile.open(p)).hasMessageContaining("leaves a gap after byte 0");
        Path q = write("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 8);
        assertThatThrownBy(() -> SafetensorsFile.open(q)).hasMessageContaining("4 bytes after the last tensor");
    }

    @Test
    void unsupportedDtypesAreNamed() throws IOException {
        for (String dt : new String[] {"I8", "F8_E4M3", "F64", "WHATEVER"}) {
            Path p = write("{\"w\":{\"dtype\":\"" + dt + "\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4);
            assertThatThrownBy(() -> SafetensorsFile.open(p)).isInstanceOf(FangwushaException.class)
                    .hasMessage("x.safetensors: tensor 'w': unsupported dtype " + dt + " (only F32, F16, BF16)");
        }
    }

    @Test
    void malformedJsonHeader() throws IOException {
        Path p = write("{\"w\":{\"dtype\":\"F32\",\"shape\":[1] \"data_offsets\":[0,4]}}", 4);
        assertThatThrownBy(() -> SafetensorsFile.open(p)).isInstanceOf(FangwushaException.class)
                .hasMessageStartingWith("x.safetensors: malformed JSON header at byte ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        Path q = write("[1,2]", 0);
        assertThatThrownBy(() -> SafetensorsFile.open(q)).hasMessage("x.safetensors: JSON header is not an object");
        Path r = write("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
        assertThatThrownBy(() -> SafetensorsFile.open(r)).hasMessageContaining("malformed JSON header")
                .hasMessageContaining("Duplicate field 'w'");
    }

    @Test
    void metadataIgnoredAndUnalignedSlicesReadable() throws IOException {
        // Header of odd length: the tensor data starts at an odd file offset.
        String h = "{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]}}";
        assertThat(h.length() % 2).isEqualTo(1);
        ByteBuffer data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2.25f);
        Path p = tmp.resolve("x.safetensors");
        Files.write(p, file(h.length(), h, 0, data.array()));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertThat(f.names()).containsExactly("w");
            Tensor w = f.tensor("w");
            assertThat(w.rows()).isEqualTo(1);
            assertThat(w.cols()).isEqualTo(2);
            ValueLayout.OfFloat le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            assertThat(w.data().getAtIndex(le, 0)).isEqualTo(1.5f);
            assertThat(w.data().getAtIndex(le, 1)).isEqualTo(-2.25f);
        }
    }

    private Path write(String json, int dataBytes) throws IOException {
        Path p = tmp.resolve("x.safetensors");
        Files.write(p, file(json.getBytes(StandardCharsets.UTF_8).length, json, dataBytes));
        return p;
    }

    static byte[] file(long headerLen, String json, int dataBytes) {
        return file(headerLen, json, dataBytes, new byte[0]);
    }

    static byte[] file(long headerLen, String json, int zeros, byte[] data) {
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + j.length + zeros + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLen).put(j).put(new byte[zeros]).put(data);
        return b.array();
    }
}
