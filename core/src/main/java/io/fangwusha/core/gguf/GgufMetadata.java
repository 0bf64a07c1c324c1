package io.fangwusha.core.gguf;

import io.fangwusha.core.FangwushaException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The key/value metadata of a GGUF file, in file order, with typed getters whose errors name the file and key. */
public final class GgufMetadata {
    private final String source;
    private final Map<String, GgufValue> entries;

    public GgufMetadata(String source, Map<String, GgufValue> entries) {
        this.source = source;
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    public Map<String, GgufValue> entries() {
        return entries;
    }

    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    public GgufValue get(String key) {
        GgufValue v = entries.get(key);
        if (v == null) throw new FangwushaException(source + ": metadata key '" + key + "' is missing");
        return v;
    }

    public String getString(String key) {
        if (get(key).value() instanceof String s) return s;
        throw wrongType(key, "a string");
    }

    public String getString(String key, String dflt) {
        return contains(key) ? getString(key) : dflt;
    }

    /** Any integer type, as a long. */
    public long getLong(String key) {
        Object v = get(key).value();
        if (v instanceof Integer i) return i;
        if (v instanceof Long l) return l;
        throw wrongType(key, "an integer");
    }

    /** Any integer type that fits a non-negative int. */
    public int getInt(String key) {
        long v = getLong(key);
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new FangwushaException(source + ": metadata '" + key + "' = " + v + " is out of range");
        }
        return (int) v;
    }

    public int getInt(String key, int dflt) {
        return contains(key) ? getInt(key) : dflt;
    }

    /** FLOAT32 or FLOAT64 (integers accepted too). */
    public double getDouble(String key) {
        Object v = get(key).value();
        if (v instanceof Float f) return f;
        if (v instanceof Double d) return d;
        if (v instanceof Integer || v instanceof Long) return ((Number) v).doubleValue();
        throw wrongType(key, "a number");
    }

    public boolean getBool(String key, boolean dflt) {
        if (!contains(key)) return dflt;
        if (get(key).value() instanceof Boolean b) return b;
        throw wrongType(key, "a bool");
    }

    public String[] getStrings(String key) {
        if (get(key).value() instanceof String[] a) return a;
        throw wrongType(key, "an array of strings");
    }

    /** Any array of integers that fit an int. */
    public int[] getInts(String key) {
        Object v = get(key).value();
        if (v instanceof int[] a) return a;
        if (v instanceof long[] a) {
            int[] r = new int[a.length];
            for (int i = 0; i < a.length; i++) {
                if (a[i] < Integer.MIN_VALUE || a[i] > Integer.MAX_VALUE) throw wrongType(key, "an array of int32");
                r[i] = (int) a[i];
            }
            return r;
        }
        throw wrongType(key, "an array of integers");
    }

    private FangwushaException wrongType(String key, String expected) {
        return new FangwushaException(source + ": metadata '" + key + "' is " + get(key) + ", expected " + expected);
    }
}
