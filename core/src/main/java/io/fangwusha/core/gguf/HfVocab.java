package io.fangwusha.core.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.FangwushaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds the GGUF tokenizer metadata from a Hugging Face checkpoint the way llama.cpp's {@code convert_hf_to_gguf.py}
 * does for a byte-level BPE ("gpt2") vocabulary, so that an exported file carries the same keys as a converted one.
 *
 * <p>The converter's rules, restated:
 * <ul>
 *   <li>tokens: {@code 0 .. vocab_size-1} of config.json; an id that neither the BPE vocab nor the added tokens
 *       name becomes {@code [PAD<id>]} of type UNUSED (Qwen3 pads 151,669 real tokens to 151,936).</li>
 *   <li>types: NORMAL for model-vocab tokens; for added tokens CONTROL if {@code special} is set or the text
 *       "looks special" ({@code <|...|>}, {@code <｜...｜>}, or one of a few literal names), else USER_DEFINED. This
 *       makes Qwen's FIM tokens ({@code <|fim_prefix|>}, special=false) CONTROL but {@code <think>} USER_DEFINED.</li>
 *   <li>special ids: first from tokenizer_config.json's {@code <typ>_token} strings looked up among the added tokens,
 *       then from config.json's {@code <typ>_token_id} for types still unset. Qwen3 has {@code bos_token: null}, so its
 *       BOS comes from config.json (151643, the same as the pad token).</li>
 *   <li>{@code add_bos_token} from tokenizer_config.json when it is a boolean.</li>
 *   <li>chat template: tokenizer_config.json's {@code chat_template}, else {@code chat_template.jinja}.</li>
 * </ul>
 * Not reproduced: the converter round-trips non-normalized added tokens through HF encode/decode (a no-op for
 * every Qwen3 added token) and derives {@code tokenizer.ggml.pre} from a hash of sample encodings; a Qwen3
 * checkpoint gets "qwen2", the pre-tokenizer that llama.cpp maps Qwen2/Qwen3 to.
 */
final class HfVocab {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> LITERALLY_SPECIAL = List.of("<pad>", "<mask>", "<2mass>", "[@BOS@]");

    private HfVocab() {}

    static GgufVocab read(Path dir) {
        JsonNode tokenizer = readJson(dir.resolve("tokenizer.json"), true);
        JsonNode tokConfig = readJson(dir.resolve("tokenizer_config.json"), false);
        JsonNode config = readJson(dir.resolve("config.json"), true);

        JsonNode model = tokenizer.path("model");
        if (!"BPE".equals(model.path("type").asText())) {
            throw new FangwushaException(dir.resolve("tokenizer.json") + ": model.type '" + model.path("type").asText()
                    + "' is not BPE (only byte-level BPE vocabularies can be exported)");
        }
        JsonNode vocab = model.path("vocab");
        JsonNode added = tokenizer.path("added_tokens");
        int maxId = -1;
        for (var it = vocab.properties().iterator(); it.hasNext(); ) maxId = Math.max(maxId, it.next().getValue().asInt());
        for (JsonNode a : added) maxId = Math.max(maxId, a.path("id").asInt());
        int vocabSize = config.has("vocab_size") ? config.get("vocab_size").asInt() : maxId + 1;
        if (maxId >= vocabSize) {
            throw new FangwushaException(dir.resolve("tokenizer.json") + ": token id " + maxId
                    + " is not below config.json vocab_size " + vocabSize);
        }

        String[] tokens = new String[vocabSize];
        int[] types = new int[vocabSize];
        for (var it = vocab.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            int id = e.getValue().asInt();
            tokens[id] = e.getKey();
            types[id] = GgufVocab.TYPE_NORMAL;
        }
        for (JsonNode a : added) {
            int id = a.path("id").asInt();
            String text = a.path("content").asText();
            if (a.path("special").asBoolean(false) || looksSpecial(text)) {
                types[id] = GgufVocab.TYPE_CONTROL;
            } else {
                // llama.cpp expects user-defined tokens pre-normalized: SentencePiece's '▁' becomes a space
                text = text.replace('\u2581', ' ');
                types[id] = GgufVocab.TYPE_USER_DEFINED;
            }
            tokens[id] = text;
        }
        for (int i = 0; i < vocabSize; i++) {
            if (tokens[i] == null) {
                tokens[i] = "[PAD" + i + "]";
                types[i] = GgufVocab.TYPE_UNUSED;
            }
        }

        List<String> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            // tokenizers >= 0.20 writes merges as ["left", "right"] pairs, older files as "left right" strings
            merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
        }

        Integer eos = fromTokenizerConfig(tokConfig, "eos", added, vocabSize);
        Integer pad = fromTokenizerConfig(tokConfig, "pad", added, vocabSize);
        Integer bos = fromTokenizerConfig(tokConfig, "bos", added, vocabSize);
        if (bos == null) bos = fromConfig(config, "bos", vocabSize);
        if (eos == null) eos = fromConfig(config, "eos", vocabSize);
        if (pad == null) pad = fromConfig(config, "pad", vocabSize);
        boolean addBos = tokConfig.path("add_bos_token").isBoolean() && tokConfig.get("add_bos_token").asBoolean();

        String template = tokConfig.path("chat_template").isTextual() ? tokConfig.get("chat_template").asText() : null;
        if (template == null && Files.isRegularFile(dir.resolve("chat_template.jinja"))) {
            try {
                template = Files.readString(dir.resolve("chat_template.jinja"));
            } catch (IOException e) {
                throw new FangwushaException(dir.resolve("chat_template.jinja") + ": cannot read: " + e.getMessage(), e);
            }
        }
        return new GgufVocab("gpt2", "qwen2", Arrays.asList(tokens), types, merges, bos, eos, pad, addBos, template);
    }

    static boolean looksSpecial(String t) {
        return LITERALLY_SPECIAL.contains(t)
                || (t.startsWith("<|") && t.endsWith("|>"))
                || (t.startsWith("<｜") && t.endsWith("｜>"));
    }

    /** {@code <typ>_token} as a string or {"content": ...}, resolved against the added tokens (first match). */
    private static Integer fromTokenizerConfig(JsonNode tokConfig, String typ, JsonNode added, int vocabSize) {
        JsonNode entry = tokConfig.path(typ + "_token");
        String content = entry.isTextual() ? entry.asText() : entry.path("content").isTextual() ? entry.get("content").asText() : null;
        if (content == null) return null;
        for (JsonNode a : added) {
            if (content.equals(a.path("content").asText())) {
                int id = a.path("id").asInt();
                return id < vocabSize ? id : null;
            }
        }
        return null;
    }

    private static Integer fromConfig(JsonNode config, String typ, int vocabSize) {
        JsonNode v = config.path(typ + "_token_id");
        if (!v.isInt() && config.has("text_config")) v = config.get("text_config").path(typ + "_token_id");
        return v.isInt() && v.asInt() >= 0 && v.asInt() < vocabSize ? v.asInt() : null;
    }

    private static JsonNode readJson(Path file, boolean required) {
        if (!Files.isRegularFile(file)) {
            if (required) throw new FangwushaException(file + ": no such file");
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new FangwushaException(file + ": invalid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }
}
