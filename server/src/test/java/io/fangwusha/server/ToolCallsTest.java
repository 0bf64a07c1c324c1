package io.fangwusha.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import io.fangwusha.server.engine.EngineOptions;
import io.fangwusha.server.filter.ContentFilter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tool calls end to end with the official SDK: the fixture model's output is scripted ({@link ScriptedModel}) to
 * be what Qwen3 writes when it calls tools, and the answers must carry them as OpenAI's {@code tool_calls}, streamed
 * and not; the follow-up turn with the assistant's calls and the tool results renders and answers.
 */
class ToolCallsTest {
    static final String WEATHER_ARGS = "{\"city\": \"北京\", \"unit\": \"celsius\"}";
    static final String CALC_ARGS = "{\"expression\": \"12*7\"}";
    static final String WEATHER_BLOCK = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": " + WEATHER_ARGS + "}\n</tool_call>";
    static final String CALC_BLOCK = "<tool_call>\n{\"name\": \"calculator\", \"arguments\": " + CALC_ARGS + "}\n</tool_call>";
    /** Reasoning, a sentence, then two calls, as Qwen3 answers with thinking on. */
    static final String CALLS = "<think>\n要查天气，还要算一下。\n</think>\n\n我来查一下。\n" + WEATHER_BLOCK + "\n" + CALC_BLOCK;

    static TestServer server;
    static ScriptedModel model;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer(null, EngineOptions.defaults(), ContentFilter.NONE, null, real -> model = new ScriptedModel(real));
        client = OpenAIOkHttpClient.builder().baseUrl(server.baseUrlV1()).apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    @BeforeEach
    void clearScript() {
        model.script(null);
    }

    /** The model will say {@code text} and then {@code <|im_end|>}. */
    static void say(String text) {
        int[] ids = server.lm.encode(text);
        int[] withEnd = Arrays.copyOf(ids, ids.length + 1);
        withEnd[ids.length] = ScriptedModel.IM_END;
        model.script(withEnd);
    }

