package io.fangwusha.core.gguf;

/** GGUF metadata value types with their on-disk codes (GGUF spec, v2 and v3). */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4), BOOL(7, 1),
    STRING(8, -1), ARRAY(9, -1), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    public final int code;
    /** Bytes of one value, or -1 when variable (string, array). */
    public final int size;

    GgufValueType(int code, int size) {
        this.code = code;
        this.size = size;
    }

    /** The type with this code, or null. */
    public static GgufValueType fromCode(long code) {
        for (GgufValueType t : values()) if (t.code == code) return t;
        return null;
    }
}
