package io.fangwusha.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fangwusha.core.generate.FinishReason;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** OpenAI's JSON for parsed tool calls: {@code message.tool_calls}, {@code delta.tool_calls} and the finish reason. */
final class ToolCallJson {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private ToolCallJson() {}

    /** {@code call_} and 24 random letters and digits, as OpenAI's ids look. */
    static String newId() {
        StringBuilder b = new StringBuilder("call_");
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < 24; i++) b.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        return b.toString();
    }

    /** {@code message.tool_calls} of a non-streaming answer. */
    static ArrayNode message(List<ToolCallParser.ToolCall> calls) {
        ArrayNode arr = JsonNodeFactory.instance.arrayNode();
        for (ToolCallParser.ToolCall c : calls) arr.add(call(newId(), c));
        return arr;
    }

    /** A streaming delta carrying one whole call as {@code tool_calls[0]}, with its index among the choice's calls. */
    static ObjectNode delta(int index, ToolCallParser.ToolCall c) {
        ObjectNode delta = JsonNodeFactory.instance.objectNode();
        ObjectNode call = call(newId(), c);
        ObjectNode withIndex = delta.putArray("tool_calls").addObject();
        withIndex.put("index", index);
        withIndex.setAll(call);
        return delta;
    }

    private static ObjectNode call(String id, ToolCallParser.ToolCall c) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("id", id);
        o.put("type", "function");
        ObjectNode fn = o.putObject("function");
        fn.put("name", c.name());
        fn.put("arguments", c.arguments());
        return o;
    }

    /** {@code tool_calls} when the answer ended normally after at least one call, as vLLM and OpenAI report it. */
    static String finishReason(FinishReason reason, int calls) {
        return calls > 0 && reason == FinishReason.STOP ? "tool_calls" : reason.openAiName;
    }
}
