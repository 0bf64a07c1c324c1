package io.fangwusha.core.template;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Qwen3's thinking switches. The hard switch is the {@code enable_thinking} template kwarg (pass it in
 * {@link ChatTemplate#render}'s extraKwargs; false makes the template pre-fill an empty think block). The soft
 * switches are {@code /think} and {@code /no_think} written in a user or system message: the template leaves them
 * in the text and the model itself obeys the most recent one. This class tells a UI which one is in force.
 */
public final class QwenThinking {
    private QwenThinking() {}

    /** The most recent soft switch in the conversation. */
    public enum SoftSwitch { THINK, NO_THINK, NONE }

    // "/think" or "/no_think" as a word: not part of a path ("a/think") or a longer word ("/thinking"). Only ASCII
    // word characters count before it, since Chinese text often runs straight into the switch ("句末/no_think").
    private static final Pattern SWITCH = Pattern.compile("(?<![A-Za-z0-9_/])/(no_)?think(?![\\p{L}\\p{N}_])");

    public static SoftSwitch lastSoftSwitch(List<Map<String, Object>> messages) {
        SoftSwitch last = SoftSwitch.NONE;
        if (messages == null) return last;
        for (Map<String, Object> m : messages) {
            Object role = m.get("role");
            if (!"user".equals(role) && !"system".equals(role)) continue;
            for (String text : texts(m.get("content"))) {
                Matcher matcher = SWITCH.matcher(text);
                while (matcher.find()) last = matcher.group(1) != null ? SoftSwitch.NO_THINK : SoftSwitch.THINK;
            }
        }
        return last;
    }

    /** True when the last soft switch in user/system messages is {@code /no_think}. */
    public static boolean softSwitchDisablesThinking(List<Map<String, Object>> messages) {
        return lastSoftSwitch(messages) == SoftSwitch.NO_THINK;
    }

    /** Text of a message's content: a string, or the "text" of each {type: text} part of a list. */
    private static List<String> texts(Object content) {
        if (content instanceof String s) return List.of(s);
        if (content instanceof List<?> parts) {
            return parts.stream().filter(p -> p instanceof Map<?, ?> m && m.get("text") instanceof String)
                    .map(p -> (String) ((Map<?, ?>) p).get("text")).toList();
        }
        return List.of();
    }
}
