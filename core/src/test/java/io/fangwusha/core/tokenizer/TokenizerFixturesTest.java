package io.fangwusha.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The reference ids, decodes and added-token matches computed by HF's tokenizers (shared fixtures). */
class TokenizerFixturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static Tokenizer tok;

    @BeforeAll
    static void load() {
        tok = Tokenizer.load(Fixtures.tokenizerDir().resolve("tokenizer.json"));
    }

    static Stream<Arguments> lines(String file) throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (String line : Files.readAllLines(Fixtures.fixtures().resolve(file))) {
            if (line.isBlank()) continue;
            JsonNode n = JSON.readTree(line);
            out.add(Arguments.of(n.path("id").asText(n.path("name").asText("case" + out.size())), n));
        }
        return out.stream();
    }

    static Stream<Arguments> tokenizerCases() throws IOException {
        return lines("tokenizer-cases.jsonl");
    }

    static Stream<Arguments> chatCases() throws IOException {
        return lines("chat-template-cases.jsonl");
    }

    static int[] ints(JsonNode arr) {
        int[] r = new int[arr.size()];
        for (int i = 0; i < r.length; i++) r[i] = arr.get(i).asInt();
        return r;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tokenizerCases")
    void tokenizerCase(String id, JsonNode c) {
        String text = c.get("text").asText();
        int[] expected = ints(c.get("ids"));
        int[] ids = tok.encode(text);
        assertThat(ids).as("ids of %s", id).containsExactly(expected);
        if (c.has("decoded")) assertThat(tok.decode(expected, false)).isEqualTo(c.get("decoded").asText());
        if (c.has("roundtrip")) assertThat(tok.decode(expected, false).equals(text)).isEqualTo(c.get("roundtrip").asBoolean());
        if (c.has("decoded_skip_special")) assertThat(tok.decode(expected, true)).isEqualTo(c.get("decoded_skip_special").asText());
        if (c.has("ids_ordinary")) assertThat(tok.encode(text, false)).containsExactly(ints(c.get("ids_ordinary")));
        if (c.has("added_tokens_matched")) {
            List<String> matched = new ArrayList<>();
            for (int i : ids) if (i >= 151643) matched.add(tok.tokenString(i));
            List<String> want = new ArrayList<>();
            c.get("added_tokens_matched").forEach(n -> want.add(n.asText()));
            assertThat(matched).isEqualTo(want);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("chatCases")
    void chatTemplateCase(String id, JsonNode c) {
        assertThat(tok.encode(c.get("rendered").asText())).containsExactly(ints(c.get("ids")));
    }

    @Test
    void vocabularyShape() {
        assertThat(tok.size()).isEqualTo(151669);
        assertThat(tok.tokenId("<|im_start|>")).isEqualTo(151644);
        assertThat(tok.tokenString(151645)).isEqualTo("<|im_end|>");
        assertThat(tok.isSpecial(151645)).isTrue();
        assertThat(tok.isSpecial(151667)).as("<think> is not special").isFalse();
        assertThat(tok.isSpecial(100)).isFalse();
        assertThat(tok.tokenString(220)).isEqualTo("Ġ");
        assertThat(tok.tokenId("Ġ")).isEqualTo(220);
        assertThat(tok.tokenId("no such token")).isEqualTo(-1);
        assertThat(tok.tokenString(-1)).isNull();
        assertThat(tok.tokenString(tok.size())).isNull();
        assertThat(tok.decode(new int[] {-5, 999_999, 108386}, false)).as("unknown ids are dropped").isEqualTo("你好");
    }

    @Test
    void fixtureModelTokenizersLoadAndAgree() {
        for (String m : List.of("tiny-qwen3-a", "tiny-qwen3-b")) {
            Path p = Fixtures.model(m).resolve("tokenizer.json");
            Tokenizer t = Tokenizer.load(p);
            assertThat(t.size()).isEqualTo(tok.size());
            String s = "<|im_start|>user\n床前明月光，疑是地上霜。Hello world's 123<|im_end|>";
            assertThat(t.encode(s)).containsExactly(tok.encode(s));
        }
    }
}
