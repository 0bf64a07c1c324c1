package io.fangwusha.core.template;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every case of shared/fixtures/chat-template-cases.jsonl (rendered by transformers) must match byte for byte. */
class ChatTemplateFixtureTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ChatTemplate QWEN3 =
            ChatTemplate.fromTokenizerConfig(Fixtures.tokenizerDir().resolve("tokenizer_config.json"));

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (String line : Files.readAllLines(Fixtures.fixtures().resolve("chat-template-cases.jsonl"))) {
            if (line.isBlank()) continue;
            JsonNode n = JSON.readTree(line);
            out.add(Arguments.of(n.get("name").asText(), n));
        }
        assertThat(out).hasSize(12);
        return out.stream();
    }

    @SuppressWarnings("unchecked")
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersLikeTransformers(String name, JsonNode c) {
        List<Map<String, Object>> messages = JSON.convertValue(c.get("messages"), List.class);
        Map<String, Object> kwargs = JSON.convertValue(c.get("kwargs"), LinkedHashMap.class);
        boolean addGen = Boolean.TRUE.equals(kwargs.remove("add_generation_prompt"));
        List<Map<String, Object>> tools = (List<Map<String, Object>>) kwargs.remove("tools");
        String rendered = QWEN3.render(messages, tools, addGen, kwargs);
        assertThat(rendered).isEqualTo(c.get("rendered").asText());
    }

    @SuppressWarnings("unchecked")
    @Test
    void readsSpecialTokensFromConfig() {
        assertThat(QWEN3.specialTokens()).containsEntry("eos_token", "<|im_end|>")
                .containsEntry("pad_token", "<|endoftext|>").doesNotContainKey("bos_token");
        assertThat((List<Object>) QWEN3.specialTokens().get("additional_special_tokens")).contains("<|im_start|>");
    }
}
