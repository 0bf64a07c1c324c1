package io.fangwusha.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Checks of the tool-related request fields, answered as OpenAI does (400 naming the field): {@code tools},
 * {@code tool_choice}, and the {@code tool_calls} / {@code tool_call_id} of messages.
 */
final class ToolRequests {
    private ToolRequests() {}

    /** A {@code tools[i]} entry: {@code {"type": "function", "function": {"name": ..., ...}}}. */
    static void checkTool(JsonNode tool, String where) {
        if (!tool.isObject()) throw JsonFields.wrongType(where, "an object", tool);
        JsonNode type = tool.get("type");
        if (type != null && !type.isNull() && !(type.isTextual() && "function".equals(type.asText()))) {
            throw ApiException.badRequest(where + ".type", where + ".type: only \"function\" tools are supported");
        }
        JsonNode fn = tool.get("function");
        if (fn == null || !fn.isObject()) throw ApiException.badRequest(where + ".function", where + ".function: required object");
        requireName(fn, where + ".function.name");
        JsonNode params = fn.get("parameters");
        if (params != null && !params.isNull() && !params.isObject()) throw JsonFields.wrongType(where + ".function.parameters", "an object", params);
    }

    /**
     * {@code tool_choice}: "none", "auto", "required" or {@code {"type": "function", "function": {"name": ...}}}.
     * Returns "auto" when unset, the string, or "function" for a named function (which must be among the tools).
     */
    static String toolChoice(JsonNode choice, List<Map<String, Object>> tools) {
        if (choice == null || choice.isNull()) return "auto";
        if (choice.isTextual()) {
            String v = choice.asText();
            if (!List.of("none", "auto", "required").contains(v)) {
                throw ApiException.badRequest("tool_choice", "tool_choice: expected \"none\", \"auto\", \"required\" or a"
                        + " {\"type\": \"function\", \"function\": {\"name\": ...}} object, got '" + v + "'");
            }
            if ("required".equals(v) && tools == null) {
                throw ApiException.badRequest("tool_choice", "tool_choice: \"required\" needs a non-empty tools list");
            }
            return v;
        }
        if (!choice.isObject()) throw JsonFields.wrongType("tool_choice", "a string or an object", choice);
        JsonNode type = choice.get("type");
        if (type == null || !type.isTextual() || !"function".equals(type.asText())) {
            throw ApiException.badRequest("tool_choice.type", "tool_choice.type: expected \"function\"");
        }
        JsonNode fn = choice.get("function");
        if (fn == null || !fn.isObject()) throw ApiException.badRequest("tool_choice.function", "tool_choice.function: required object");
        String name = requireName(fn, "tool_choice.function.name");
        boolean known = tools != null && tools.stream().anyMatch(t -> t.get("function") instanceof Map<?, ?> f && name.equals(f.get("name")));
        if (!known) throw ApiException.badRequest("tool_choice", "tool_choice: function '" + name + "' is not among the tools");
        return "function";
    }

    /** An assistant's {@code tool_calls} (arguments a JSON string, as the SDKs send, or an object) and {@code tool_call_id}. */
    static void checkMessageToolFields(JsonNode msg, String where) {
        JsonNode id = msg.get("tool_call_id");
        if (id != null && !id.isNull() && !id.isTextual()) throw JsonFields.wrongType(where + ".tool_call_id", "a string", id);
        JsonNode calls = msg.get("tool_calls");
        if (calls == null || calls.isNull()) return;
        if (!"assistant".equals(msg.path("role").asText())) {
            throw ApiException.badRequest(where + ".tool_calls", where + ".tool_calls: only assistant messages carry tool calls");
        }
        if (!calls.isArray()) throw JsonFields.wrongType(where + ".tool_calls", "an array", calls);
        for (int j = 0; j < calls.size(); j++) {
            String at = where + ".tool_calls[" + j + "]";
            JsonNode call = calls.get(j);
            if (!call.isObject()) throw JsonFields.wrongType(at, "an object", call);
            JsonNode fn = call.get("function");
            if (fn == null || !fn.isObject()) throw ApiException.badRequest(at + ".function", at + ".function: required object");
            requireName(fn, at + ".function.name");
            JsonNode args = fn.get("arguments");
            if (args == null || args.isNull()) throw ApiException.badRequest(at + ".function.arguments", at + ".function.arguments: required");
            if (!args.isTextual() && !args.isObject()) throw JsonFields.wrongType(at + ".function.arguments", "a string or an object", args);
        }
    }

    private static String requireName(JsonNode fn, String param) {
        JsonNode name = fn.get("name");
        if (name == null || !name.isTextual() || name.asText().isEmpty()) throw ApiException.badRequest(param, param + ": required string");
        return name.asText();
    }
}
