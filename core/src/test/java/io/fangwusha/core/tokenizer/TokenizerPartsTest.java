package io.fangwusha.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.Fixtures;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fromParts / fromGguf against load(tokenizer.json), the regex path against the scanner, and bad files. */
class TokenizerPartsTest {
    static Tokenizer reference;
    static List<Corpus.Text> sample;

    @BeforeAll
    static void load() {
        reference = Tokenizer.load(Fixtures.tokenizerDir().resolve("tokenizer.json"));
        List<Corpus.Text> all = Corpus.texts();
        sample = new ArrayList<>();
        for (int i = 0; i < all.size(); i += 20) sample.add(all.get(i));
        for (String s : Corpus.fuzz(99, 3000, true)) sample.add(new Corpus.Text("fuzz", s));
    }

    static void assertSameIds(Tokenizer t) {
        for (Corpus.Text x : sample) assertThat(t.encode(x.text())).as(x.where()).containsExactly(reference.encode(x.text()));
    }

    @Test
    void fromPartsOfVocabJsonAndMergesTxt() throws IOException {
        Path dir = Fixtures.tokenizerDir();
        JsonNode vocab = new ObjectMapper().readTree(dir.resolve("vocab.json").toFile());
        List<String> tokens = new ArrayList<>();
        vocab.fields().forEachRemaining(e -> {
            while (tokens.size() <= e.getValue().asInt()) tokens.add(null);
            tokens.set(e.getValue().asInt(), e.getKey());
        });
        List<String> merges = Files.readAllLines(dir.resolve("merges.txt")).stream()
                .filter(l -> !l.startsWith("#version") && !l.isEmpty()).toList();
        List<AddedToken> added = new ArrayList<>();
        for (int id = 151643; id < reference.size(); id++) added.add(AddedToken.plain(id, reference.tokenString(id), reference.isSpecial(id)));
        Tokenizer t = Tokenizer.fromParts(tokens, merges, added, "qwen2");
        assertThat(t.size()).isEqualTo(reference.size());
        assertSameIds(t);
    }

    @Test
    void fromGgufMetadataOfTheFixtureModel() throws IOException {
        Map<String, Object> kv = readGgufMetadata(Fixtures.fixtures().resolve("models/tiny-qwen3-a-q8_0.gguf"));
        @SuppressWarnings("unchecked") List<String> tokens = (List<String>) kv.get("tokenizer.ggml.tokens");
        @SuppressWarnings("unchecked") List<String> merges = (List<String>) kv.get("tokenizer.ggml.merges");
        @SuppressWarnings("unchecked") List<Long> types = (List<Long>) kv.get("tokenizer.ggml.token_type");
        int[] typeArr = types.stream().mapToInt(Long::intValue).toArray();
        Tokenizer t = Tokenizer.fromGguf(tokens, merges, typeArr, (String) kv.get("tokenizer.ggml.pre"));
        assertThat(t.size()).isEqualTo(151669);
        assertSameIds(t);
        assertThat(t.isSpecial(151644)).isTrue();
        assertThat(t.isSpecial(151667)).isFalse();
        assertThat(t.tokenId("[PAD151669]")).isEqualTo(-1);
    }

    @Test
    void regexPreTokenizerAgreesWithTheScanner() {
        // java.util.regex with UNICODE_CHARACTER_CLASS runs the Qwen2 regex itself: an independent check of the scanner.
        PreTokenizer regex = new RegexPreTokenizer(PreTokenizer.QWEN2_REGEX);
        PreTokenizer scanner = new Qwen2PreTokenizer();
        List<String> texts = new ArrayList<>();
        sample.forEach(x -> texts.add(x.text()));
        texts.addAll(Corpus.fuzz(5, 20_000, false));
        texts.add(Corpus.whole("corpus/debian-faq-zh-cn/debian-faq-zh-cn.txt"));
        for (String s : texts) assertThat(pieces(scanner, s)).as(s).isEqualTo(pieces(regex, s));
    }

    static List<String> pieces(PreTokenizer p, String s) {
        List<String> out = new ArrayList<>();
        p.split(s, (a, b) -> out.add(s.substring(a, b)));
        return out;
    }

