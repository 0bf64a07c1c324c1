package io.fangwusha.core.model;

import io.fangwusha.core.FangwushaException;
import java.util.Locale;

/**
 * How the KV cache stores keys and values. F32 is exact (the reference tests hold bit for bit); F16 and BF16 halve
 * the bytes that attention reads per position, at the cost of rounding each stored value once (F16: 11 significant
 * bits, range ±65504; BF16: 8 significant bits, float32's range).
 */
public enum KvCacheType {
    F32(Float.BYTES),
    F16(Short.BYTES),
    BF16(Short.BYTES);

    private final int bytes;

    KvCacheType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per stored value. */
    public int bytes() {
        return bytes;
    }

    /** The lower-case name used on the command line ({@code f32}, {@code f16}, {@code bf16}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code f32|f16|bf16}, any case. */
    public static KvCacheType parse(String s) {
        if (s != null) {
            for (KvCacheType t : values()) if (t.name().equalsIgnoreCase(s.strip())) return t;
        }
        throw new FangwushaException("--kv-type: unknown KV cache type '" + s + "' (expected f32, f16 or bf16)");
    }
}
