package io.fangwusha.core.weights;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.FangwushaException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated JSON header of a safetensors file: per tensor its dtype, shape and byte range relative to
 * the start of the data section (which follows the 8-byte length and the header itself). Validation follows the
 * reference implementation: sizes must match shape × dtype, and the ranges must tile the data section exactly (no
 * overlap, no gap, nothing after the last tensor).
 */
public record SafetensorsHeader(List<Entry> entries) {

    /** Same limit as the reference implementation (100 MB); anything larger is corruption, not a header. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** One tensor: {@code begin}/{@code end} are offsets into the data section. */
    public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
        public long bytes() {
            return end - begin;
        }
    }

    /**
     * Parses {@code json} (the header bytes) of file {@code file} whose data section has {@code dataSize} bytes.
     * Entries come back sorted by their offset.
     */
    public static SafetensorsHeader parse(String file, byte[] json, long dataSize) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? "" : " at byte " + e.getLocation().getByteOffset();
            throw new FangwushaException(file + ": malformed JSON header" + where + ": " + firstLine(e.getOriginalMessage()));
        } catch (java.io.IOException e) {
            throw new FangwushaException(file + ": cannot read JSON header: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new FangwushaException(file + ": JSON header is not an object");
        }
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> f : root.properties()) {
            if (f.getKey().equals("__metadata__")) continue; // free-form string map; nothing we need
            entries.add(entry(file, f.getKey(), f.getValue()));
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        for (Entry e : entries) {
            if (e.begin < expected) {
                throw new FangwushaException(file + ": tensor '" + e.name + "' data " + range(e) + " overlaps tensor '"
                        + previous.name + "' data " + range(previous));
            }
            if (e.begin > expected) {
                throw new FangwushaException(file + ": tensor '" + e.name + "' data " + range(e)
                        + " leaves a gap after byte " + expected + " of the data section");
            }
            if (e.end > dataSize) {
                throw new FangwushaException(file + ": tensor '" + e.name + "' data " + range(e) + " exceeds the "
                        + dataSize + " data bytes after the header (file truncated?)");
            }
            expected = e.end;
            previous = e;
        }
        if (expected != dataSize) {
            throw new FangwushaException(file + ": " + (dataSize - expected)
                    + " bytes after the last tensor's data (header offsets end at " + expected + ")");
        }
        return new SafetensorsHeader(List.copyOf(entries));
    }

    private static Entry entry(String file, String name, JsonNode node) {
        String where = file + ": tensor '" + name + "'";
        if (!node.isObject()) throw new FangwushaException(where + ": header entry is not an object");
        JsonNode dt = node.get("dtype");
        if (dt == null || !dt.isTextual()) throw new FangwushaException(where + ": missing string 'dtype'");
        DType dtype = DType.fromSafetensors(dt.asText());
        if (dtype == null) {
            throw new FangwushaException(where + ": unsupported dtype " + dt.asText() + " (only F32, F16, BF16)");
        }
        long[] shape = longs(where, "shape", node.get("shape"), -1);
        long[] offsets = longs(where, "data_offsets", node.get("data_offsets"), 2);
        long begin = offsets[0], end = offsets[1];
        if (end < begin) {
            throw new FangwushaException(where + ": data_offsets [" + begin + ", " + end + "] end before begin");
        }
        long elements = 1;
        try {
            for (long d : shape) elements = Math.multiplyExact(elements, d);
            long bytes = Math.multiplyExact(elements, (long) dtype.blockBytes);
            if (bytes != end - begin) {
                throw new FangwushaException(where + ": " + dtype + " " + Arrays.toString(shape) + " needs " + bytes
                        + " bytes but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
            }
        } catch (ArithmeticException overflow) {
            throw new FangwushaException(where + ": shape " + Arrays.toString(shape) + " is too large");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long[] longs(String where, String field, JsonNode node, int requiredLength) {
        if (node == null || !node.isArray()) throw new FangwushaException(where + ": missing array '" + field + "'");
        if (requiredLength >= 0 && node.size() != requiredLength) {
            throw new FangwushaException(where + ": '" + field + "' must have " + requiredLength + " entries, has "
                    + node.size());
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
                throw new FangwushaException(where + ": '" + field + "' must hold non-negative integers, got " + node);
            }
            out[i] = v.asLong();
        }
        return out;
    }

    private static String range(Entry e) {
        return "[" + e.begin + ", " + e.end + ")";
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
