package io.fangwusha.core.tokenizer;

import io.fangwusha.core.FangwushaException;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte-level BPE tokenizer read from a Hugging Face {@code tokenizer.json} (Qwen2/Qwen3 family), giving the same ids
 * as Hugging Face's tokenizers library. Thread-safe after construction.
 *
 * <p>Encoding follows HF's pipeline: (1) added tokens with {@code normalized=false} are cut out of the raw text
 * (leftmost-longest, with their single_word/lstrip/rstrip flags); (2) each remaining piece is NFC-normalized and
 * searched for {@code normalized=true} added tokens; (3) the rest is split by the pre-tokenizer regex, each piece
 * is mapped to the GPT-2 byte alphabet and (4) merged by BPE. No BOS/EOS is added (Qwen3 has none).
 *
 * <p>Decoding is HF's ByteLevel decoder: token strings back to bytes, then lossy UTF-8 (each ill-formed subpart is
 * one U+FFFD). Qwen3's {@code clean_up_tokenization_spaces} is false, so no space clean-up is done.
 */
public final class Tokenizer {
    private final String source;
    /** Bytes and strings of every id, and the vocabulary lookup (compact: see TokenTable). */
    private final TokenTable table;
    private final boolean[] special;
    /** Added tokens by content: few, and looked up before the vocabulary. */
    private final Map<String, Integer> added;
    private final Bpe bpe;
    private final PreTokenizer preTokenizer;
    private final boolean nfc;
    private final AddedTokenMatcher rawMatcher;
    private final AddedTokenMatcher normalizedMatcher;

    /** What a loader hands over; see {@link #fromParts}. */
    record Spec(String source, Map<String, Integer> vocab, List<String[]> merges, List<AddedToken> addedTokens,
            PreTokenizer preTokenizer, boolean nfc, String unkToken, boolean fuseUnk, boolean ignoreMerges) {}

    /** Nothing of {@code spec} is kept: its strings and maps are garbage once the tokenizer is built. */
    private Tokenizer(Spec spec) {
        this.source = spec.source();
        Map<String, Integer> vocab = spec.vocab();
        this.preTokenizer = spec.preTokenizer();
        this.nfc = spec.nfc();
        int maxId = -1;
        for (int id : vocab.values()) {
            if (id < 0) throw new FangwushaException(source + ": model.vocab has negative id " + id);
            maxId = Math.max(maxId, id);
        }
        for (AddedToken t : spec.addedTokens()) maxId = Math.max(maxId, t.id());
        String[] tokens = new String[maxId + 1];
        special = new boolean[maxId + 1];
        vocab.forEach((tok, id) -> tokens[id] = tok);
        added = new HashMap<>();
        Map<AddedToken, String> rawPatterns = new LinkedHashMap<>();
        Map<AddedToken, String> normPatterns = new LinkedHashMap<>();
        for (AddedToken t : spec.addedTokens()) {
            tokens[t.id()] = t.content();
            special[t.id()] = t.special();
            added.put(t.content(), t.id());
            // HF matches normalized tokens in normalized text, so their pattern is the normalized content.
            if (t.normalized()) normPatterns.put(t, normalize(t.content()));
            else rawPatterns.put(t, t.content());
        }
        rawMatcher = new AddedTokenMatcher(rawPatterns);
        normalizedMatcher = new AddedTokenMatcher(normPatterns);
        table = new TokenTable(tokens, vocab);

        List<String[]> merges = spec.merges();
        PairRanks ranks = new PairRanks(tokens.length, merges.size());
        int[] mergeResult = new int[merges.size()];
        for (int r = 0; r < merges.size(); r++) {
            String[] m = merges.get(r);
            Integer a = vocab.get(m[0]), b = vocab.get(m[1]), ab = vocab.get(m[0] + m[1]);
            if (a == null || b == null || ab == null) {
                String missing = a == null ? m[0] : b == null ? m[1] : m[0] + m[1];
                throw new FangwushaException(source + ": model.merges[" + r + "] uses '" + missing + "', not in the vocab");
            }
            ranks.put(a, b, r);
            mergeResult[r] = ab;
        }
        int[] byteIds = new int[256];
        for (int b = 0; b < 256; b++) byteIds[b] = vocab.getOrDefault(String.valueOf(ByteLevel.byteToChar(b)), -1);
        int unkId = -1;
        if (spec.unkToken() != null) {
            Integer u = vocab.get(spec.unkToken());
            if (u == null) throw new FangwushaException(source + ": model.unk_token '" + spec.unkToken() + "' is not in the vocab");
            unkId = u;
        }
        bpe = new Bpe(ranks, mergeResult, byteIds, unkId, spec.fuseUnk(), spec.ignoreMerges() ? table : null);
    }

