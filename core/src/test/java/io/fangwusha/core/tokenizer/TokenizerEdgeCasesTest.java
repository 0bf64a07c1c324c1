package io.fangwusha.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fangwusha.core.Fixtures;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vocabulary corners Qwen3's files do not exercise: strings outside the byte alphabet, two strings for one id, a
 * vocabulary id taken over by an added token, gaps in the ids, {@code ignore_merges}, unk with {@code fuse_unk}.
 * Where a well-formed tokenizer.json can express the corner, HF's own tokenizer is the reference
 * ({@code ...MatchesHuggingFace}). The rest (our tokenId/tokenString API, ids that collide, which HF resolves by
 * accident) is pinned to what the String/HashMap implementation answered before the vocabulary became a byte
 * table: a characterisation of our earlier behaviour, not a reference.
 */
class TokenizerEdgeCasesTest {

    static Map<String, Integer> vocab() {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        vocab.put("a", 0);
        vocab.put("b", 1);
        vocab.put("c", 2);
        vocab.put("Ġ", 3);
        vocab.put("ab", 4);
        vocab.put("abc", 5);
        vocab.put("Ġa", 6);
        vocab.put(" x", 7); // raw space: outside the byte alphabet, decodes to its UTF-8 bytes
        vocab.put("中", 8); // likewise
        vocab.put("zz", 9); // two strings for id 9: the later one is the id's string
        vocab.put("yy", 9);
        vocab.put("d", 10); // id 10 is also the added token "<d>", which wins
        vocab.put("e", 15); // id 14 is unused
        vocab.put("bc", 16); // no merge makes it: only ignore_merges finds it
        vocab.put("<unk>", 17);
        vocab.put("", 18); // an empty token string
        return vocab;
    }

    static final List<String[]> MERGES = List.of(new String[] {"a", "b"}, new String[] {"ab", "c"}, new String[] {"Ġ", "a"});
    static final List<AddedToken> ADDED = List.of(
            AddedToken.plain(10, "<d>", true),
            AddedToken.plain(11, "<x>", false),
            AddedToken.plain(12, "é", false), // in the byte alphabet: decodes to the byte 0xE9
            AddedToken.plain(13, "<a b>", true)); // outside it: decodes to its UTF-8

    static Tokenizer tokenizer(boolean ignoreMerges, String unk) {
        return Tokenizer.of(new Tokenizer.Spec("edge", vocab(), MERGES, ADDED, PreTokenizer.forRegex(PreTokenizer.QWEN2_REGEX),
                true, unk, unk != null, ignoreMerges));
    }

