package io.fangwusha.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.weights.*;
import java.io.IOException;
import java.lang.foreign.*;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.*;
import java.util.*;

// TEMPORARY: replaced by HfCheckpoint when the weights branch lands.
final class TmpLoader {
    static Qwen3Config config(Path dir) throws IOException {
        JsonNode c = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        List<Integer> eos = new ArrayList<>();
        if (c.get("eos_token_id").isArray()) c.get("eos_token_id").forEach(n -> eos.add(n.asInt())); else eos.add(c.get("eos_token_id").asInt());
        return new Qwen3Config(c.get("vocab_size").asInt(), c.get("hidden_size").asInt(), c.get("intermediate_size").asInt(),
            c.get("num_hidden_layers").asInt(), c.get("num_attention_heads").asInt(), c.get("num_key_value_heads").asInt(),
            c.get("head_dim").asInt(), c.get("rms_norm_eps").asDouble(), c.get("rope_theta").asDouble(),
            c.get("max_position_embeddings").asInt(), c.get("tie_word_embeddings").asBoolean(), false, 151643, eos, "bfloat16");
    }
    static WeightStore store(Path dir) throws IOException {
        Map<String, Tensor> map = new HashMap<>();
        Arena arena = Arena.ofShared();
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".safetensors")).toList()) {
                MemorySegment seg;
                try (FileChannel ch = FileChannel.open(p)) { seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena); }
                long hl = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
                byte[] hb = seg.asSlice(8, hl).toArray(ValueLayout.JAVA_BYTE);
                JsonNode h = new ObjectMapper().readTree(hb);
                for (var it = h.fields(); it.hasNext();) {
                    var e = it.next();
                    if (e.getKey().equals("__metadata__")) continue;
                    JsonNode t = e.getValue();
                    long[] shape = new long[t.get("shape").size()];
                    for (int i = 0; i < shape.length; i++) shape[i] = t.get("shape").get(i).asLong();
                    long b = t.get("data_offsets").get(0).asLong(), en = t.get("data_offsets").get(1).asLong();
                    map.put(e.getKey(), new Tensor(e.getKey(), DType.fromSafetensors(t.get("dtype").asText()), shape, seg.asSlice(8 + hl + b, en - b)));
                }
            }
        }
        return new WeightStore() {
            public Tensor tensor(String n) { return Objects.requireNonNull(map.get(n), n); }
            public boolean contains(String n) { return map.containsKey(n); }
            public Set<String> names() { return map.keySet(); }
            public String source() { return dir.toString(); }
            public void close() {}
        };
    }
}
