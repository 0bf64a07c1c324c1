package io.fangwusha.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fangwusha.core.Fixtures;
import io.fangwusha.core.LanguageModel;
import io.fangwusha.core.LoadOptions;
import io.fangwusha.core.template.ChatTemplate;
import io.fangwusha.server.filter.ContentFilter;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tool fields of a chat request: a conversation with an assistant's tool_calls (arguments as the JSON string the
 * SDKs send) and tool results renders exactly as transformers renders it (the shared fixture), and tool_choice /
 * parallel_tool_calls / tools / tool_calls of the wrong shape are 400s naming the field.
 */
class ToolRequestsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static LanguageModel lm;
    static RequestParser parser;
    static JsonNode fixture;

    @BeforeAll
    static void load() throws Exception {
        lm = LanguageModel.load(Fixtures.model("tiny-qwen3-a"), LoadOptions.defaults().withThreads(1));
        ChatTemplate template = lm.chatTemplate();
        parser = new RequestParser("m", lm.tokenizer(), template::render, lm.generationDefaults(), 4096, 8, ContentFilter.NONE);
        for (String line : Files.readAllLines(Fixtures.fixtures().resolve("chat-template-cases.jsonl"))) {
            JsonNode c = JSON.readTree(line);
            if (c.toString().contains("calculator")) fixture = c;
        }
        assertThat(fixture).isNotNull();
    }

    @AfterAll
    static void close() {
        lm.close();
    }

    /** The fixture's multi-call conversation as an OpenAI client sends it (ids, string arguments, null content). */
    static ObjectNode sdkShapedBody() throws Exception {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode messages = body.putArray("messages");
        messages.add(JSON.readTree("{\"role\": \"system\", \"content\": \"You can use tools.\"}"));
        messages.add(JSON.readTree("{\"role\": \"user\", \"content\": \"Weather in 上海 and compute 12*7\"}"));
        messages.add(JSON.readTree("""
                {"role": "assistant", "content": null, "tool_calls": [
                  {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"上海\\"}"}},
                  {"id": "call_b", "type": "function", "function": {"name": "calculator", "arguments": "{\\"expression\\": \\"12*7\\"}"}}]}
                """));
        messages.add(JSON.readTree("{\"role\": \"tool\", \"tool_call_id\": \"call_a\", \"content\": \"{\\\"temperature\\\": 30}\"}"));
        messages.add(JSON.readTree("{\"role\": \"tool\", \"tool_call_id\": \"call_b\", \"content\": \"84\"}"));
        body.set("tools", fixture.get("kwargs").get("tools"));
        body.putObject("chat_template_kwargs").put("enable_thinking", false);
        return body;
    }

    @Test
    void toolCallsAndToolResultsRenderAsTransformers() throws Exception {
        // The fixture has one call's arguments as a string and one as a mapping; transformers prints the string
        // verbatim and the mapping through tojson, which for these arguments is the same text.
        assertThat(fixture.get("kwargs").get("add_generation_prompt").asBoolean()).isTrue();
        CompletionRequest req = parser.parse(sdkShapedBody(), true);
        assertThat(req.promptText()).isEqualTo(fixture.get("rendered").asText());
        assertThat(req.parseToolCalls()).isTrue();
    }

    @Test
    void toolChoiceAndParallelToolCallsAreAccepted() throws Exception {
        for (String choice : new String[] {"\"auto\"", "\"required\"", "{\"type\": \"function\", \"function\": {\"name\": \"calculator\"}}"}) {
            ObjectNode body = sdkShapedBody();
            body.set("tool_choice", JSON.readTree(choice));
            body.put("parallel_tool_calls", false);
            assertThat(parser.parse(body, true).parseToolCalls()).as(choice).isTrue();
        }
        ObjectNode none = sdkShapedBody();
        none.put("tool_choice", "none");
        CompletionRequest req = parser.parse(none, true);
        assertThat(req.parseToolCalls()).isFalse();
        // tools still reach the template (as vLLM does by default)
        assertThat(req.promptText()).isEqualTo(fixture.get("rendered").asText());

        ObjectNode noTools = JSON.createObjectNode();
        noTools.putArray("messages").addObject().put("role", "user").put("content", "hi");
        noTools.put("tool_choice", "auto");
        assertThat(parser.parse(noTools, true).parseToolCalls()).isFalse();
    }

    @Test
    void wrongShapesAre400NamingTheField() throws Exception {
        expect400(b -> b.put("tool_choice", 3), "tool_choice");
        expect400(b -> b.put("tool_choice", "sometimes"), "tool_choice");
        expect400(b -> b.set("tool_choice", JSON.createObjectNode().put("type", "function")), "tool_choice.function");
        expect400(b -> b.set("tool_choice", tree("{\"type\": \"function\", \"function\": {\"name\": \"nope\"}}")), "tool_choice");
        expect400(b -> b.set("tool_choice", tree("{\"type\": \"code\", \"function\": {\"name\": \"calculator\"}}")), "tool_choice.type");
        expect400(b -> b.put("parallel_tool_calls", "yes"), "parallel_tool_calls");
        expect400(b -> b.set("tools", tree("[{\"type\": \"function\"}]")), "tools[0].function");
        expect400(b -> b.set("tools", tree("[{\"type\": \"function\", \"function\": {\"name\": 1}}]")), "tools[0].function.name");
        expect400(b -> b.set("tools", tree("[3]")), "tools[0]");
        expect400(b -> ((ObjectNode) b.get("messages").get(2)).put("tool_calls", "x"), "messages[2].tool_calls");
        expect400(b -> ((ObjectNode) b.get("messages").get(2).get("tool_calls").get(0).get("function")).put("arguments", 5),
                "messages[2].tool_calls[0].function.arguments");
        expect400(b -> ((ObjectNode) b.get("messages").get(2).get("tool_calls").get(1).get("function")).remove("name"),
                "messages[2].tool_calls[1].function.name");
        expect400(b -> ((ObjectNode) b.get("messages").get(3)).put("tool_call_id", 7), "messages[3].tool_call_id");
        ObjectNode required = JSON.createObjectNode();
        required.putArray("messages").addObject().put("role", "user").put("content", "hi");
        required.put("tool_choice", "required");
        assertThatThrownBy(() -> parser.parse(required, true))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.param()).isEqualTo("tool_choice"));
    }

    static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static void expect400(java.util.function.Consumer<ObjectNode> edit, String param) throws Exception {
        ObjectNode body = sdkShapedBody();
        edit.accept(body);
        assertThatThrownBy(() -> parser.parse(body, true)).as(param).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.param()).isEqualTo(param);
            assertThat(e.type()).isEqualTo("invalid_request_error");
        });
    }
}
