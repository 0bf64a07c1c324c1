package io.fangwusha.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Vocabulary corners Qwen3's files do not exercise: strings outside the byte alphabet, two strings for one id, a
 * vocabulary id taken over by an added token, gaps in the ids, {@code ignore_merges}, unk with {@code fuse_unk}. The
 * expected text was produced by the String/HashMap implementation before the vocabulary became a byte table.
 */
class TokenizerEdgeCasesTest {

    static Tokenizer tokenizer(boolean ignoreMerges, String unk) {
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
        List<String[]> merges = List.of(new String[] {"a", "b"}, new String[] {"ab", "c"}, new String[] {"Ġ", "a"});
        List<AddedToken> added = List.of(
                AddedToken.plain(10, "<d>", true),
                AddedToken.plain(11, "<x>", false),
                AddedToken.plain(12, "é", false), // in the byte alphabet: decodes to the byte 0xE9
                AddedToken.plain(13, "<a b>", true)); // outside it: decodes to its UTF-8
        return Tokenizer.of(new Tokenizer.Spec("edge", vocab, merges, added, PreTokenizer.forRegex(PreTokenizer.QWEN2_REGEX),
                true, unk, unk != null, ignoreMerges));
    }

    /** Everything observable about a tokenizer on these strings and texts, one line each. */
    static String describe(Tokenizer t) {
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
        assertThat(describe(tokenizer(false, null))).isEqualTo(PLAIN);
    }

    @Test
    void ignoreMergesWithFusedUnk() {
        assertThat(describe(tokenizer(true, "<unk>"))).isEqualTo(IGNORE_MERGES_FUSED_UNK);
    }

    static final String PLAIN = """
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
            encode 'abc ab a' = [5, 3, 4, 6] / [5, 3, 4, 6]
            encode 'bc' = [1, 2] / [1, 2]
            encode 'd d<d>' = [10, 3, 10, 10] / [10, 3, 10, 10]
            encode 'yy zz' = [3] / [3]
            encode 'qq q a' = [3, 6] / [3, 6]
            encode '{00E9}<x>{4E2D}' = [12, 11] / []
            encode 'x <a b> {00E9}' = [3, 13, 3, 12] / [3, 0, 3, 1, 3]
            encode '' = [] / []
            """;

    static final String IGNORE_MERGES_FUSED_UNK = """
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
