package io.fangwusha.core.gguf;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.model.Qwen3Config;
import java.util.List;

/** Qwen3 hyper-parameters from a GGUF file's {@code qwen3.*} metadata. */
public final class GgufQwen3 {
    private GgufQwen3() {}

    static Qwen3Config config(GgufFile f) {
        GgufMetadata md = f.metadata();
        String arch = md.getString("general.architecture");
        if (!arch.equals("qwen3")) {
            throw new FangwushaException(f.path().getFileName() + ": general.architecture is '" + arch + "', expected 'qwen3'");
        }
        int hidden = md.getInt("qwen3.embedding_length");
        int heads = md.getInt("qwen3.attention.head_count");
        int vocab = md.contains("tokenizer.ggml.tokens") ? md.get("tokenizer.ggml.tokens").length()
                : (int) f.tensorInfos().get("token_embd.weight").ggmlDims()[1];
        boolean tie = !f.tensorInfos().containsKey("output.weight");
        boolean bias = f.tensorInfos().containsKey("blk.0.attn_q.bias");
        return new Qwen3Config(
                vocab,
                hidden,
                md.getInt("qwen3.feed_forward_length"),
                md.getInt("qwen3.block_count"),
                heads,
                md.getInt("qwen3.attention.head_count_kv", heads),
                md.getInt("qwen3.attention.key_length", hidden / heads),
                decimal(md, "qwen3.attention.layer_norm_rms_epsilon", 1e-6),
                decimal(md, "qwen3.rope.freq_base", 10000.0),
                md.getInt("qwen3.context_length"),
                tie,
                bias,
                md.contains("tokenizer.ggml.bos_token_id") ? md.getInt("tokenizer.ggml.bos_token_id") : -1,
                md.contains("tokenizer.ggml.eos_token_id") ? List.of(md.getInt("tokenizer.ggml.eos_token_id")) : List.of(),
                fileTypeName(md.contains("general.file_type") ? md.getLong("general.file_type") : -1));
    }

    /**
     * GGUF stores eps and theta as float32; HF's config has the decimal (1e-6). Taking the shortest decimal that
     * round-trips the float gives back exactly what config.json said (9.99999997e-7f → 1.0E-6), and the float32
     * the forward pass uses is unchanged either way.
     */
    private static double decimal(GgufMetadata md, String key, double dflt) {
        if (!md.contains(key)) return dflt;
        if (md.get(key).value() instanceof Float x) return Double.parseDouble(Float.toString(x));
        return md.getDouble(key);
    }

    /** llama.cpp's {@code general.file_type} (llama_ftype) as a dtype name, in place of HF's torch_dtype. */
    static String fileTypeName(long ftype) {
        return switch ((int) ftype) {
            case 0 -> "float32";
            case 1 -> "float16";
            case 2 -> "q4_0";
            case 7 -> "q8_0";
            case 15 -> "q4_k_m";
            case 18 -> "q6_k";
            case 32 -> "bfloat16";
            default -> "gguf-ftype-" + ftype;
        };
    }

    /** The llama_ftype code we write for an export type. */
    static int fileType(io.fangwusha.core.weights.DType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case BF16 -> 32;
            case Q4_K -> 15;
            case Q6_K -> 18;
        };
    }
}