    static ChatCompletionFunctionTool tool(String name, String description, Map<String, Object> properties) {
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name(name).description(description)
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(properties))
                        .build())
                .build()).build();
    }

    static ChatCompletionCreateParams.Builder request() {
        return ChatCompletionCreateParams.builder().model(TestServer.MODEL)
                .addUserMessage("北京今天天气怎么样？再算一下 12*7。")
                .addTool(tool("get_weather", "获取指定城市的天气", Map.of("city", Map.of("type", "string"), "unit", Map.of("type", "string"))))
                .addTool(tool("calculator", "Evaluate an arithmetic expression", Map.of("expression", Map.of("type", "string"))))
                .maxCompletionTokens(200);
    }

    static ChatCompletionMessageFunctionToolCall function(ChatCompletionMessageToolCall c) {
        return c.asFunction();
    }

    @Test
    void nonStreamingAnswerCarriesToolCalls() {
        say(CALLS);
        ChatCompletion c = client.chat().completions().create(request().build());
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(choice.message().content()).contains("我来查一下。\n");
        assertThat(choice.message()._additionalProperties().get("reasoning_content")).isEqualTo(JsonValue.from("要查天气，还要算一下。"));
        List<ChatCompletionMessageToolCall> calls = choice.message().toolCalls().orElseThrow();
        assertThat(calls).hasSize(2);
        assertThat(calls).extracting(k -> function(k).function().name()).containsExactly("get_weather", "calculator");
        assertThat(calls).extracting(k -> function(k).function().arguments()).containsExactly(WEATHER_ARGS, CALC_ARGS);
        assertThat(calls).extracting(k -> function(k).id()).allMatch(id -> id.matches("call_[A-Za-z0-9]{24}")).doesNotHaveDuplicates();
        // every scripted token was generated, the final <|im_end|> included
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(server.lm.encode(CALLS).length + 1);
    }

    @Test
    void streamingAnswerCarriesToolCallsAsDeltas() {
        say(CALLS);
        StringBuilder content = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<ChatCompletionChunk.Choice.Delta.ToolCall> deltas = new ArrayList<>();
        List<String> finish = new ArrayList<>();
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(request().build())) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) s.stream()::iterator) {
                acc.accumulate(chunk);
                for (ChatCompletionChunk.Choice ch : chunk.choices()) {
                    ch.delta().content().ifPresent(content::append);
                    JsonValue r = ch.delta()._additionalProperties().get("reasoning_content");
                    if (r != null) reasoning.append(r.asString().orElseThrow());
                    ch.delta().toolCalls().ifPresent(deltas::addAll);
                    ch.finishReason().ifPresent(f -> finish.add(f.asString()));
                }
            }
        }
        assertThat(content.toString()).isEqualTo("我来查一下。\n");
        assertThat(reasoning.toString()).isEqualTo("要查天气，还要算一下。");
        assertThat(finish).containsExactly("tool_calls");
        assertThat(deltas).hasSize(2);
        assertThat(deltas).extracting(ChatCompletionChunk.Choice.Delta.ToolCall::index).containsExactly(0L, 1L);
        assertThat(deltas).extracting(d -> d.function().orElseThrow().name().orElseThrow()).containsExactly("get_weather", "calculator");
        assertThat(deltas).extracting(d -> d.function().orElseThrow().arguments().orElseThrow()).containsExactly(WEATHER_ARGS, CALC_ARGS);
        assertThat(deltas).allSatisfy(d -> {
            assertThat(d.id().orElseThrow()).startsWith("call_");
            assertThat(d.type().orElseThrow().asString()).isEqualTo("function");
        });
        // The SDK's own accumulator rebuilds the same message as the non-streaming answer.
        ChatCompletion rebuilt = acc.chatCompletion();
        List<ChatCompletionMessageToolCall> calls = rebuilt.choices().getFirst().message().toolCalls().orElseThrow();
        assertThat(calls).extracting(k -> function(k).function().arguments()).containsExactly(WEATHER_ARGS, CALC_ARGS);
        assertThat(rebuilt.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    }

    @Test
    void followUpWithToolResultsRendersAndAnswers() {
        say(CALLS);
        ChatCompletion first = client.chat().completions().create(request().build());
        List<ChatCompletionMessageToolCall> calls = first.choices().getFirst().message().toolCalls().orElseThrow();

        say("北京今天晴，26°C；12*7 = 84。");
        ChatCompletionCreateParams.Builder next = request()
                .addMessage(ChatCompletionAssistantMessageParam.builder()
                        .content(first.choices().getFirst().message().content().orElseThrow()).toolCalls(calls).build())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(function(calls.get(0)).id())
                        .content("{\"temperature\": 26, \"condition\": \"晴\"}").build())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(function(calls.get(1)).id()).content("84").build());
        ChatCompletion answer = client.chat().completions().create(next.build());
        ChatCompletion.Choice choice = answer.choices().getFirst();
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(choice.message().content()).contains("北京今天晴，26°C；12*7 = 84。");
        assertThat(choice.message().toolCalls().orElse(List.of())).isEmpty();

        // The calls went back into the prompt exactly as the model wrote them (arguments string printed verbatim),
        // and the results as one user turn of tool responses, as the Qwen3 template lays them out.
        String prompt = server.lastPrompt;
        assertThat(prompt).contains("<|im_start|>assistant\n我来查一下。\n\n" + WEATHER_BLOCK + "\n" + CALC_BLOCK + "<|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n{\"temperature\": 26, \"condition\": \"晴\"}\n</tool_response>\n"
                + "<tool_response>\n84\n</tool_response><|im_end|>\n<|im_start|>assistant\n");
        assertThat(answer.usage().orElseThrow().promptTokens()).isEqualTo(server.lm.encode(prompt).length);
    }

    @Test
    void malformedCallStaysContentAndToolChoiceNoneParsesNothing() {
        String broken = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \n</tool_call>";
        say(broken);
        ChatCompletion c = client.chat().completions().create(request().build());
        assertThat(c.choices().getFirst().message().content()).contains(broken);
        assertThat(c.choices().getFirst().message().toolCalls().orElse(List.of())).isEmpty();
        assertThat(c.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);

        say(WEATHER_BLOCK);
        ChatCompletion none = client.chat().completions().create(request().toolChoice(ChatCompletionToolChoiceOption.Auto.NONE).build());
        assertThat(none.choices().getFirst().message().content()).contains(WEATHER_BLOCK);
        assertThat(none.choices().getFirst().message().toolCalls().orElse(List.of())).isEmpty();
        assertThat(none.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    }

    @Test
    void namedToolChoiceAndParallelToolCallsAreAccepted() {
        say(WEATHER_BLOCK);
        ChatCompletion c = client.chat().completions().create(request()
                .toolChoice(ChatCompletionNamedToolChoice.builder()
                        .function(ChatCompletionNamedToolChoice.Function.builder().name("get_weather").build()).build())
                .parallelToolCalls(false).build());
        assertThat(c.choices().getFirst().message().content()).isEmpty();
        assertThat(c.choices().getFirst().message().toolCalls().orElseThrow()).extracting(k -> function(k).function().name())
                .containsExactly("get_weather");
    }
}
