package io.fangwusha.core.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Minimal test-only reader of a single safetensors file (independent of the project's own loader). */
final class SafetensorsBf16 {
    private SafetensorsBf16() {}

    static Map<String, Tensor> read(Path file, Arena arena) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            long n = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            String json = new String(seg.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            JsonNode h = new ObjectMapper().readTree(json);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (var it = h.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().equals("__metadata__")) continue;
                JsonNode v = e.getValue();
                long[] shape = new long[v.get("shape").size()];
                for (int i = 0; i < shape.length; i++) shape[i] = v.get("shape").get(i).asLong();
                long a = v.get("data_offsets").get(0).asLong(), b = v.get("data_offsets").get(1).asLong();
                DType dt = DType.fromSafetensors(v.get("dtype").asText());
                out.put(e.getKey(), new Tensor(e.getKey(), dt, shape, seg.asSlice(8 + n + a, b - a)));
            }
            return out;
        }
    }

    static float bf16(Tensor t, long i) {
        short s = t.data().get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2 * i);
        return Float.intBitsToFloat(s << 16);
    }
}
