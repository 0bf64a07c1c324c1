package io.fangwusha.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.generate.GenerationDefaults;
import io.fangwusha.core.generate.SamplingParams;
import io.fangwusha.core.template.ReasoningParser;
import io.fangwusha.core.tokenizer.Tokenizer;
import io.fangwusha.server.filter.ContentFilter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a request body into a {@link CompletionRequest}: checks every known field's type and range (400 naming the
 * field), renders chat messages with the template, tokenizes, checks the prompt fits the context window, and
 * applies the content filter to the input. Unset sampling fields take the checkpoint's generation_config values,
 * as vLLM does. Unknown fields are ignored (clients send many).
 */
public final class RequestParser {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_N = 16;

    private final String modelId;
    private final Tokenizer tokenizer;
    private final ChatRenderer renderer;
    private final GenerationDefaults defaults;
    private final int maxModelLen;
    private final int maxChoices;
    private final ContentFilter filter;

    public RequestParser(String modelId, Tokenizer tokenizer, ChatRenderer renderer, GenerationDefaults defaults,
                         int maxModelLen, int maxChoices, ContentFilter filter) {
        this.modelId = modelId;
        this.tokenizer = tokenizer;
        this.renderer = renderer;
        this.defaults = defaults;
        this.maxModelLen = maxModelLen;
        this.maxChoices = Math.min(MAX_N, maxChoices);
        this.filter = filter;
    }

