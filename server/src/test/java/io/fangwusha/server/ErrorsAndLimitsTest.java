package io.fangwusha.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.fangwusha.server.engine.EngineOptions;
import io.fangwusha.server.filter.ContentFilter;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HTTP errors in OpenAI's shape, the API key, and the bounded queue (one running sequence, one waiting request). */
class ErrorsAndLimitsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String KEY = "sk-test-123";
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        // KV budget 1.5 MiB: 3072 positions of the tiny model (2 layers x 2 x 32 floats each).
        server = new TestServer(KEY, new EngineOptions(1, 1, 128, 3L << 19), ContentFilter.NONE);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    HttpResponse<String> post(String path, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return server.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode error(HttpResponse<String> r) throws Exception {
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertThat(e).as(r.body()).isNotNull();
        assertThat(e.has("message") && e.has("type") && e.has("param") && e.has("code")).as(r.body()).isTrue();
        return e;
    }

    @Test
    void malformedJsonIs400() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"messages\": [", KEY);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r).get("code").asText()).isEqualTo("invalid_json");
        assertThat(post("/v1/chat/completions", "[1,2]", KEY).statusCode()).isEqualTo(400);
    }

    @Test
    void wrongTypesAre400NamingTheField() throws Exception {
        String[][] cases = {
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":\"hot\"}", "temperature"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1.5}", "max_tokens"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":[1]}", "stop"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":\"yes\"}", "stream"},
            {"{\"messages\":\"hi\"}", "messages"},
            {"{\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}", "messages[0].role"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":0}", "n"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"top_p\":0}", "top_p"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"chat_template_kwargs\":{\"enable_thinking\":\"no\"}}", "chat_template_kwargs.enable_thinking"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = post("/v1/chat/completions", c[0], KEY);
            assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(error(r).get("param").asText()).as(c[0]).isEqualTo(c[1]);
            assertThat(error(r).get("type").asText()).isEqualTo("invalid_request_error");
        }
        HttpResponse<String> r = post("/v1/completions", "{\"prompt\":{\"a\":1}}", KEY);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r).get("param").asText()).isEqualTo("prompt");
    }

    @Test
    void promptLongerThanTheContextIs400() throws Exception {
        String longPrompt = "你好".repeat(5000);
        HttpResponse<String> r = post("/v1/completions", "{\"prompt\":\"" + longPrompt + "\"}", KEY);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r).get("code").asText()).isEqualTo("context_length_exceeded");
    }

    @Test
    void requestLargerThanTheKvBudgetIs400() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":4000}", KEY);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r).get("param").asText()).isEqualTo("max_tokens");
        assertThat(error(r).get("message").asText()).contains("KV cache");
    }

    @Test
    void unknownRouteIs404AndWrongMethodIs405() throws Exception {
        HttpResponse<String> r = post("/v1/embeddings", "{}", KEY);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(error(r).get("code").asText()).isEqualTo("not_found");
        assertThat(server.get("/nope").statusCode()).isEqualTo(404);
        HttpResponse<String> m = server.http.send(HttpRequest.newBuilder(server.uri("/v1/chat/completions"))
                .header("Authorization", "Bearer " + KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(m.statusCode()).isEqualTo(405);
    }

    /**
     * A request refused before its body is read ends its connection, and says so: a client that pooled the
     * connection instead failed its next request with "header parser received no bytes" (seen once in CI).
     */
    @Test
    void refusedBeforeTheBodyIsReadClosesTheConnection() throws Exception {
        String ok = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1}";
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = post("/v1/chat/completions", ok, i % 2 == 0 ? null : "sk-wrong");
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.headers().firstValue("connection")).hasValue("close");
        }
        HttpResponse<String> bad = post("/v1/chat/completions", "{\"messages\": [", KEY);
        assertThat(bad.statusCode()).as("the body was read: the connection may stay").isEqualTo(400);
        assertThat(bad.headers().firstValue("connection")).isEmpty();
    }

    @Test
    void apiKeyRequiredOnV1Only() throws Exception {
        String ok = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1}";
        assertThat(post("/v1/chat/completions", ok, null).statusCode()).isEqualTo(401);
        HttpResponse<String> wrong = post("/v1/chat/completions", ok, "sk-wrong");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(error(wrong).get("code").asText()).isEqualTo("invalid_api_key");
        assertThat(server.get("/health").statusCode()).isEqualTo(200);
        assertThat(server.get("/metrics").statusCode()).isEqualTo(200);

        withClient("sk-wrong", client -> {
            assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder()
                    .model(TestServer.MODEL).addUserMessage("hi").maxCompletionTokens(1).build()))
                    .isInstanceOf(UnauthorizedException.class);
        });
        withClient(KEY, client -> {
            assertThat(client.chat().completions().create(ChatCompletionCreateParams.builder()
                    .model(TestServer.MODEL).addUserMessage("hi").maxCompletionTokens(1).build()).choices()).hasSize(1);
        });
    }

    @Test
    void fullQueueIs429() throws Exception {
        String longRun = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":2500,\"ignore_eos\":true,\"stream\":true}";
        try (RawStream running = new AuthedStream(longRun).open()) {
            assertThat(running.status()).isEqualTo(200);
            awaitMetric("fangwusha_running_sequences", 1);
            try (RawStream waiting = new AuthedStream(longRun).open()) {
                awaitMetric("fangwusha_waiting_requests", 1);
                withClient(KEY, client -> {
                    assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder()
                            .model(TestServer.MODEL).addUserMessage("hi").maxCompletionTokens(1).build()))
                            .isInstanceOfSatisfying(RateLimitException.class, e -> assertThat(e.statusCode()).isEqualTo(429));
                });
            }
        }
        // Both clients went away: their work is dropped and the server is free again.
        awaitMetric("fangwusha_running_sequences", 0);
        awaitMetric("fangwusha_waiting_requests", 0);
        assertThat(post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1}", KEY)
                .statusCode()).isEqualTo(200);
    }

    /** A raw stream with the API key. */
    record AuthedStream(String body) {
        RawStream open() throws Exception {
            return new RawStream(server.server.baseUri(), "/v1/chat/completions", body, KEY);
        }
    }

    static void withClient(String key, java.util.function.Consumer<com.openai.client.OpenAIClient> body) {
        var client = OpenAIOkHttpClient.builder().baseUrl(server.baseUrlV1()).apiKey(key).maxRetries(0).build();
        try {
            body.accept(client);
        } finally {
            client.close();
        }
    }

    static void awaitMetric(String name, double value) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (server.metric(name) != value) {
            if (System.nanoTime() > deadline) throw new AssertionError(name + " did not reach " + value + ": " + server.metric(name));
            Thread.sleep(10);
        }
    }
}
