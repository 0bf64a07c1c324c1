package io.fangwusha.core.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.Fixtures;
import io.fangwusha.core.kernels.MatrixWeights;
import io.fangwusha.core.kernels.quant.QuantizedWeights;
import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import io.fangwusha.core.weights.WeightStore;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufWriterTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsEveryValueTypeAndTensorBytes() throws Exception {
        Random rnd = new Random(1);
        byte[] q8 = new byte[3 * 2 * 34];
        rnd.nextBytes(q8);
        byte[] f32 = new byte[4 * 5];
        rnd.nextBytes(f32);
        GgufWriter w = new GgufWriter().alignment(64)
                .put("u8", new GgufValue(GgufValueType.UINT8, null, 200))
                .put("i8", new GgufValue(GgufValueType.INT8, null, -5))
                .put("u16", new GgufValue(GgufValueType.UINT16, null, 65000))
                .put("i16", new GgufValue(GgufValueType.INT16, null, -300))
                .put("u32", GgufValue.uint32(4_000_000_000L))
                .put("i32", GgufValue.int32(-7))
                .put("f32", GgufValue.float32(1.5e-6f))
                .put("bool", GgufValue.bool(true))
                .put("str", GgufValue.string("汉字 ok"))
                .put("u64", new GgufValue(GgufValueType.UINT64, null, 1L << 40))
                .put("i64", new GgufValue(GgufValueType.INT64, null, -(1L << 40)))
                .put("f64", new GgufValue(GgufValueType.FLOAT64, null, Math.PI))
                .put("strs", GgufValue.strings(List.of("a", "", "Ġb")))
                .put("i32s", GgufValue.int32s(new int[] {1, -2, 3}))
                .put("f32s", new GgufValue(GgufValueType.ARRAY, GgufValueType.FLOAT32, new float[] {1f, -2f}))
                .put("bools", new GgufValue(GgufValueType.ARRAY, GgufValueType.BOOL, new boolean[] {true, false}))
                .put("u8s", new GgufValue(GgufValueType.ARRAY, GgufValueType.UINT8, new int[] {0, 255}))
                .put("nested", new GgufValue(GgufValueType.ARRAY, GgufValueType.ARRAY,
                        List.of(GgufValue.int32s(new int[] {4}), GgufValue.int32s(new int[] {5, 6}))))
                .addTensor("blk.0.attn_q.weight", DType.Q8_0, new long[] {3, 64}, MemorySegment.ofArray(q8))
                .addTensor("output_norm.weight", DType.F32, new long[] {5}, MemorySegment.ofArray(f32));
        Path out = dir.resolve("t.gguf");
        w.write(out);
        assertThat(Files.list(dir).toList()).containsExactly(out); // no temp file left behind
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(out)))
                .isEqualTo("rw-r--r--"); // not the temp file's owner-only mode
        try (GgufFile f = GgufFile.open(out)) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.alignment()).isEqualTo(64);
            assertThat(f.dataOffset() % 64).isZero();
            var md = f.metadata();
            assertThat(md.get("u8")).isEqualTo(new GgufValue(GgufValueType.UINT8, null, 200));
            assertThat(md.get("i8")).isEqualTo(new GgufValue(GgufValueType.INT8, null, -5));
            assertThat(md.get("u16")).isEqualTo(new GgufValue(GgufValueType.UINT16, null, 65000));
            assertThat(md.get("i16")).isEqualTo(new GgufValue(GgufValueType.INT16, null, -300));
            assertThat(md.getLong("u32")).isEqualTo(4_000_000_000L);
            assertThat(md.get("i32").value()).isEqualTo(-7);
            assertThat(md.get("f32").value()).isEqualTo(1.5e-6f);
            assertThat(md.getBool("bool", false)).isTrue();
            assertThat(md.getString("str")).isEqualTo("汉字 ok");
            assertThat(md.getLong("u64")).isEqualTo(1L << 40);
            assertThat(md.getLong("i64")).isEqualTo(-(1L << 40));
            assertThat(md.getDouble("f64")).isEqualTo(Math.PI);
            assertThat(md.getStrings("strs")).containsExactly("a", "", "Ġb");
            assertThat(md.getInts("i32s")).containsExactly(1, -2, 3);
            assertThat((float[]) md.get("f32s").value()).containsExactly(1f, -2f);
            assertThat((boolean[]) md.get("bools").value()).containsExactly(true, false);
            assertThat(md.getInts("u8s")).containsExactly(0, 255);
            assertThat(md.get("nested")).isEqualTo(new GgufValue(GgufValueType.ARRAY, GgufValueType.ARRAY,
                    List.of(GgufValue.int32s(new int[] {4}), GgufValue.int32s(new int[] {5, 6}))));
            Tensor q = f.tensor("blk.0.attn_q.weight");
            assertThat(q.dtype()).isEqualTo(DType.Q8_0);
            assertThat(q.shape()).containsExactly(3, 64);
            assertThat(f.tensorInfos().get("blk.0.attn_q.weight").ggmlDims()).containsExactly(64, 3);
            assertThat(q.data().mismatch(MemorySegment.ofArray(q8))).isEqualTo(-1);
            assertThat(f.tensor("output_norm.weight").data().mismatch(MemorySegment.ofArray(f32))).isEqualTo(-1);
            WeightStore s = f.weights();
            assertThat(s.names()).containsExactlyInAnyOrder("model.layers.0.self_attn.q_proj.weight", "model.norm.weight");
        }
    }

    /**
     * Our exporter, given the BF16 originals and the tokenizer parts, writes the same metadata and the same Q8_0
     * bytes as llama.cpp's convert + llama-quantize did for the fixture.
     */
    @Test
    void exportFromBf16MatchesLlamaCppQ8_0File() throws Exception {
        Path out = dir.resolve("a-q8_0.gguf");
        try (Arena arena = Arena.ofShared(); GgufFile ref = GgufFile.open(GgufFixtureTest.GGUF)) {
            WeightStore bf16 = store(SafetensorsBf16.read(GgufFixtureTest.HF.resolve("model.safetensors"), arena));
            GgufExporter.export(bf16, ref.qwen3Config(), ref.vocab(), DType.Q8_0,
                    ref.metadata().getString("general.name"), out);
            try (GgufFile ours = GgufFile.open(out)) {
                assertThat(ours.metadata().entries().keySet())
                        .containsExactlyElementsOf(ref.metadata().entries().keySet());
                for (var e : ref.metadata().entries().entrySet()) {
                    assertThat(ours.metadata().get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
                }
                assertThat(ours.tensorInfos().keySet()).containsExactlyElementsOf(ref.tensorInfos().keySet()); // llama-quantize order
                for (String n : ref.tensorInfos().keySet()) {
                    Tensor a = ours.tensor(n), b = ref.tensor(n);
                    assertThat(a.dtype()).as(n).isEqualTo(b.dtype());
                    assertThat(a.shape()).as(n).containsExactly(b.shape());
                    assertThat(a.data().mismatch(b.data())).as(n).isEqualTo(-1);
                }
            }
        }
    }

    @Test
    void exportQ4_0QuantizesAllMatrices() throws Exception {
        Path out = dir.resolve("a-q4_0.gguf");
        try (Arena arena = Arena.ofShared(); GgufFile ref = GgufFile.open(GgufFixtureTest.GGUF)) {
            Map<String, Tensor> orig = SafetensorsBf16.read(GgufFixtureTest.HF.resolve("model.safetensors"), arena);
            GgufExporter.export(store(orig), ref.qwen3Config(), ref.vocab(), DType.Q4_0, "a", out);
            try (GgufFile f = GgufFile.open(out)) {
                assertThat(f.metadata().getLong("general.file_type")).isEqualTo(2);
                assertThat(f.qwen3Config().torchDtype()).isEqualTo("q4_0");
                assertThat(f.qwen3Config().hiddenSize()).isEqualTo(ref.qwen3Config().hiddenSize());
                WeightStore s = f.weights();
                for (Tensor o : orig.values()) {
                    Tensor t = s.tensor(o.name());
                    assertThat(t.dtype()).as(o.name()).isEqualTo(o.shape().length == 1 ? DType.F32 : DType.Q4_0);
                    if (t.dtype() != DType.Q4_0) continue;
                    // Q4_0 step is |d| = amax/8; rounding costs half a step, but q = 16 is clamped to 15, so values of the
                    // opposite sign near amax lose up to one full step (plus fp16 rounding of d)
                    MatrixWeights w = QuantizedWeights.of(t);
                    float[] row = new float[w.cols()];
                    for (int r = 0; r < w.rows(); r += 61) {
                        w.readRow(r, row, 0);
                        for (int c = 0; c < row.length; c += 32) {
                            float amax = 0;
                            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(SafetensorsBf16.bf16(o, (long) r * row.length + c + j)));
                            for (int j = 0; j < 32; j++) {
                                float x = SafetensorsBf16.bf16(o, (long) r * row.length + c + j);
                                assertThat(Math.abs(row[c + j] - x)).isLessThanOrEqualTo(amax / 8 * 1.01f + 1e-9f);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void rejectsBadFiles() throws Exception {
        Path bad = dir.resolve("bad.gguf");
        Files.write(bad, new byte[] {'G', 'G', 'U', 'X', 3, 0, 0, 0});
        assertThatThrownBy(() -> GgufFile.open(bad)).isInstanceOf(FangwushaException.class)
                .hasMessageStartingWith("bad.gguf: not a GGUF file");

        Path ok = dir.resolve("one.gguf");
        new GgufWriter().addTensor("t", DType.F32, new long[] {2, 4}, MemorySegment.ofArray(new byte[32])).write(ok);
        byte[] b = Files.readAllBytes(ok);
        // header 24, name 8+1, n_dims 4, dims 16 → type at 53
        b[53] = 99;
        Path unk = dir.resolve("unk.gguf");
        Files.write(unk, b);
        assertThatThrownBy(() -> GgufFile.open(unk)).isInstanceOf(FangwushaException.class)
                .hasMessage("unk.gguf: tensor 't' has unsupported ggml type 99 (unknown)");

        Path trunc = dir.resolve("trunc.gguf");
        Files.write(trunc, java.util.Arrays.copyOf(Files.readAllBytes(ok), 80));
        assertThatThrownBy(() -> GgufFile.open(trunc)).isInstanceOf(FangwushaException.class)
                .hasMessageContaining("tensor 't' data [").hasMessageContaining("exceeds file size 80");

        byte[] v = Files.readAllBytes(ok);
        v[4] = 1;
        Path v1 = dir.resolve("v1.gguf");
        Files.write(v1, v);
        assertThatThrownBy(() -> GgufFile.open(v1)).hasMessage("v1.gguf: GGUF version 1 is not supported (2 and 3 are)");
    }

    static WeightStore store(Map<String, Tensor> tensors) {
        return new WeightStore() {
            public Tensor tensor(String name) {
                Tensor t = tensors.get(name);
                if (t == null) throw new FangwushaException("no tensor " + name);
                return t;
            }

            public boolean contains(String name) {
                return tensors.containsKey(name);
            }

            public Set<String> names() {
                return tensors.keySet();
            }

            public String source() {
                return "test";
            }

            public void close() {}
        };
    }
}
