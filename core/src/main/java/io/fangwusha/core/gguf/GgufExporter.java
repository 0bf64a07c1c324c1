package io.fangwusha.core.gguf;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.model.Qwen3Config;
import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.HfCheckpoint;
import io.fangwusha.core.weights.Tensor;
import io.fangwusha.core.weights.WeightStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Exports a Qwen3 checkpoint as a GGUF v3 file that llama.cpp loads as architecture {@code qwen3}: the metadata keys
 * and tensor names llama.cpp's converter writes, the tokenizer as "gpt2"/"qwen2" BPE.
 *
 * <p>Types: 1-D tensors (the RMSNorm weights) stay F32 as llama.cpp keeps them; every 2-D weight, the token
 * embedding and {@code output.weight} included, becomes {@code target}. For Q4_0 this is "all 2-D tensors Q4_0"
 * (the setting of the reference benchmark); llama-quantize by default would keep token_embd/output at higher
 * precision. q_proj/k_proj rows are written unpermuted: llama.cpp's converter permutes only for the llama
 * architecture, and its qwen3 graph applies NEOX-style rope to HF's order.
 */
public final class GgufExporter {
    private GgufExporter() {}

    /** Export types: the {@code --type} values. */
    public static final List<DType> TARGETS = List.of(DType.Q8_0, DType.Q4_0, DType.F16, DType.BF16, DType.F32);

    private static final String[] BLOCK_SUFFIXES = {
        "attn_k", "attn_k_norm", "attn_norm", "attn_output", "attn_q", "attn_q_norm", "attn_v",
        "ffn_down", "ffn_gate", "ffn_norm", "ffn_up"};

    /** What an export wrote: tensor count and file size. */
    public record Summary(int tensors, long fileBytes) {}

    /** {@code --type} names: q8_0, q4_0, f16, bf16, f32 (case-insensitive). */
    public static DType parseTarget(String name) {
        for (DType t : TARGETS) if (t.name().equalsIgnoreCase(name)) return t;
        throw new FangwushaException("--type: '" + name + "' is not one of q8_0, q4_0, f16, bf16, f32");
    }

    /**
     * Exports a Hugging Face checkpoint directory (weights, config.json and the tokenizer files, the vocabulary as
     * {@link GgufVocab#fromHuggingFace} builds it) or re-encodes a Qwen3 GGUF file (its own vocabulary and name).
     * {@code modelName} null means the directory name, or the GGUF's {@code general.name}.
     */
    public static Summary exportModel(Path model, DType target, String modelName, Path out) {
        if (Files.isRegularFile(model)) {
            try (GgufFile f = GgufFile.open(model)) {
                String name = modelName != null ? modelName : f.metadata().getString("general.name", model.getFileName().toString());
                return export(f.weights(), f.qwen3Config(), f.vocab(), target, name, out);
            }
        }
        try (HfCheckpoint ckpt = HfCheckpoint.open(model)) {
            GgufVocab vocab = GgufVocab.fromHuggingFace(model);
            String name = modelName != null ? modelName : model.toAbsolutePath().normalize().getFileName().toString();
            return export(ckpt.weights(), ckpt.config(), vocab, target, name, out);
        }
    }

    public static Summary export(WeightStore store, Qwen3Config cfg, GgufVocab vocab, DType target, String modelName, Path out) {
        if (!TARGETS.contains(target)) {
            throw new FangwushaException("--type " + target + " is not supported for export (q8_0, q4_0, f16, bf16, f32)");
        }
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.string("qwen3"));
        w.put("general.type", GgufValue.string("model"));
        w.put("general.name", GgufValue.string(modelName));
        w.put("qwen3.block_count", GgufValue.uint32(cfg.numLayers()));
        w.put("qwen3.context_length", GgufValue.uint32(cfg.maxPositionEmbeddings()));
        w.put("qwen3.embedding_length", GgufValue.uint32(cfg.hiddenSize()));
        w.put("qwen3.feed_forward_length", GgufValue.uint32(cfg.intermediateSize()));
        w.put("qwen3.attention.head_count", GgufValue.uint32(cfg.numHeads()));
        w.put("qwen3.attention.head_count_kv", GgufValue.uint32(cfg.numKvHeads()));
        w.put("qwen3.rope.freq_base", GgufValue.float32((float) cfg.ropeTheta()));
        w.put("qwen3.attention.layer_norm_rms_epsilon", GgufValue.float32((float) cfg.rmsNormEps()));
        w.put("qwen3.attention.key_length", GgufValue.uint32(cfg.headDim()));
        w.put("qwen3.attention.value_length", GgufValue.uint32(cfg.headDim()));
        putVocab(w, vocab, cfg.vocabSize());
        if (target.quantized()) w.put("general.quantization_version", GgufValue.uint32(2));
        w.put("general.file_type", GgufValue.uint32(GgufQwen3.fileType(target)));