    /**
     * The BPE corners as a tokenizer.json (Qwen3's file with its model replaced and no added tokens), less what a
     * well-formed file cannot have and HF resolves by accident: a second string for id 9 (the one id 9 decodes to
     * follows HF's hash map order) and added tokens at ids inside the vocabulary (HF ignores the declared ids and
     * numbers added tokens from the vocabulary's size, onto ids other tokens hold).
     */
    static Path writeTokenizerJson(Path dir, boolean ignoreMerges, String unk) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(Fixtures.tokenizerDir().resolve("tokenizer.json").toFile());
        ObjectNode model = (ObjectNode) root.get("model");
        ObjectNode v = model.putObject("vocab");
        vocab().forEach((token, id) -> {
            if (!token.equals("zz") && !token.equals("d")) v.put(token, id);
        });
        ArrayNode m = model.putArray("merges");
        for (String[] pair : MERGES) m.add(pair[0] + " " + pair[1]);
        if (unk == null) model.putNull("unk_token");
        else model.put("unk_token", unk);
        model.put("fuse_unk", unk != null);
        model.put("ignore_merges", ignoreMerges);
        root.putArray("added_tokens");
        Path file = dir.resolve("tokenizer-" + ignoreMerges + "-" + unk + ".json");
        json.writeValue(file.toFile(), root);
        return file;
    }

    /** The BPE corners against HF's own tokenizer: the ids of every text and the decode of every id. */
    static void matchesHuggingFace(Path dir, boolean ignoreMerges, String unk) throws Exception {
        Path file = writeTokenizerJson(dir, ignoreMerges, unk);
        Tokenizer ours = Tokenizer.load(file);
        try (HuggingFaceTokenizer hf = DjlTokenizers.load(file)) {
            for (String text : List.of("abc ab a", "bc", "d d", "yy zz", "qq q a", "x 中 中中", "", "abcabc Ġa  ab\n\nc",
                    " x e\u00e9")) {
                assertThat(ours.encode(text)).as("encode %s", show(text))
                        .containsExactly(HuggingFaceDifferentialTest.hfIds(hf.encode(text, false, false)));
            }
            for (int id = 0; id < ours.size(); id++) {
                assertThat(ours.decode(new int[] {id}, false)).as("decode %d", id).isEqualTo(hf.decode(new long[] {id}, false));
            }
        }
    }

    @Test
    void plainMatchesHuggingFace(@TempDir Path dir) throws Exception {
        matchesHuggingFace(dir, false, null);
    }

    @Test
    void ignoreMergesWithFusedUnkMatchesHuggingFace(@TempDir Path dir) throws Exception {
        matchesHuggingFace(dir, true, "<unk>");
    }

    /** Every id's string, specialness and decodes, and the id of each probe string, one line each. */
    static String describeVocabulary(Tokenizer t) {
        StringBuilder sb = new StringBuilder("size " + t.size() + "\n");
        for (int id = -1; id <= t.size(); id++) {
            sb.append("id ").append(id).append(": ").append(show(t.tokenString(id))).append(t.isSpecial(id) ? " special" : "")
                    .append(" -> ").append(show(t.decode(new int[] {id}, false))).append(" / ")
                    .append(show(t.decode(new int[] {id}, true))).append('\n');
        }
        for (String s : List.of("a", "ab", "abc", "Ġ", "Ġa", " a", " x", "x", "中", "中中", "zz", "yy", "d", "<d>", "<x>",
                "é", "Ã©", "<a b>", "<a", "bc", "<unk>", "", "q", "no such")) {
            sb.append("tokenId ").append(show(s)).append(" = ").append(t.tokenId(s)).append('\n');
        }
        return sb.toString();
    }

    /** Ids of each probe text with added tokens recognised, then as plain text. */
    static String describeEncodings(Tokenizer t) {
        StringBuilder sb = new StringBuilder();
        for (String s : List.of("abc ab a", "bc", "d d<d>", "yy zz", "qq q a", "é<x>中", "x <a b> é", "")) {
            sb.append("encode ").append(show(s)).append(" = ").append(Arrays.toString(t.encode(s))).append(" / ")
                    .append(Arrays.toString(t.encode(s, false))).append('\n');
        }
        return sb.toString();
    }

    static String show(String s) {
        if (s == null) return "null";
        StringBuilder sb = new StringBuilder("'");
        s.codePoints().forEach(c -> {
            if (c >= 0x20 && c < 0x7F) sb.appendCodePoint(c);
            else sb.append(String.format("{%04X}", c));
        });
        return sb.append('\'').toString();
    }

    @Test
    void plain() {
        Tokenizer t = tokenizer(false, null);
        assertThat(describeVocabulary(t)).isEqualTo(VOCABULARY);
        assertThat(describeEncodings(t)).isEqualTo(PLAIN_ENCODINGS);
    }

    @Test
    void ignoreMergesWithFusedUnk() {
        Tokenizer t = tokenizer(true, "<unk>");
        assertThat(describeVocabulary(t)).isEqualTo(VOCABULARY);
        assertThat(describeEncodings(t)).isEqualTo(IGNORE_MERGES_FUSED_UNK_ENCODINGS);
    }

    /** Ids and token strings do not depend on ignore_merges or unk. */
    static final String VOCABULARY = """
            size 19
            id -1: null -> '' / ''
            id 0: 'a' -> 'a' / 'a'
            id 1: 'b' -> 'b' / 'b'
            id 2: 'c' -> 'c' / 'c'
            id 3: '{0120}' -> ' ' / ' '
            id 4: 'ab' -> 'ab' / 'ab'
            id 5: 'abc' -> 'abc' / 'abc'
            id 6: '{0120}a' -> ' a' / ' a'
            id 7: ' x' -> ' x' / ' x'
            id 8: '{4E2D}' -> '{4E2D}' / '{4E2D}'
            id 9: 'yy' -> 'yy' / 'yy'
            id 10: '<d>' special -> '<d>' / ''
            id 11: '<x>' -> '<x>' / '<x>'
            id 12: '{00E9}' -> '{FFFD}' / '{FFFD}'
            id 13: '<a b>' special -> '<a b>' / ''
            id 14: null -> '' / ''
            id 15: 'e' -> 'e' / 'e'
            id 16: 'bc' -> 'bc' / 'bc'
            id 17: '<unk>' -> '<unk>' / '<unk>'
            id 18: '' -> '' / ''
            id 19: null -> '' / ''
            tokenId 'a' = 0
            tokenId 'ab' = 4
            tokenId 'abc' = 5
            tokenId '{0120}' = 3
            tokenId '{0120}a' = 6
            tokenId ' a' = -1
            tokenId ' x' = 7
            tokenId 'x' = -1
            tokenId '{4E2D}' = 8
            tokenId '{4E2D}{4E2D}' = -1
            tokenId 'zz' = 9
            tokenId 'yy' = 9
            tokenId 'd' = 10
            tokenId '<d>' = 10
            tokenId '<x>' = 11
            tokenId '{00E9}' = 12
            tokenId '{00C3}{00A9}' = -1
            tokenId '<a b>' = 13
            tokenId '<a' = -1
            tokenId 'bc' = 16
            tokenId '<unk>' = 17
            tokenId '' = 18
            tokenId 'q' = -1
            tokenId 'no such' = -1
            """;

    static final String PLAIN_ENCODINGS = """
            encode 'abc ab a' = [5, 3, 4, 6] / [5, 3, 4, 6]
            encode 'bc' = [1, 2] / [1, 2]
            encode 'd d<d>' = [10, 3, 10, 10] / [10, 3, 10, 10]
            encode 'yy zz' = [3] / [3]
            encode 'qq q a' = [3, 6] / [3, 6]
            encode '{00E9}<x>{4E2D}' = [12, 11] / []
            encode 'x <a b> {00E9}' = [3, 13, 3, 12] / [3, 0, 3, 1, 3]
            encode '' = [] / []
            """;

    static final String IGNORE_MERGES_FUSED_UNK_ENCODINGS = """
            encode 'abc ab a' = [5, 3, 4, 6] / [5, 3, 4, 6]
            encode 'bc' = [16] / [16]
            encode 'd d<d>' = [10, 3, 10, 10] / [10, 3, 10, 17, 10, 17]
            encode 'yy zz' = [9, 3, 17] / [9, 3, 17]
            encode 'qq q a' = [17, 3, 17, 6] / [17, 3, 17, 6]
            encode '{00E9}<x>{4E2D}' = [12, 11, 17] / [17, 17, 17]
            encode 'x <a b> {00E9}' = [17, 3, 13, 3, 12] / [17, 3, 17, 0, 3, 1, 17, 3, 17]
            encode '' = [] / []
            """;

}
