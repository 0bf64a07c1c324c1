package io.fangwusha.core.gguf;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.tokenizer.Utf8;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Little-endian cursor over the mapped header of a GGUF file; every read is bounds-checked against the file. */
final class GgufParser {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    /** Arrays nested deeper than this are rejected (the spec allows nesting; real files never go past 1). */
    private static final int MAX_DEPTH = 8;

    private final MemorySegment seg;
    private final String file;
    long pos;
    /** Holds a string's bytes while they are checked. */
    private byte[] buf = new byte[256];

    GgufParser(MemorySegment seg, String file) {
        this.seg = seg;
        this.file = file;
    }

    private void need(long n, String what) {
        if (n < 0 || pos + n > seg.byteSize()) {
            throw new FangwushaException(file + ": truncated: " + what + " at offset " + pos + " needs " + n
                    + " bytes, file has " + seg.byteSize());
        }
    }

    int u8(String what) {
        need(1, what);
        return seg.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF;
    }

    int i32(String what) {
        need(4, what);
        int v = seg.get(I32, pos);
        pos += 4;
        return v;
    }

    long u32(String what) {
        return i32(what) & 0xFFFF_FFFFL;
    }

    long i64(String what) {
        need(8, what);
        long v = seg.get(I64, pos);
        pos += 8;
        return v;
    }

    String string(String what) {
        int n = checkedString(what);
        return new String(buf, 0, n, StandardCharsets.UTF_8);
    }

    /** Reads a string's bytes into {@code buf} and checks that they are UTF-8; returns their number. */
    private int checkedString(String what) {
        long n = i64(what + " length");
        need(n, what);
        if (n > Integer.MAX_VALUE - 8) throw new FangwushaException(file + ": " + what + " at offset " + pos + " is too long");
        if (n > buf.length) buf = new byte[(int) Math.max(n, 2L * buf.length)];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, buf, 0, (int) n);
        pos += n;
        if (!Utf8.isWellFormed(buf, 0, (int) n)) {
            throw new FangwushaException(file + ": " + what + " at offset " + (pos - n) + " is not valid UTF-8");
        }
        return (int) n;
    }

    GgufValueType type(String what) {
        long code = u32(what + " type");
        GgufValueType t = GgufValueType.fromCode(code);
        if (t == null) throw new FangwushaException(file + ": " + what + " has unknown value type " + code);
        return t;
    }

    GgufValue value(GgufValueType t, String key, int depth) {
        return switch (t) {
            case ARRAY -> {
                if (depth >= MAX_DEPTH) throw new FangwushaException(file + ": metadata '" + key + "' nests arrays too deeply");
                GgufValueType et = type("metadata '" + key + "' element");
                long n = i64("metadata '" + key + "' array length");
                // every element takes at least one byte: a count beyond the bytes left is corrupt, not just big
                if (n < 0 || n > seg.byteSize() - pos || n > Integer.MAX_VALUE - 8) {
                    throw new FangwushaException(file + ": metadata '" + key + "' array length " + n + " is impossible");
                }
                MappedArray mapped = mapped(et, (int) n, key);
                yield new GgufValue(GgufValueType.ARRAY, et, mapped != null ? mapped : array(et, (int) n, key, depth));
            }
            case STRING -> GgufValue.string(string("metadata '" + key + "'"));
            default -> new GgufValue(t, null, scalar(t, key));
        };
    }

    private Object scalar(GgufValueType t, String key) {
        String what = "metadata '" + key + "'";
        return switch (t) {
            case UINT8 -> u8(what);
            case INT8 -> (int) (byte) u8(what);
            case UINT16 -> { need(2, what); int v = seg.get(I16, pos) & 0xFFFF; pos += 2; yield v; }
            case INT16 -> { need(2, what); int v = seg.get(I16, pos); pos += 2; yield v; }
            case UINT32 -> u32(what);
            case INT32 -> i32(what);
            case UINT64, INT64 -> i64(what);
            case FLOAT32 -> { need(4, what); float v = seg.get(F32, pos); pos += 4; yield v; }
            case FLOAT64 -> { need(8, what); double v = seg.get(F64, pos); pos += 8; yield v; }
            case BOOL -> {
                int b = u8(what);
                if (b > 1) throw new FangwushaException(file + ": " + what + " bool has value " + b);
                yield b == 1;
            }
            default -> throw new IllegalStateException(t.name());
        };
    }

    /**
     * A large array of strings or numbers, checked as the parse would and passed over, left in the file; null (with
     * the position unchanged) for a small one, a bool or nested array, or a truncated one (whose parse then reports
     * where the file ends, as always).
     */
    private MappedArray mapped(GgufValueType et, int n, String key) {
        long start = pos;
        if (et == GgufValueType.STRING) {
            for (int i = 0; i < n; i++) checkedString("metadata '" + key + "'[" + i + "]");
        } else if (et.size > 0 && et != GgufValueType.BOOL && (long) n * et.size <= seg.byteSize() - pos) {
            pos += (long) n * et.size;
        }
        if (pos - start >= MappedArray.MIN_BYTES) return new MappedArray(seg, file, key, et, start, n);
        pos = start;
        return null;
    }

    /** The elements of an array of strings or numbers starting at {@link #pos}, as {@link GgufValue} holds them. */
    Object elements(GgufValueType et, int n, String key) {
        return array(et, n, key, 0);
    }

    private Object array(GgufValueType et, int n, String key, int depth) {
        switch (et) {
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) a[i] = string("metadata '" + key + "'[" + i + "]");
                return a;
            }
            case ARRAY -> {
                List<GgufValue> a = new ArrayList<>(n);
                for (int i = 0; i < n; i++) a.add(value(GgufValueType.ARRAY, key + "[" + i + "]", depth + 1));
                return a;
            }
            case UINT8, INT8, UINT16, INT16, INT32 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) a[i] = (Integer) scalar(et, key);
                return a;
            }
            case UINT32, UINT64, INT64 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) a[i] = (Long) scalar(et, key);
                return a;
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) a[i] = (Float) scalar(et, key);
                return a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) a[i] = (Double) scalar(et, key);
                return a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) a[i] = (Boolean) scalar(et, key);
                return a;
            }
            default -> throw new IllegalStateException(et.name());
        }
    }
}
