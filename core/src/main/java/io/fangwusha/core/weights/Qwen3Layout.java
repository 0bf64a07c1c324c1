package io.fangwusha.core.weights;

import io.fangwusha.core.model.Qwen3Config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The tensors a Qwen3 checkpoint must hold, with the shapes its config implies, in the order the tools that made
 * the shared fixtures use (embedding, then per layer input norm, attention, norms, MLP, then final norm and lm_head).
 * Shapes are PyTorch's: a Linear weight is {@code [out_features, in_features]}.
 */
public final class Qwen3Layout {
    private Qwen3Layout() {}

    public enum Role { EMBEDDING, LINEAR, BIAS, NORM, FINAL_NORM, LM_HEAD }

    /** One expected tensor; {@code dims} names the config fields behind each dimension, for messages. */
    public record Expected(String name, long[] shape, String dims, Role role) {
        /** Input features of a Linear weight (its second dimension). */
        public long fanIn() {
            return shape.length > 1 ? shape[1] : shape[0];
        }

        public long elements() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }

        public String shapeString() {
            return Arrays.toString(shape);
        }
    }

    public static final String EMBED = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    /**
     * Every tensor the config requires. With tied embeddings there is no {@code lm_head.weight}: transformers ties
     * it to the embedding and ignores any copy in the file.
     */
    public static List<Expected> expected(Qwen3Config c) {
        long v = c.vocabSize(), h = c.hiddenSize(), ff = c.intermediateSize(), hd = c.headDim();
        long q = (long) c.numHeads() * hd, kv = (long) c.numKvHeads() * hd;
        String qDims = "num_attention_heads*head_dim", kvDims = "num_key_value_heads*head_dim";
        List<Expected> out = new ArrayList<>();
        out.add(new Expected(EMBED, new long[] {v, h}, "vocab_size, hidden_size", Role.EMBEDDING));
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            out.add(new Expected(p + "input_layernorm.weight", new long[] {h}, "hidden_size", Role.NORM));
            linear(out, p + "self_attn.q_proj", q, h, qDims, c.attentionBias());
            linear(out, p + "self_attn.k_proj", kv, h, kvDims, c.attentionBias());
            linear(out, p + "self_attn.v_proj", kv, h, kvDims, c.attentionBias());
            // Qwen3's o_proj carries a bias too when attention_bias is set (unlike Qwen2).
            out.add(new Expected(p + "self_attn.o_proj.weight", new long[] {h, q}, "hidden_size, " + qDims, Role.LINEAR));
            if (c.attentionBias()) out.add(new Expected(p + "self_attn.o_proj.bias", new long[] {h}, "hidden_size", Role.BIAS));
            out.add(new Expected(p + "self_attn.q_norm.weight", new long[] {hd}, "head_dim", Role.NORM));
            out.add(new Expected(p + "self_attn.k_norm.weight", new long[] {hd}, "head_dim", Role.NORM));
            out.add(new Expected(p + "post_attention_layernorm.weight", new long[] {h}, "hidden_size", Role.NORM));
            out.add(new Expected(p + "mlp.gate_proj.weight", new long[] {ff, h}, "intermediate_size, hidden_size", Role.LINEAR));
            out.add(new Expected(p + "mlp.up_proj.weight", new long[] {ff, h}, "intermediate_size, hidden_size", Role.LINEAR));
            out.add(new Expected(p + "mlp.down_proj.weight", new long[] {h, ff}, "hidden_size, intermediate_size", Role.LINEAR));
        }
        out.add(new Expected(FINAL_NORM, new long[] {h}, "hidden_size", Role.FINAL_NORM));
        if (!c.tieWordEmbeddings()) out.add(new Expected(LM_HEAD, new long[] {v, h}, "vocab_size, hidden_size", Role.LM_HEAD));
        return out;
    }

    private static void linear(List<Expected> out, String prefix, long rows, long cols, String rowDims, boolean bias) {
        out.add(new Expected(prefix + ".weight", new long[] {rows, cols}, rowDims + ", hidden_size", Role.LINEAR));
        if (bias) out.add(new Expected(prefix + ".bias", new long[] {rows}, rowDims, Role.BIAS));
    }

    public static long parameters(Qwen3Config c) {
        long n = 0;
        for (Expected e : expected(c)) n += e.elements();
        return n;
    }
}