    /** Parses a body; malformed JSON and a non-object body are 400s. */
    public static ObjectNode parseBody(String body) {
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(null, "invalid_json",
                    "We could not parse the JSON body of your request: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) throw ApiException.badRequest(null, "invalid_json", "The request body must be a JSON object.");
        return (ObjectNode) n;
    }

    public CompletionRequest parse(ObjectNode body, boolean chat) {
        JsonFields f = new JsonFields(body);
        String model = f.string("model");
        if (model != null && !model.equals(modelId)) {
            throw ApiException.notFound("model_not_found", "The model `" + model + "` does not exist; this server serves `" + modelId + "`.");
        }
        boolean stream = Boolean.TRUE.equals(f.bool("stream"));
        boolean includeUsage = false;
        ObjectNode so = f.object("stream_options");
        if (so != null) {
            JsonFields sf = new JsonFields(so);
            includeUsage = Boolean.TRUE.equals(sf.boolPrefixed("include_usage", "stream_options."));
        }

        String promptText;
        int[] ids;
        boolean opensThink = false;
        boolean echo = false;
        boolean parseToolCalls = false;
        if (chat) {
            List<Map<String, Object>> messages = messages(body);
            List<Map<String, Object>> tools = tools(body);
            String toolChoice = ToolRequests.toolChoice(body.get("tool_choice"), tools);
            // Accepted for compatibility; Qwen3's template has no switch for it, so it changes nothing.
            f.bool("parallel_tool_calls");
            parseToolCalls = tools != null && !"none".equals(toolChoice);
            Map<String, Object> kwargs = new LinkedHashMap<>();
            ObjectNode ck = f.object("chat_template_kwargs");
            if (ck != null) {
                JsonNode et = ck.get("enable_thinking");
                if (et != null && !et.isNull() && !et.isBoolean()) throw JsonFields.wrongType("chat_template_kwargs.enable_thinking", "a boolean", et);
                kwargs.putAll(JSON.convertValue(ck, Map.class));
            }
            for (Map<String, Object> m : messages) checkInput(String.valueOf(m.getOrDefault("content", "")), "messages");
            try {
                promptText = renderer.render(messages, tools, true, kwargs);
            } catch (FangwushaException e) {
                throw ApiException.badRequest("messages", e.getMessage());
            }
            ids = tokenizer.encode(promptText);
            opensThink = ReasoningParser.promptOpensReasoning(promptText);
        } else {
            JsonNode p = f.raw("prompt");
            if (p == null) throw ApiException.badRequest("prompt", "prompt: required");
            echo = Boolean.TRUE.equals(f.bool("echo"));
            if (p.isTextual()) {
                promptText = p.asText();
                ids = tokenizer.encode(promptText);
            } else if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
                promptText = p.get(0).asText();
                ids = tokenizer.encode(promptText);
            } else if (p.isArray() && !p.isEmpty() && allInts(p)) {
                ids = new int[p.size()];
                for (int i = 0; i < ids.length; i++) {
                    long v = p.get(i).asLong();
                    if (v < 0 || v >= tokenizer.size()) throw ApiException.badRequest("prompt", "prompt: token id " + v + " is outside the vocabulary");
                    ids[i] = (int) v;
                }
                promptText = tokenizer.decode(ids, false);
            } else if (p.isArray() && p.size() > 1) {
                throw ApiException.badRequest("prompt", "prompt: batches of several prompts are not supported; send one request per prompt");
            } else {
                throw JsonFields.wrongType("prompt", "a string, an array of one string or an array of token ids", p);
            }
            checkInput(promptText, "prompt");
        }
        if (ids.length == 0) throw ApiException.badRequest(chat ? "messages" : "prompt", "The prompt is empty (0 tokens).");

        Integer maxTokens = f.integer("max_completion_tokens", 1, Integer.MAX_VALUE);
        Integer legacyMax = f.integer("max_tokens", 1, Integer.MAX_VALUE);
        if (maxTokens == null) maxTokens = legacyMax;
        int room = maxModelLen - ids.length;
        if (room < 1) {
            throw ApiException.badRequest(chat ? "messages" : "prompt", "context_length_exceeded",
                    "This model's maximum context length is " + maxModelLen + " tokens. However, your prompt has "
                            + ids.length + " tokens, which leaves no room to generate.");
        }
        if (maxTokens != null && ids.length + (long) maxTokens > maxModelLen) {
            throw ApiException.badRequest(maxTokens.equals(legacyMax) ? "max_tokens" : "max_completion_tokens", "context_length_exceeded",
                    "This model's maximum context length is " + maxModelLen + " tokens. However, you requested "
                            + (ids.length + (long) maxTokens) + " tokens (" + ids.length + " in the prompt, " + maxTokens
                            + " for the completion). Please reduce the prompt or the completion length.");
        }
        int max = maxTokens != null ? maxTokens : room;

        SamplingParams base = SamplingParams.from(defaults, max);
        Double t = f.number("temperature", 0, 2);
        if (t != null) base = base.withTemperature(t);
        Double topP = f.number("top_p", 0, 1);
        if (topP != null) {
            if (topP == 0) throw ApiException.badRequest("top_p", "top_p: must be in (0, 1], got 0");
            base = base.withTopP(topP);
        }
        Integer topK = f.integer("top_k", -1, Integer.MAX_VALUE);
        if (topK != null) base = base.withTopK(topK <= 0 ? 0 : topK);
        Double minP = f.number("min_p", 0, 1);
        if (minP != null) base = base.withMinP(minP);
        Double rep = f.number("repetition_penalty", 0, 10);
        if (rep != null) {
            if (rep == 0) throw ApiException.badRequest("repetition_penalty", "repetition_penalty: must be > 0, got 0");
            base = base.withRepetitionPenalty(rep);
        }
        Double pres = f.number("presence_penalty", -2, 2), freq = f.number("frequency_penalty", -2, 2);
        if (pres != null || freq != null) base = base.withPenalties(pres == null ? 0 : pres, freq == null ? 0 : freq);
        Long seed = f.integer("seed");
        if (seed != null) base = base.withSeed(seed);
        List<String> stop = f.stringOrList("stop");
        for (String s : stop) if (s.isEmpty()) throw ApiException.badRequest("stop", "stop: stop strings must not be empty");
        if (!stop.isEmpty()) base = base.withStop(stop);
        if (Boolean.TRUE.equals(f.bool("ignore_eos"))) base = base.withEos(List.of());

        int logprobs = -1;
        if (chat) {
            Boolean lp = f.bool("logprobs");
            Integer top = f.integer("top_logprobs", 0, 20);
            if (top != null && !Boolean.TRUE.equals(lp)) throw ApiException.badRequest("top_logprobs", "top_logprobs: requires logprobs to be true");
            if (Boolean.TRUE.equals(lp)) logprobs = top == null ? 0 : top;
        } else {
            Integer lp = f.integer("logprobs", 0, 20);
            if (lp != null) logprobs = lp;
        }

        Integer n = f.integer("n", 1, maxChoices);
        int choices = n == null ? 1 : n;
        List<SamplingParams> params = new ArrayList<>();
        for (int i = 0; i < choices; i++) params.add(seed == null ? base : base.withSeed(seed + i));
        return new CompletionRequest(chat, ids, params, stream, includeUsage, logprobs, opensThink, chat, echo, promptText,
                parseToolCalls);
    }