    static Tokenizer of(Spec spec) {
        return new Tokenizer(spec);
    }

    /** Reads {@code tokenizer.json}; bad files raise {@link io.fangwusha.core.FangwushaException} naming the file. */
    public static Tokenizer load(Path tokenizerJson) {
        return new Tokenizer(TokenizerJson.read(tokenizerJson));
    }

    /**
     * Builds a tokenizer from its parts, e.g. as a GGUF file stores them. Equivalent to {@link #load} of a
     * tokenizer.json with an NFC normalizer, a byte-level BPE model and a ByteLevel decoder.
     *
     * @param tokensById   token string (byte-level form) for each id; entries at the ids of added tokens and
     *                     {@code null} entries are not part of the BPE vocabulary
     * @param merges       merge rules in rank order, each {@code "left right"}
     * @param addedTokens  added tokens (their ids index into the same id space)
     * @param preTokenizer {@code "qwen2"} (GGUF {@code tokenizer.ggml.pre}) for Qwen2's split regex, or a regex used
     *                     as an HF Split pre-tokenizer with behaviour Isolated
     * @throws FangwushaException when a merge names a token that is not in the vocabulary, or a field is malformed
     */
    public static Tokenizer fromParts(List<String> tokensById, List<String> merges, List<AddedToken> addedTokens,
            String preTokenizer) {
        String regex = "qwen2".equals(preTokenizer) ? PreTokenizer.QWEN2_REGEX : preTokenizer;
        PreTokenizer pre;
        try {
            pre = PreTokenizer.forRegex(regex);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new FangwushaException("tokenizer pre-tokenizer: '" + preTokenizer + "' is neither a preset nor a valid regex");
        }
        java.util.Set<Integer> addedIds = new java.util.HashSet<>();
        for (AddedToken t : addedTokens) addedIds.add(t.id());
        Map<String, Integer> vocab = new HashMap<>(tokensById.size() * 2);
        for (int id = 0; id < tokensById.size(); id++) {
            String t = tokensById.get(id);
            if (t != null && !addedIds.contains(id)) vocab.putIfAbsent(t, id);
        }
        List<String[]> pairs = new ArrayList<>(merges.size());
        for (int i = 0; i < merges.size(); i++) {
            String[] p = merges.get(i).split(" ", -1);
            if (p.length != 2) throw new FangwushaException("tokenizer merges[" + i + "]: '" + merges.get(i) + "' is not 'left right'");
            pairs.add(p);
        }
        return new Tokenizer(new Spec("tokenizer", vocab, pairs, List.copyOf(addedTokens), pre, true, null, false, false));
    }

    /**
     * Builds the tokenizer of a GGUF file ({@code tokenizer.ggml.model = "gpt2"}). Token types: 3 (control) become
     * special added tokens, 4 (user-defined) non-special added tokens, 5 (unused, e.g. Qwen's {@code [PAD151669]}
     * padding rows) are left out as HF's tokenizer.json has no such tokens; the rest form the BPE vocabulary.
     * Note that llama.cpp marks Qwen's {@code <|fim_*|>}, {@code <|repo_name|>} and {@code <|file_sep|>} as control,
     * so {@code decode(ids, true)} skips them, whereas HF's tokenizer.json calls them non-special.
     *
     * @param pre {@code tokenizer.ggml.pre}; only {@code "qwen2"} is supported
     */
    public static Tokenizer fromGguf(List<String> tokens, List<String> merges, int[] tokenTypes, String pre) {
        if (!"qwen2".equals(pre)) throw new FangwushaException("GGUF tokenizer.ggml.pre '" + pre + "' is not supported (only qwen2)");
        if (tokenTypes.length != tokens.size()) {
            throw new FangwushaException("GGUF tokenizer.ggml.token_type has " + tokenTypes.length + " entries, tokens has " + tokens.size());
        }
        List<String> vocab = new ArrayList<>(tokens);
        List<AddedToken> addedTokens = new ArrayList<>();
        for (int id = 0; id < tokens.size(); id++) {
            int type = tokenTypes[id];
            if (type == 3 || type == 4) addedTokens.add(AddedToken.plain(id, tokens.get(id), type == 3));
            if (type == 5) vocab.set(id, null);
        }
        return fromParts(vocab, merges, addedTokens, "qwen2");
    }