        List<String> hfNames = new ArrayList<>();
        hfNames.add("model.embed_tokens.weight");
        hfNames.add("model.norm.weight");
        if (!cfg.tieWordEmbeddings()) hfNames.add("lm_head.weight");
        for (int l = 0; l < cfg.numLayers(); l++) {
            for (String s : BLOCK_SUFFIXES) hfNames.add(GgufTensorNames.toHf("blk." + l + "." + s + ".weight"));
        }
        // llama-quantize's output order (its loader's weight map): tensors outside blocks first, then block by block
        // in numeric layer order, alphabetical by GGUF name within each group
        hfNames.sort(java.util.Comparator.comparingInt((String hf) -> layerOf(GgufTensorNames.toGguf(hf)))
                .thenComparing(GgufTensorNames::toGguf));
        for (String hf : hfNames) {
            Tensor t = store.tensor(hf);
            DType type = t.shape().length == 1 ? DType.F32 : target;
            w.addTensor(GgufTensorNames.toGguf(hf), type, t.shape(), arena -> convert(store.tensor(hf), type, arena));
        }
        w.write(out);
        try {
            return new Summary(hfNames.size(), Files.size(out));
        } catch (IOException e) {
            throw new FangwushaException(out + ": cannot stat the written file: " + e.getMessage(), e);
        }
    }

    private static int layerOf(String ggufName) {
        if (!ggufName.startsWith("blk.")) return -1;
        return Integer.parseInt(ggufName.substring(4, ggufName.indexOf('.', 4)));
    }

    private static java.lang.foreign.MemorySegment convert(Tensor t, DType type, java.lang.foreign.Arena arena) {
        if (t.dtype() == type) return t.data().asSlice(0, type.bytesFor(t.elements()));
        return QuantizedMatrix.quantize(t, type, arena).data();
    }

    /** Tokenizer keys; the token list is padded to the model's vocab size as llama.cpp's converter does. */
    private static void putVocab(GgufWriter w, GgufVocab v, int vocabSize) {
        List<String> tokens = new ArrayList<>(v.tokens());
        int[] types = Arrays.copyOf(v.tokenTypes(), Math.max(vocabSize, tokens.size()));
        for (int i = tokens.size(); i < vocabSize; i++) {
            tokens.add("[PAD" + i + "]");
            types[i] = GgufVocab.TYPE_UNUSED;
        }
        w.put("tokenizer.ggml.model", GgufValue.string(v.model()));
        if (v.pre() != null) w.put("tokenizer.ggml.pre", GgufValue.string(v.pre()));
        w.put("tokenizer.ggml.tokens", GgufValue.strings(tokens));
        w.put("tokenizer.ggml.token_type", GgufValue.int32s(types));
        w.put("tokenizer.ggml.merges", GgufValue.strings(v.merges()));
        if (v.eosId() != null) w.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(v.eosId()));
        if (v.paddingId() != null) w.put("tokenizer.ggml.padding_token_id", GgufValue.uint32(v.paddingId()));
        if (v.bosId() != null) w.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(v.bosId()));
        w.put("tokenizer.ggml.add_bos_token", GgufValue.bool(v.addBos()));
        if (v.chatTemplate() != null) w.put("tokenizer.chat_template", GgufValue.string(v.chatTemplate()));
    }
}
