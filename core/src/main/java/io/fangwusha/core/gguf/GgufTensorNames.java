package io.fangwusha.core.gguf;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** llama.cpp tensor names ↔ Hugging Face Qwen3 names (llama.cpp's tensor map for the qwen3 architecture). */
public final class GgufTensorNames {
    private GgufTensorNames() {}

    private static final Map<String, String> GLOBAL = Map.of(
            "token_embd.weight", "model.embed_tokens.weight",
            "output_norm.weight", "model.norm.weight",
            "output.weight", "lm_head.weight");

    /** Per-block suffixes: GGUF {@code blk.N.<k>} ↔ HF {@code model.layers.N.<v>}. */
    private static final Map<String, String> BLOCK = Map.ofEntries(
            Map.entry("attn_q", "self_attn.q_proj"),
            Map.entry("attn_k", "self_attn.k_proj"),
            Map.entry("attn_v", "self_attn.v_proj"),
            Map.entry("attn_output", "self_attn.o_proj"),
            Map.entry("attn_q_norm", "self_attn.q_norm"),
            Map.entry("attn_k_norm", "self_attn.k_norm"),
            Map.entry("attn_norm", "input_layernorm"),
            Map.entry("ffn_norm", "post_attention_layernorm"),
            Map.entry("ffn_gate", "mlp.gate_proj"),
            Map.entry("ffn_up", "mlp.up_proj"),
            Map.entry("ffn_down", "mlp.down_proj"));

    private static final Pattern GGUF_BLOCK = Pattern.compile("blk\\.(\\d+)\\.([a-z_]+)\\.(weight|bias)");
    private static final Pattern HF_BLOCK = Pattern.compile("model\\.layers\\.(\\d+)\\.([a-z_.]+)\\.(weight|bias)");

    /** The HF name of a GGUF tensor name, or null if unknown. */
    public static String toHf(String gguf) {
        String g = GLOBAL.get(gguf);
        if (g != null) return g;
        Matcher m = GGUF_BLOCK.matcher(gguf);
        if (!m.matches()) return null;
        String hf = BLOCK.get(m.group(2));
        return hf == null ? null : "model.layers." + m.group(1) + "." + hf + "." + m.group(3);
    }

    /** The GGUF name of an HF tensor name, or null if unknown. */
    public static String toGguf(String hf) {
        for (var e : GLOBAL.entrySet()) if (e.getValue().equals(hf)) return e.getKey();
        Matcher m = HF_BLOCK.matcher(hf);
        if (!m.matches()) return null;
        for (var e : BLOCK.entrySet()) {
            if (e.getValue().equals(m.group(2))) return "blk." + m.group(1) + "." + e.getKey() + "." + m.group(3);
        }
        return null;
    }
}