    /** Encodes with added tokens (special and not) recognised in the text, as HF does by default. */
    public int[] encode(String text) {
        return encode(text, true);
    }

    /**
     * {@code parseSpecial=false}: added-token strings are plain text (HF's split_special_tokens=True). All added
     * tokens are then ordinary text, non-special ones like {@code <think>} included, as the reference fixtures
     * specify.
     */
    public int[] encode(String text, boolean parseSpecial) {
        IntList out = new IntList(text.length() / 2 + 4);
        if (parseSpecial && !rawMatcher.isEmpty()) {
            rawMatcher.split(text, new AddedTokenMatcher.Sink() {
                @Override
                public void text(int start, int end) {
                    encodeNormalizing(text.substring(start, end), true, out);
                }

                @Override
                public void token(int id) {
                    out.add(id);
                }
            });
        } else {
            encodeNormalizing(text, parseSpecial, out);
        }
        return out.toArray();
    }

    private void encodeNormalizing(String piece, boolean parseSpecial, IntList out) {
        String norm = normalize(piece);
        if (parseSpecial && !normalizedMatcher.isEmpty()) {
            normalizedMatcher.split(norm, new AddedTokenMatcher.Sink() {
                @Override
                public void text(int start, int end) {
                    encodeOrdinary(norm.substring(start, end), out);
                }

                @Override
                public void token(int id) {
                    out.add(id);
                }
            });
        } else {
            encodeOrdinary(norm, out);
        }
    }

    private void encodeOrdinary(String text, IntList out) {
        preTokenizer.split(text, (start, end) -> out.addAll(bpe.encode(text.substring(start, end))));
    }

    private String normalize(String s) {
        if (!nfc || Normalizer.isNormalized(s, Normalizer.Form.NFC)) return s;
        return Normalizer.normalize(s, Normalizer.Form.NFC);
    }

    /** Pre-tokenizer pieces of already normalized text (for tests that compare the scanner with the regex). */
    List<String> preTokenize(String text) {
        List<String> pieces = new ArrayList<>();
        preTokenizer.split(text, (s, e) -> pieces.add(text.substring(s, e)));
        return pieces;
    }

    /** Drops the BPE cache (for cold-cache measurements). */
    void clearCache() {
        bpe.clearCache();
    }

    /**
     * HF's decode: unknown ids are dropped, special added tokens too when asked, the ByteLevel decoder maps the
     * rest back to bytes, then lossy UTF-8 (ill-formed subparts become U+FFFD).
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            if (decodes(id, skipSpecialTokens)) table.appendBytes(id, out);
        }
        byte[] all = out.toByteArray();
        return Utf8.decodeLossy(all, 0, all.length);
    }

    /** Number of bytes a token decodes to: 0 when it decodes to nothing (unknown id, or skipped special token). */
    int decodedLength(int id, boolean skipSpecialTokens) {
        return decodes(id, skipSpecialTokens) ? table.length(id) : 0;
    }

    /** Copies the bytes of a token that {@link #decodedLength} gave a length for to {@code dst[pos...]}. */
    void copyDecoded(int id, byte[] dst, int pos) {
        table.copyBytes(id, dst, pos);
    }

    private boolean decodes(int id, boolean skipSpecialTokens) {
        return table.has(id) && !(skipSpecialTokens && special[id]);
    }

    /** Incremental decoder for streaming: emits only complete UTF-8 text. */
    public StreamDecoder streamDecoder(boolean skipSpecialTokens) {
        return new StreamingDecoder(this, skipSpecialTokens);
    }

    /** Id of a vocabulary or added token string, or -1. */
    public int tokenId(String token) {
        Integer id = added.get(token);
        return id != null ? id : table.vocabId(token);
    }

    /**
     * The token's string as stored in the vocabulary (byte-level form for BPE tokens, e.g. {@code "Ġthe"}), the
     * content for added tokens, or null when no token has this id (including ids outside {@code [0, size())}).
     */
    public String tokenString(int id) {
        return table.string(id);
    }

    /** True for added tokens marked {@code special}. */
    public boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    /** Number of ids (vocabulary plus added tokens): the largest id + 1. */
    public int size() {
        return table.size();
    }

    @Override
    public String toString() {
        return "Tokenizer[" + source + ", " + table.size() + " ids]";
    }
}
