package io.fangwusha.core.gguf;

import java.util.List;

/**
 * Tokenizer metadata as GGUF stores it (raw: the tokenizer work builds a {@code Tokenizer} from these parts).
 * {@code tokens} are in id order, byte-level BPE strings as in {@code vocab.json} and added tokens; {@code tokenTypes}
 * are llama.cpp's token types (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte); {@code merges} are
 * "left right" strings in rank order. Ids and {@code chatTemplate} may be null when the file lacks them.
 */
public record GgufVocab(
        String model,
        String pre,
        List<String> tokens,
        int[] tokenTypes,
        List<String> merges,
        Integer bosId,
        Integer eosId,
        Integer paddingId,
        boolean addBos,
        String chatTemplate) {

    public static final int TYPE_NORMAL = 1, TYPE_CONTROL = 3, TYPE_USER_DEFINED = 4, TYPE_UNUSED = 5;

    public GgufVocab {
        tokens = List.copyOf(tokens);
        merges = List.copyOf(merges);
        tokenTypes = tokenTypes.clone();
        if (tokenTypes.length != tokens.size()) {
            throw new IllegalArgumentException(tokenTypes.length + " token types for " + tokens.size() + " tokens");
        }
    }

    /** The parts a Qwen3 GGUF carries, as llama.cpp's converter writes them: model "gpt2", pre "qwen2", no BOS added. */
    public static GgufVocab qwen3(List<String> tokens, int[] tokenTypes, List<String> merges, Integer bosId,
            Integer eosId, Integer paddingId, String chatTemplate) {
        return new GgufVocab("gpt2", "qwen2", tokens, tokenTypes, merges, bosId, eosId, paddingId, false, chatTemplate);
    }

    /**
     * The vocabulary llama.cpp's converter would write for the Hugging Face checkpoint in {@code dir}
     * ({@code tokenizer.json}, {@code tokenizer_config.json}, {@code config.json}); see {@link HfVocab} for its rules.
     */
    public static GgufVocab fromHuggingFace(java.nio.file.Path dir) {
        return HfVocab.read(dir);
    }

    /** Equal content (records compare arrays by identity). */
    public boolean sameAs(GgufVocab o) {
        return model.equals(o.model) && java.util.Objects.equals(pre, o.pre) && tokens.equals(o.tokens)
                && java.util.Arrays.equals(tokenTypes, o.tokenTypes) && merges.equals(o.merges)
                && java.util.Objects.equals(bosId, o.bosId) && java.util.Objects.equals(eosId, o.eosId)
                && java.util.Objects.equals(paddingId, o.paddingId) && addBos == o.addBos
                && java.util.Objects.equals(chatTemplate, o.chatTemplate);
    }

    static GgufVocab read(GgufMetadata md) {
        String[] tokens = md.getStrings("tokenizer.ggml.tokens");
        int[] types = md.contains("tokenizer.ggml.token_type") ? md.getInts("tokenizer.ggml.token_type") : filled(tokens.length);
        List<String> merges = md.contains("tokenizer.ggml.merges") ? List.of(md.getStrings("tokenizer.ggml.merges")) : List.of();
        if (types.length != tokens.length) {
            throw new io.fangwusha.core.FangwushaException("tokenizer.ggml.token_type has " + types.length
                    + " entries for " + tokens.length + " tokens");
        }
        return new GgufVocab(md.getString("tokenizer.ggml.model"), md.getString("tokenizer.ggml.pre", null),
                List.of(tokens), types, merges, id(md, "tokenizer.ggml.bos_token_id"),
                id(md, "tokenizer.ggml.eos_token_id"), id(md, "tokenizer.ggml.padding_token_id"),
                md.getBool("tokenizer.ggml.add_bos_token", false), md.getString("tokenizer.chat_template", null));
    }

    private static int[] filled(int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, TYPE_NORMAL);
        return a;
    }

    private static Integer id(GgufMetadata md, String key) {
        return md.contains(key) ? md.getInt(key) : null;
    }
}