    private void checkInput(String text, String param) {
        if (filter.blocks(text)) {
            throw ApiException.badRequest(param, "content_filter",
                    "The request was blocked by this server's content filter. Please rephrase your message.");
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> messages(ObjectNode body) {
        JsonNode m = body.get("messages");
        if (m == null || m.isNull()) throw ApiException.badRequest("messages", "messages: required");
        if (!m.isArray()) throw JsonFields.wrongType("messages", "an array", m);
        if (m.isEmpty()) throw ApiException.badRequest("messages", "messages: must contain at least one message");
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < m.size(); i++) {
            JsonNode msg = m.get(i);
            String where = "messages[" + i + "]";
            if (!msg.isObject()) throw JsonFields.wrongType(where, "an object", msg);
            JsonNode role = msg.get("role");
            if (role == null || !role.isTextual()) throw ApiException.badRequest(where + ".role", where + ".role: required string");
            String r = role.asText();
            if (!List.of("system", "developer", "user", "assistant", "tool").contains(r)) {
                throw ApiException.badRequest(where + ".role", where + ".role: unknown role '" + r + "'");
            }
            ToolRequests.checkMessageToolFields(msg, where);
            // Tool calls go to the template as sent: arguments as the JSON string the SDKs send, which Qwen3's
            // template prints verbatim ("arguments is string"), as transformers leaves them too.
            Map<String, Object> map = JSON.convertValue(msg, LinkedHashMap.class);
            if ("developer".equals(r)) map.put("role", "system");
            JsonNode content = msg.get("content");
            if (content == null || content.isNull()) {
                map.put("content", "");
            } else if (content.isArray()) {
                // Content parts: the template takes a string, so text parts are joined; other parts are refused.
                StringBuilder text = new StringBuilder();
                for (JsonNode part : content) {
                    JsonNode type = part.get("type");
                    if (part.isObject() && type != null && "text".equals(type.asText()) && part.path("text").isTextual()) {
                        text.append(part.get("text").asText());
                    } else {
                        throw ApiException.badRequest(where + ".content", where + ".content: only text parts are supported");
                    }
                }
                map.put("content", text.toString());
            } else if (!content.isTextual()) {
                throw JsonFields.wrongType(where + ".content", "a string or an array of content parts", content);
            }
            out.add(map);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> tools(ObjectNode body) {
        JsonNode t = body.get("tools");
        if (t == null || t.isNull()) return null;
        if (!t.isArray()) throw JsonFields.wrongType("tools", "an array", t);
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            JsonNode e = t.get(i);
            ToolRequests.checkTool(e, "tools[" + i + "]");
            out.add(JSON.convertValue(e, LinkedHashMap.class));
        }
        return out.isEmpty() ? null : out;
    }

    private static boolean allInts(JsonNode arr) {
        for (JsonNode e : arr) if (!e.isIntegralNumber()) return false;
        return true;
    }
}
