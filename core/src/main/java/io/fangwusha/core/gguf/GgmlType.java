package io.fangwusha.core.gguf;

import io.fangwusha.core.weights.DType;

/** ggml tensor type codes (ggml.h {@code enum ggml_type}) of the types we read and write. */
public final class GgmlType {
    private GgmlType() {}

    public static final int F32 = 0, F16 = 1, Q4_0 = 2, Q8_0 = 8, Q4_K = 12, Q6_K = 14, BF16 = 30;

    /** Our dtype for a ggml code, or null when we do not support it. */
    public static DType toDType(long code) {
        return switch ((int) code) {
            case F32 -> DType.F32;
            case F16 -> DType.F16;
            case Q4_0 -> DType.Q4_0;
            case Q8_0 -> DType.Q8_0;
            case Q4_K -> DType.Q4_K;
            case Q6_K -> DType.Q6_K;
            case BF16 -> DType.BF16;
            default -> null;
        };
    }

    public static int code(DType t) {
        return switch (t) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            case Q8_0 -> Q8_0;
            case Q4_0 -> Q4_0;
            case Q4_K -> Q4_K;
            case Q6_K -> Q6_K;
        };
    }

    /** Names of the other ggml types, so that an unsupported-type message can say what the file holds. */
    public static String name(long code) {
        String[] names = {"F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K",
            "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS",
            "I8", "I16", "I32", "I64", "F64", "IQ1_M", "BF16"};
        return code >= 0 && code < names.length ? names[(int) code] : "unknown";
    }
}
