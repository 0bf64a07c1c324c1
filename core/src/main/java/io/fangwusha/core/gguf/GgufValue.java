package io.fangwusha.core.gguf;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One metadata value with its declared GGUF type (kept so that a file can be written back with the same types).
 *
 * <p>Java representation of {@code value}: UINT8, INT8, UINT16, INT16, INT32 → {@link Integer}; UINT32, UINT64,
 * INT64 → {@link Long} (UINT64 above 2^63 wraps, as Java has no unsigned long); FLOAT32 → {@link Float}; FLOAT64 →
 * {@link Double}; BOOL → {@link Boolean}; STRING → {@link String}. ARRAY ({@code elementType} set): {@code int[]} for
 * the 8/16-bit types and INT32, {@code long[]} for UINT32/UINT64/INT64, {@code float[]}, {@code double[]},
 * {@code boolean[]}, {@code String[]}, and {@code List<GgufValue>} for arrays of arrays.
 *
 * <p>A large array of strings or numbers read from a file (a vocabulary, its merges) stays in the file's mapping
 * until asked for: {@link #value()} then parses it into a fresh array on each call, and fails once the file is
 * closed. Such a value costs no heap while a model runs.
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {

    public GgufValue {
        Objects.requireNonNull(type);
        Objects.requireNonNull(value);
        if ((type == GgufValueType.ARRAY) != (elementType != null)) {
            throw new IllegalArgumentException("elementType is set exactly for arrays");
        }
    }

    public static GgufValue string(String s) {
        return new GgufValue(GgufValueType.STRING, null, s);
    }

    public static GgufValue uint32(long v) {
        if (v < 0 || v > 0xFFFF_FFFFL) throw new IllegalArgumentException("uint32 out of range: " + v);
        return new GgufValue(GgufValueType.UINT32, null, v);
    }

    public static GgufValue int32(int v) {
        return new GgufValue(GgufValueType.INT32, null, v);
    }

    public static GgufValue float32(float v) {
        return new GgufValue(GgufValueType.FLOAT32, null, v);
    }

    public static GgufValue bool(boolean v) {
        return new GgufValue(GgufValueType.BOOL, null, v);
    }

    public static GgufValue strings(List<String> v) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.STRING, v.toArray(String[]::new));
    }

    public static GgufValue int32s(int[] v) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.INT32, v.clone());
    }

    /** The value as the class comment describes it; an array left in a file is parsed into a new array. */
    @Override
    public Object value() {
        return value instanceof MappedArray m ? m.read() : value;
    }

    /** Number of elements of an array value. */
    public int length() {
        return switch (value) {
            case MappedArray a -> a.length();
            case int[] a -> a.length;
            case long[] a -> a.length;
            case float[] a -> a.length;
            case double[] a -> a.length;
            case boolean[] a -> a.length;
            case String[] a -> a.length;
            case List<?> a -> a.size();
            default -> throw new IllegalStateException(type + " is not an array");
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufValue v && type == v.type && elementType == v.elementType
                && Objects.deepEquals(value(), v.value());
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, elementType, Arrays.deepHashCode(new Object[] {value()}));
    }

    @Override
    public String toString() {
        if (type != GgufValueType.ARRAY) return type + " " + value;
        return "ARRAY<" + elementType + ">[" + length() + "]";
    }
}
