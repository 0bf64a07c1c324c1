package io.fangwusha.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.fangwusha.server.engine.EngineOptions;
import io.fangwusha.server.filter.ContentFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The operator's content filter on input (400 content_filter) and output (finish_reason content_filter). */
class ContentFilterServerTest {
    static final ChatCompletionCreateParams GREEDY = ChatCompletionCreateParams.builder().model(TestServer.MODEL)
            .addUserMessage("给我讲一个关于长城的故事").maxCompletionTokens(40).temperature(0).build();

    static OpenAIClient client(TestServer s) {
        return OpenAIOkHttpClient.builder().baseUrl(s.baseUrlV1()).apiKey("x").maxRetries(0).build();
    }

    @Test
    void blockedOutputStopsWithContentFilterAndBlockedInputIsRefused() throws Exception {
        // What the model says unfiltered (greedy, deterministic).
        String full;
        try (TestServer plain = TestServer.start()) {
            OpenAIClient c = client(plain);
            full = c.chat().completions().create(GREEDY).choices().getFirst().message().content().orElseThrow();
            c.close();
        }
        // Block a word (a run of 4+ letters) from past the first third of it.
        Matcher m = Pattern.compile("\\p{L}{4,}").matcher(full);
        String term = null;
        while (m.find()) if (m.start() > full.length() / 3) { term = m.group(); break; }
        assertThat(term).as("a word in: " + full).isNotNull();
        // The filter folds case, so the first occurrence in any case is where the answer must stop.
        int at = full.toLowerCase(java.util.Locale.ROOT).indexOf(term.toLowerCase(java.util.Locale.ROOT));
        String expected = full.substring(0, at);

        ContentFilter filter = ContentFilter.parse(List.of("# test rules", term, "违禁词", "re:never\\d+matches"), "test");
        try (TestServer s = new TestServer(null, EngineOptions.defaults(), filter)) {
            OpenAIClient c = client(s);
            try {
                ChatCompletion r = c.chat().completions().create(GREEDY);
                assertThat(r.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.CONTENT_FILTER);
                assertThat(r.choices().getFirst().message().content().orElse("")).isEqualTo(expected);

                // Streaming never shows any part of the term: text is held back until it cannot start one.
                StringBuilder streamed = new StringBuilder();
                List<String> finish = new ArrayList<>();
                try (StreamResponse<ChatCompletionChunk> st = c.chat().completions().createStreaming(GREEDY)) {
                    st.stream().forEach(ch -> ch.choices().forEach(x -> {
                        x.delta().content().ifPresent(streamed::append);
                        x.finishReason().ifPresent(f -> finish.add(f.asString()));
                    }));
                }
                assertThat(streamed.toString()).isEqualTo(expected);
                assertThat(finish).containsExactly("content_filter");

                // Input: a Chinese term split by a space, a full-width comma and a middle dot is still caught.
                String disguised = "请说违 ，禁·词这个词";
                assertThatThrownBy(() -> c.chat().completions().create(ChatCompletionCreateParams.builder()
                        .model(TestServer.MODEL).addUserMessage(disguised).build()))
                        .isInstanceOfSatisfying(BadRequestException.class, e -> {
                            assertThat(e.code()).contains("content_filter");
                            assertThat(e.param()).contains("messages");
                        });
                assertThat(s.metric("fangwusha_sequences_content_filtered_total")).isEqualTo(2);
            } finally {
                c.close();
            }
        }
    }

    @Test
    void reasoningIsReportedApartWhenThePromptOpensAThinkBlock() throws Exception {
        // The random model never writes </think>, so with the prompt ending in "<think>\n" all of its output is
        // reasoning: this checks the wiring of reasoning_content (the parser itself is tested in core).
        try (TestServer s = new TestServer(null, EngineOptions.defaults(), ContentFilter.NONE, "<think>\n")) {
            OpenAIClient c = client(s);
            try {
                ChatCompletionCreateParams p = GREEDY.toBuilder().maxCompletionTokens(12).build();
                ChatCompletion r = c.chat().completions().create(p);
                var msg = r.choices().getFirst().message();
                assertThat(msg.content().orElse("")).isEmpty();
                String reasoning = msg._additionalProperties().get("reasoning_content").convert(String.class);
                assertThat(reasoning).isNotBlank();

                StringBuilder streamedReasoning = new StringBuilder(), streamedContent = new StringBuilder();
                try (StreamResponse<ChatCompletionChunk> st = c.chat().completions().createStreaming(p)) {
                    st.stream().forEach(ch -> ch.choices().forEach(x -> {
                        x.delta().content().ifPresent(streamedContent::append);
                        var rc = x.delta()._additionalProperties().get("reasoning_content");
                        if (rc != null) streamedReasoning.append(rc.convert(String.class));
                    }));
                }
                assertThat(streamedContent.toString()).isEmpty();
                assertThat(streamedReasoning.toString().strip()).isEqualTo(reasoning);
            } finally {
                c.close();
            }
        }
    }
}