    @Test
    void addedTokenFlagsFollowHf() {
        Tokenizer base = reference;
        List<String> tokens = new ArrayList<>();
        for (int id = 0; id < 151643; id++) tokens.add(base.tokenString(id));
        List<String> merges = List.of();
        List<AddedToken> added = List.of(
                new AddedToken(151643, "<L>", true, false, true, false, false),
                new AddedToken(151644, "<R>", true, false, false, true, false),
                new AddedToken(151645, "word", false, true, false, false, false));
        Tokenizer t = Tokenizer.fromParts(tokens, merges, added, "qwen2");
        // lstrip swallows the spaces on its left, rstrip those on its right (Unicode White_Space, incl. U+3000).
        assertThat(t.encode("a  <L>b")).containsExactly(t.tokenId("a"), 151643, t.tokenId("b"));
        assertThat(t.encode("a<R>\u3000 b")).containsExactly(t.tokenId("a"), 151644, t.tokenId("b"));
        // single_word: not inside a word.
        assertThat(t.encode("a word.")).contains(151645);
        assertThat(t.encode("swords")).doesNotContain(151645);
        assertThat(t.decode(t.encode("x <L> y"), true)).isEqualTo("x y");
    }

    @Test
    void badFilesNameTheFileAndField(@TempDir Path dir) throws IOException {
        String good = Files.readString(Fixtures.model("tiny-qwen3-a").resolve("tokenizer.json"));
        Map<String, String[]> cases = new HashMap<>();
        cases.put("model.type", new String[] {"\"type\": \"BPE\"", "\"type\": \"WordPiece\""});
        cases.put("normalizer", new String[] {"\"normalizer\": {\n    \"type\": \"NFC\"\n  }", "\"normalizer\": {\"type\": \"NFKC\"}"});
        cases.put("behavior", new String[] {"\"behavior\": \"Isolated\"", "\"behavior\": \"Removed\""});
        cases.put("model.merges[0]", new String[] {"\"merges\": [", "\"merges\": [42, "});
        for (Map.Entry<String, String[]> c : cases.entrySet()) {
            String bad = good.replaceFirst(java.util.regex.Pattern.quote(c.getValue()[0]), java.util.regex.Matcher.quoteReplacement(c.getValue()[1]));
            assertThat(bad).as(c.getKey()).isNotEqualTo(good);
            Path f = dir.resolve(c.getKey().replaceAll("\\W", "_") + ".json");
            Files.writeString(f, bad);
            assertThatThrownBy(() -> Tokenizer.load(f)).isInstanceOf(FangwushaException.class)
                    .hasMessageContaining(f.toString()).hasMessageContaining(c.getKey())
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, good.substring(0, 1000));
        assertThatThrownBy(() -> Tokenizer.load(broken)).isInstanceOf(FangwushaException.class).hasMessageStartingWith(broken.toString());
        assertThatThrownBy(() -> Tokenizer.load(dir.resolve("missing.json"))).isInstanceOf(FangwushaException.class);
        assertThatThrownBy(() -> Tokenizer.fromParts(List.of("a", "b"), List.of("a c"), List.of(), "qwen2"))
                .isInstanceOf(FangwushaException.class).hasMessageContaining("merges[0]");
    }

    /** Minimal GGUF metadata reader (strings, integers and arrays of them), enough for the tokenizer keys. */
    static Map<String, Object> readGgufMetadata(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            DataInputStream d = new DataInputStream(in);
            if (Integer.reverseBytes(d.readInt()) != 0x46554747) throw new IOException("not GGUF");
            Integer.reverseBytes(d.readInt()); // version
            Long.reverseBytes(d.readLong()); // tensor count
            long n = Long.reverseBytes(d.readLong());
            Map<String, Object> kv = new HashMap<>();
            for (long i = 0; i < n; i++) {
                String key = ggufString(d);
                kv.put(key, ggufValue(d, Integer.reverseBytes(d.readInt())));
            }
            return kv;
        }
    }

    static String ggufString(DataInputStream d) throws IOException {
        byte[] b = new byte[Math.toIntExact(Long.reverseBytes(d.readLong()))];
        d.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    static Object ggufValue(DataInputStream d, int type) throws IOException {
        return switch (type) {
            case 0, 1 -> (long) d.readByte();
            case 2, 3 -> (long) Short.reverseBytes(d.readShort());
            case 4, 5 -> (long) Integer.reverseBytes(d.readInt());
            case 6 -> Float.intBitsToFloat(Integer.reverseBytes(d.readInt()));
            case 7 -> d.readByte() != 0;
            case 8 -> ggufString(d);
            case 9 -> {
                int et = Integer.reverseBytes(d.readInt());
                long len = Long.reverseBytes(d.readLong());
                List<Object> l = new ArrayList<>();
                for (long i = 0; i < len; i++) l.add(ggufValue(d, et));
                yield l;
            }
            case 10, 11 -> Long.reverseBytes(d.readLong());
            case 12 -> Double.longBitsToDouble(Long.reverseBytes(d.readLong()));
            default -> throw new IOException("GGUF value type " + type);
        };
    }
}
