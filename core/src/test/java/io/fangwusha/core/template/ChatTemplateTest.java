package io.fangwusha.core.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fangwusha.core.FangwushaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplateTest {
    @TempDir
    Path dir;

    private static final String SIMPLE = "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{{ eos_token }}"
            + "{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}{{ tools is none }}{{ flag | default('-') }}";

    private Path config(String json) throws IOException {
        Path p = dir.resolve("tokenizer_config.json");
        Files.writeString(p, json);
        return p;
    }

    @Test
    void ofRendersWithSpecialTokensAndKwargs() {
        ChatTemplate t = ChatTemplate.of(SIMPLE, Map.of("bos_token", "<s>", "eos_token", "</s>"));
        List<Map<String, Object>> msgs = List.of(Map.of("role", "user", "content", "hi"));
        assertThat(t.render(msgs, null, true, null)).isEqualTo("<s>[user]hi</s>[assistant]True-");
        assertThat(t.render(msgs, List.of(), false, Map.of("flag", "F", "eos_token", "E"))).isEqualTo("<s>[user]hiE" + "FalseF");
    }

    @Test
    void namedTemplatesAndTokenObjects() throws IOException {
        Path p = config("""
                {"bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false},
                 "eos_token": "</s>", "unk_token": null,
                 "chat_template": [{"name": "tool_use", "template": "TOOLS"}, {"name": "default", "template": "%s"}]}
                """.formatted(SIMPLE.replace("\"", "\\\"")));
        ChatTemplate t = ChatTemplate.fromTokenizerConfig(p);
        assertThat(t.specialTokens()).containsEntry("bos_token", "<s>").containsEntry("eos_token", "</s>").doesNotContainKey("unk_token");
        assertThat(t.render(List.of(Map.of("role", "user", "content", "x")), null, false, Map.of())).isEqualTo("<s>[user]x</s>True-");
    }

    @Test
    void templateFileBesideConfig() throws IOException {
        Path p = config("{\"eos_token\": \"E\"}");
        assertThatThrownBy(() -> ChatTemplate.fromTokenizerConfig(p)).isInstanceOf(FangwushaException.class)
                .hasMessage("tokenizer_config.json: no 'chat_template' (and no chat_template.jinja beside it)");
        Files.writeString(dir.resolve("chat_template.jinja"), "{{ messages|length }}{{ eos_token }}\n");
        assertThat(ChatTemplate.fromTokenizerConfig(p).render(List.of(), null, false, null)).isEqualTo("0E");
    }

    @Test
    void errorsAreOneLine() throws IOException {
        assertThatThrownBy(() -> ChatTemplate.fromTokenizerConfig(config("{\"chat_template\": [{\"name\": \"a\", \"template\": \"x\"}]}")))
                .isInstanceOf(FangwushaException.class)
                .hasMessage("tokenizer_config.json: chat_template has named templates [a] but none named 'default'");
        assertThatThrownBy(() -> ChatTemplate.fromTokenizerConfig(config("{\"chat_template\": \"{% if %}\"}")))
                .isInstanceOf(FangwushaException.class)
                .hasMessage("tokenizer_config.json: chat template line 1: Expected an expression, got 'end of statement block'");
        ChatTemplate t = ChatTemplate.of("{% for m in messages %}\n{% if m.role not in ['user'] %}"
                + "{{ raise_exception('Only user roles are supported!') }}{% endif %}{% endfor %}", Map.of());
        assertThatThrownBy(() -> t.render(List.of(Map.of("role", "system", "content", "")), null, false, null))
                .isInstanceOf(FangwushaException.class).hasMessage("chat template line 2: Only user roles are supported!");
        Map<String, Object> reserved = new HashMap<>();
        reserved.put("messages", List.of());
        assertThatThrownBy(() -> t.render(List.of(), null, false, reserved)).isInstanceOf(FangwushaException.class)
                .hasMessageContaining("'messages' is reserved");
    }
}
