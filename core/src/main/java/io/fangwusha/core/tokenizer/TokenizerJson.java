package io.fangwusha.core.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.FangwushaException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads an HF {@code tokenizer.json} of the byte-level BPE kind that Qwen2/Qwen3 (and GPT-2 style models) use.
 * Anything this implementation would not reproduce exactly is rejected with one line naming the file and field.
 */
final class TokenizerJson {
    private final String file;

    private TokenizerJson(String file) {
        this.file = file;
    }

    static Tokenizer.Spec read(Path path) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(path.toFile());
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new FangwushaException(path + ": cannot read tokenizer JSON: " + why, e);
        }
        return new TokenizerJson(path.toString()).parse(root);
    }

    private FangwushaException bad(String field, String what) {
        return new FangwushaException(file + ": " + field + " " + what);
    }

    Tokenizer.Spec parse(JsonNode root) {
        if (root == null || !root.isObject()) throw bad("(root)", "is not a JSON object");
        if (isSet(root.get("truncation"))) throw bad("truncation", "is not supported (must be null)");
        boolean nfc = normalizer(root.get("normalizer"));
        PreTokenizer pre = preTokenizer(root.get("pre_tokenizer"));
        checkByteLevel(root.get("decoder"), "decoder");
        JsonNode post = root.get("post_processor");
        if (isSet(post)) checkByteLevel(post, "post_processor");

        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) throw bad("model", "is missing");
        String type = model.path("type").asText("BPE");
        if (!"BPE".equals(type)) throw bad("model.type", "'" + type + "' is not supported (only BPE)");
        JsonNode dropout = model.get("dropout");
        if (isSet(dropout) && dropout.asDouble() != 0.0) throw bad("model.dropout", "must be null");
        for (String f : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            JsonNode v = model.get(f);
            if (isSet(v) && !v.asText().isEmpty()) throw bad("model." + f, "must be null or empty");
        }
        if (model.path("byte_fallback").asBoolean(false)) throw bad("model.byte_fallback", "true is not supported");
        JsonNode unk = model.get("unk_token");
        String unkToken = isSet(unk) ? unk.asText() : null;

        JsonNode vocabNode = model.get("vocab");
        if (vocabNode == null || !vocabNode.isObject()) throw bad("model.vocab", "is missing or not an object");
        Map<String, Integer> vocab = new HashMap<>(vocabNode.size() * 2);
        for (Iterator<Map.Entry<String, JsonNode>> it = vocabNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw bad("model.vocab['" + e.getKey() + "']", "is not a non-negative integer id");
            }
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        JsonNode mergesNode = model.get("merges");
        if (mergesNode == null || !mergesNode.isArray()) throw bad("model.merges", "is missing or not an array");
        List<String[]> merges = new ArrayList<>(mergesNode.size());
        for (int i = 0; i < mergesNode.size(); i++) {
            JsonNode m = mergesNode.get(i);
            String[] pair;
            if (m.isTextual()) {
                pair = m.asText().split(" ", -1); // HF: exactly two parts separated by one space
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                pair = new String[] {m.get(0).asText(), m.get(1).asText()};
            } else {
                pair = null;
            }
            if (pair == null || pair.length != 2) throw bad("model.merges[" + i + "]", "is neither \"a b\" nor [a, b]");
            merges.add(pair);
        }
        return new Tokenizer.Spec(file, vocab, merges, addedTokens(root.get("added_tokens")), pre, nfc, unkToken,
                model.path("fuse_unk").asBoolean(false), model.path("ignore_merges").asBoolean(false));
    }

    private static boolean isSet(JsonNode n) {
        return n != null && !n.isNull();
    }

    private List<AddedToken> addedTokens(JsonNode arr) {
        List<AddedToken> out = new ArrayList<>();
        if (!isSet(arr)) return out;
        if (!arr.isArray()) throw bad("added_tokens", "is not an array");
        for (int i = 0; i < arr.size(); i++) {
            JsonNode t = arr.get(i);
            String f = "added_tokens[" + i + "]";
            if (!t.path("id").canConvertToInt() || t.path("id").asInt() < 0) throw bad(f + ".id", "is missing or invalid");
            if (!t.path("content").isTextual() || t.path("content").asText().isEmpty()) throw bad(f + ".content", "is missing or empty");
            boolean special = t.path("special").asBoolean(false);
            out.add(new AddedToken(t.get("id").asInt(), t.get("content").asText(), special,
                    t.path("single_word").asBoolean(false), t.path("lstrip").asBoolean(false),
                    t.path("rstrip").asBoolean(false), t.path("normalized").asBoolean(!special)));
        }
        return out;
    }

    /** True for NFC; false for no normalizer. */
    private boolean normalizer(JsonNode n) {
        if (!isSet(n)) return false;
        String type = n.path("type").asText();
        if ("NFC".equals(type)) return true;
        if ("Sequence".equals(type)) {
            JsonNode list = n.path("normalizers");
            if (list.isArray() && list.isEmpty()) return false;
            if (list.isArray() && list.size() == 1 && "NFC".equals(list.get(0).path("type").asText())) return true;
        }
        throw bad("normalizer", "of type '" + type + "' is not supported (only NFC or none)");
    }

    private PreTokenizer preTokenizer(JsonNode n) {
        if (!isSet(n)) throw bad("pre_tokenizer", "is missing (a byte-level pre-tokenizer is required)");
        String type = n.path("type").asText();
        if ("ByteLevel".equals(type)) {
            checkByteLevel(n, "pre_tokenizer");
            if (!n.path("use_regex").asBoolean(true)) throw bad("pre_tokenizer.use_regex", "false without a Split is not supported");
            return PreTokenizer.forRegex(PreTokenizer.GPT2_REGEX);
        }
        if (!"Sequence".equals(type)) throw bad("pre_tokenizer.type", "'" + type + "' is not supported");
        JsonNode list = n.path("pretokenizers");
        if (!list.isArray() || list.size() != 2) throw bad("pre_tokenizer.pretokenizers", "must be [Split, ByteLevel]");
        JsonNode split = list.get(0);
        String f = "pre_tokenizer.pretokenizers[0]";
        if (!"Split".equals(split.path("type").asText())) throw bad(f + ".type", "must be Split");
        if (!"Isolated".equals(split.path("behavior").asText())) throw bad(f + ".behavior", "'" + split.path("behavior").asText() + "' is not supported (only Isolated)");
        if (split.path("invert").asBoolean(false)) throw bad(f + ".invert", "true is not supported");
        JsonNode pattern = split.path("pattern");
        String regex;
        if (pattern.path("Regex").isTextual()) regex = pattern.get("Regex").asText();
        else if (pattern.path("String").isTextual()) regex = java.util.regex.Pattern.quote(pattern.get("String").asText());
        else throw bad(f + ".pattern", "must have a Regex or String");
        JsonNode byteLevel = list.get(1);
        if (!"ByteLevel".equals(byteLevel.path("type").asText())) throw bad("pre_tokenizer.pretokenizers[1].type", "must be ByteLevel");
        checkByteLevel(byteLevel, "pre_tokenizer.pretokenizers[1]");
        if (byteLevel.path("use_regex").asBoolean(true)) throw bad("pre_tokenizer.pretokenizers[1].use_regex", "true after a Split is not supported");
        try {
            return PreTokenizer.forRegex(regex);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw bad(f + ".pattern.Regex", "is not a valid regex: " + e.getDescription());
        }
    }

    private void checkByteLevel(JsonNode n, String field) {
        if (!isSet(n)) throw bad(field, "is missing (ByteLevel is required)");
        String type = n.path("type").asText();
        if (!"ByteLevel".equals(type)) throw bad(field + ".type", "'" + type + "' is not supported (only ByteLevel)");
        if (n.path("add_prefix_space").asBoolean(false)) throw bad(field + ".add_prefix_space", "true is not supported");
    }
}
