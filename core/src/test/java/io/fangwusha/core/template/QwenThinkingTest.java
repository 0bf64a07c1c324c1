package io.fangwusha.core.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.fangwusha.core.template.QwenThinking.SoftSwitch;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QwenThinkingTest {
    private static Map<String, Object> msg(String role, Object content) {
        return Map.of("role", role, "content", content);
    }

    @Test
    void lastSoftSwitchInUserOrSystemMessagesWins() {
        assertThat(QwenThinking.lastSoftSwitch(List.of(msg("user", "你好")))).isEqualTo(SoftSwitch.NONE);
        assertThat(QwenThinking.softSwitchDisablesThinking(List.of(msg("user", "How many r's in strawberry? /no_think")))).isTrue();
        List<Map<String, Object>> conv = List.of(
                msg("system", "Be brief. /no_think"),
                msg("user", "Question one"),
                msg("assistant", "Sure /think"), // assistant text is not a switch
                msg("user", "Think hard about this /think"));
        assertThat(QwenThinking.lastSoftSwitch(conv)).isEqualTo(SoftSwitch.THINK);
        assertThat(QwenThinking.softSwitchDisablesThinking(conv)).isFalse();
        assertThat(QwenThinking.lastSoftSwitch(List.of(msg("user", "/think then /no_think")))).isEqualTo(SoftSwitch.NO_THINK);
    }

    @Test
    void onlyWholeWordsCount() {
        assertThat(QwenThinking.lastSoftSwitch(List.of(msg("user", "see /thinking and a/no_think and /no_thinker"))))
                .isEqualTo(SoftSwitch.NONE);
        assertThat(QwenThinking.lastSoftSwitch(List.of(msg("user", "句末/no_think。")))).isEqualTo(SoftSwitch.NO_THINK);
    }

    @Test
    void readsTextPartsOfMultimodalContent() {
        Object parts = List.of(Map.of("type", "image"), Map.of("type", "text", "text", "describe /no_think"));
        assertThat(QwenThinking.softSwitchDisablesThinking(List.of(msg("user", parts)))).isTrue();
    }
}
