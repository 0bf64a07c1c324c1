package io.fangwusha.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK against the real server with the tiny fixture model. */
class OpenAiSdkTest {
    static TestServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start();
        client = OpenAIOkHttpClient.builder().baseUrl(server.baseUrlV1()).apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    static ChatCompletionCreateParams.Builder chat(String user) {
        return ChatCompletionCreateParams.builder().model(TestServer.MODEL).addUserMessage(user);
    }

    @Test
    void chatNonStreamingReportsUsageFromOurTemplate() {
        ChatCompletion c = client.chat().completions().create(chat("你好，请介绍一下你自己。").maxCompletionTokens(12).seed(3).build());
        assertThat(c.choices()).hasSize(1);
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertThat(choice.message().content()).isPresent();
        assertThat(choice.finishReason()).isIn(ChatCompletion.Choice.FinishReason.LENGTH, ChatCompletion.Choice.FinishReason.STOP);
        var usage = c.usage().orElseThrow();
        assertThat(usage.promptTokens()).isEqualTo(server.promptTokens("你好，请介绍一下你自己。"));
        assertThat(usage.completionTokens()).isBetween(1L, 12L);
        assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());
        if (choice.finishReason() == ChatCompletion.Choice.FinishReason.LENGTH) assertThat(usage.completionTokens()).isEqualTo(12);
    }

    @Test
    void streamingConcatenatesToTheNonStreamingTextWithUsage() {
        ChatCompletionCreateParams base = chat("写一首诗").maxCompletionTokens(16).temperature(0.8).seed(11).build();
        String whole = client.chat().completions().create(base).choices().getFirst().message().content().orElse("");

        ChatCompletionCreateParams streamed = base.toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        StringBuilder text = new StringBuilder();
        List<String> finish = new ArrayList<>();
        List<Long> completionTokens = new ArrayList<>();
        int contentChunks = 0;
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(streamed)) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) s.stream()::iterator) {
                chunk.usage().ifPresent(u -> completionTokens.add(u.completionTokens()));
                for (ChatCompletionChunk.Choice ch : chunk.choices()) {
                    if (ch.delta().content().filter(t -> !t.isEmpty()).isPresent()) contentChunks++;
                    ch.delta().content().ifPresent(text::append);
                    ch.finishReason().ifPresent(f -> finish.add(f.asString()));
                }
            }
        }
        assertThat(text.toString()).isEqualTo(whole);
        assertThat(contentChunks).isGreaterThan(1);
        assertThat(finish).hasSize(1);
        assertThat(completionTokens).hasSize(1);
        assertThat(completionTokens.getFirst()).isBetween(1L, 16L);
    }

    @Test
    void sameSeedSameTextAtTemperatureAboveZero() {
        ChatCompletionCreateParams p = chat("随便说点什么").maxCompletionTokens(20).temperature(1.0).topP(0.95).seed(42).build();
        String a = client.chat().completions().create(p).choices().getFirst().message().content().orElseThrow();
        String b = client.chat().completions().create(p).choices().getFirst().message().content().orElseThrow();
        String other = client.chat().completions().create(p.toBuilder().seed(43).build()).choices().getFirst().message().content().orElseThrow();
        assertThat(a).isNotEmpty().isEqualTo(b);
        assertThat(other).isNotEqualTo(a);
    }

    @Test
    void unsetSamplingFieldsTakeGenerationConfigValues() throws Exception {
        // tiny-qwen3-a's generation_config.json: do_sample true, temperature 0.6, top_k 20, top_p 0.95.
        var gc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                io.fangwusha.core.Fixtures.model(TestServer.MODEL).resolve("generation_config.json").toFile());
        ChatCompletionCreateParams implicit = chat("默认参数").maxCompletionTokens(16).seed(9).build();
        ChatCompletionCreateParams explicit = implicit.toBuilder().temperature(gc.get("temperature").asDouble())
                .topP(gc.get("top_p").asDouble())
                .putAdditionalBodyProperty("top_k", JsonValue.from(gc.get("top_k").asInt())).build();
        ChatCompletionCreateParams greedy = implicit.toBuilder().temperature(0).build();
        String a = client.chat().completions().create(implicit).choices().getFirst().message().content().orElseThrow();
        assertThat(a).isEqualTo(client.chat().completions().create(explicit).choices().getFirst().message().content().orElseThrow());
        assertThat(a).isNotEqualTo(client.chat().completions().create(greedy).choices().getFirst().message().content().orElseThrow());
    }

    @Test
    void stopStringCutsTheTextBeforeIt() {
        ChatCompletionCreateParams greedy = chat("Tell me a story").maxCompletionTokens(24).temperature(0).build();
        String full = client.chat().completions().create(greedy).choices().getFirst().message().content().orElseThrow();
        assertThat(full.length()).isGreaterThan(8);
        // A stop string from the middle of what the model says anyway.
        int at = full.length() / 2;
        String stop = full.substring(at, at + 2);
        int first = full.indexOf(stop);
        ChatCompletion c = client.chat().completions().create(greedy.toBuilder().stopOfStrings(List.of("不可能出现的", stop)).build());
        assertThat(c.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(c.choices().getFirst().message().content().orElse("")).isEqualTo(full.substring(0, first));
    }

    @Test
    void nChoicesWithSeedAreReproducibleAndDistinct() {
        ChatCompletion c = client.chat().completions().create(chat("hi").maxCompletionTokens(8).temperature(1.0).n(2).seed(5).build());
        assertThat(c.choices()).hasSize(2);
        assertThat(c.choices().get(0).index()).isZero();
        assertThat(c.choices().get(1).index()).isEqualTo(1);
        // choice i uses seed + i: choice 1 of seed 5 is choice 0 of seed 6
        ChatCompletion d = client.chat().completions().create(chat("hi").maxCompletionTokens(8).temperature(1.0).seed(6).build());
        assertThat(c.choices().get(1).message().content()).isEqualTo(d.choices().getFirst().message().content());
    }

    @Test
    void logprobsArePresentAndNormalised() {
        ChatCompletion c = client.chat().completions().create(chat("hi").maxCompletionTokens(4).temperature(0).logprobs(true).topLogprobs(3).build());
        var content = c.choices().getFirst().logprobs().orElseThrow().content().orElseThrow();
        assertThat(content).isNotEmpty();
        for (var t : content) {
            assertThat(t.logprob()).isLessThanOrEqualTo(0);
            assertThat(t.topLogprobs()).hasSize(3);
            // greedy: the chosen token is the most likely one
            assertThat(t.logprob()).isEqualTo(t.topLogprobs().getFirst().logprob());
        }
    }

    @Test
    void legacyCompletions() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model(TestServer.MODEL)
                .prompt("从前有座山").maxTokens(6).seed(1).build());
        assertThat(c.choices().getFirst().text()).isNotEmpty();
        assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(server.lm.encode("从前有座山").length);
    }

    @Test
    void thinkingOffRendersTheEmptyThinkBlock() {
        ChatCompletionCreateParams p = chat("hi").maxCompletionTokens(2)
                .putAdditionalBodyProperty("chat_template_kwargs", JsonValue.from(Map.of("enable_thinking", false))).build();
        long withoutThinking = client.chat().completions().create(p).usage().orElseThrow().promptTokens();
        // the template adds "<think>\n\n</think>\n\n" to the prompt: 4 more tokens
        assertThat(withoutThinking).isEqualTo(server.promptTokens("hi") + 4);
    }

    @Test
    void badValuesAre400WithTheParam() {
        assertThatThrownBy(() -> client.chat().completions().create(chat("hi").temperature(5).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.param()).contains("temperature");
                    assertThat(e.type()).contains("invalid_request_error");
                });
        assertThatThrownBy(() -> client.chat().completions().create(chat("hi").maxCompletionTokens(100_000).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.code()).contains("context_length_exceeded"));
    }

    @Test
    void unknownModelIs404() {
        assertThatThrownBy(() -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("hi").build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.code()).contains("model_not_found"));
    }

    @Test
    void modelsList() {
        var models = client.models().list();
        assertThat(models.data()).extracting(m -> m.id()).containsExactly(TestServer.MODEL);
    }
}
