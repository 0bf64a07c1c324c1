package io.fangwusha.core.model;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.kernels.DenseMatrix;
import io.fangwusha.core.kernels.MatrixWeights;
import io.fangwusha.core.weights.Tensor;
import io.fangwusha.core.weights.WeightStore;

/** The Qwen3 parameters by role, with Hugging Face's tensor names. Matrices stay in their stored type. */
public record Qwen3Weights(MatrixWeights embedTokens, Layer[] layers, float[] finalNorm, MatrixWeights lmHead) {

    public record Layer(
            float[] inputNorm,
            MatrixWeights q, MatrixWeights k, MatrixWeights v, MatrixWeights o,
            float[] qBias, float[] kBias, float[] vBias,
            float[] qNorm, float[] kNorm,
            float[] postAttentionNorm,
            MatrixWeights gate, MatrixWeights up, MatrixWeights down) {}

    public static Qwen3Weights from(Qwen3Config c, WeightStore store, MatrixFactory factory) {
        MatrixWeights embed = factory.create(store.tensor("model.embed_tokens.weight"));
        Layer[] layers = new Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            layers[i] = new Layer(
                    vector(store, p + "input_layernorm.weight"),
                    factory.create(store.tensor(p + "self_attn.q_proj.weight")),
                    factory.create(store.tensor(p + "self_attn.k_proj.weight")),
                    factory.create(store.tensor(p + "self_attn.v_proj.weight")),
                    factory.create(store.tensor(p + "self_attn.o_proj.weight")),
                    c.attentionBias() ? vector(store, p + "self_attn.q_proj.bias") : null,
                    c.attentionBias() ? vector(store, p + "self_attn.k_proj.bias") : null,
                    c.attentionBias() ? vector(store, p + "self_attn.v_proj.bias") : null,
                    vector(store, p + "self_attn.q_norm.weight"),
                    vector(store, p + "self_attn.k_norm.weight"),
                    vector(store, p + "post_attention_layernorm.weight"),
                    factory.create(store.tensor(p + "mlp.gate_proj.weight")),
                    factory.create(store.tensor(p + "mlp.up_proj.weight")),
                    factory.create(store.tensor(p + "mlp.down_proj.weight")));
        }
        // transformers ties lm_head to the embedding whenever tie_word_embeddings is set, even if a file has both.
        MatrixWeights head;
        if (c.tieWordEmbeddings()) head = embed;
        else if (store.contains("lm_head.weight")) head = factory.create(store.tensor("lm_head.weight"));
        else throw new FangwushaException(store.source() + ": missing tensor 'lm_head.weight' (tie_word_embeddings is false)");
        return new Qwen3Weights(embed, layers, vector(store, "model.norm.weight"), head);
    }

    /** A 1-D parameter (norm weight, bias) widened to float32 on the heap: they are tiny. */
    static float[] vector(WeightStore store, String name) {
        Tensor t = store.tensor(name);
        if (t.shape().length != 1) throw new FangwushaException(name + ": expected 1-D, got " + t.shapeString());
        Tensor asRow = t.with(t.name(), new long[] {1, t.shape()[0]});
        float[] out = new float[(int) t.shape()[0]];
        DenseMatrix.of(asRow).readRow(0, out, 0);
        return out;
    }

}
