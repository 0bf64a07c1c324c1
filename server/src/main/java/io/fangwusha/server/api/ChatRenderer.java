package io.fangwusha.server.api;

import java.util.List;
import java.util.Map;

/**
 * Renders a conversation to prompt text with the checkpoint's chat template (messages and tools as the JSON
 * objects the client sent, {@code kwargs} such as {@code enable_thinking} passed to the template). Thread-safe.
 */
@FunctionalInterface
public interface ChatRenderer {
    String render(List<Map<String, Object>> messages, List<Map<String, Object>> tools, boolean addGenerationPrompt,
                  Map<String, Object> kwargs);
}
