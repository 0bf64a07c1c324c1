package io.fangwusha.server;

import io.fangwusha.core.Fixtures;
import io.fangwusha.core.LanguageModel;
import io.fangwusha.core.LoadOptions;
import io.fangwusha.core.template.ChatTemplate;
import io.fangwusha.server.engine.EngineOptions;
import io.fangwusha.server.engine.StepModel;
import io.fangwusha.server.filter.ContentFilter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/** The real server on an ephemeral port with the tiny fixture model (random weights, real tokenizer and template). */
final class TestServer implements AutoCloseable {
    static final String MODEL = "tiny-qwen3-a";

    final LanguageModel lm;
    final ChatTemplate template;
    final FangwushaServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** The last chat prompt the server rendered. */
    volatile String lastPrompt;

    TestServer(String apiKey, EngineOptions engine, ContentFilter filter) throws Exception {
        this(apiKey, engine, filter, null);
    }

    /** @param promptSuffix appended to every rendered chat prompt (null: none) */
    TestServer(String apiKey, EngineOptions engine, ContentFilter filter, String promptSuffix) throws Exception {
        this(apiKey, engine, filter, promptSuffix, null);
    }

    /** @param model wraps the fixture model's steps (null: the model itself), e.g. {@link ScriptedModel} */
    TestServer(String apiKey, EngineOptions engine, ContentFilter filter, String promptSuffix,
               Function<StepModel, StepModel> model) throws Exception {
        Path dir = Fixtures.model(MODEL);
        lm = LanguageModel.load(dir, LoadOptions.defaults().withThreads(2));
        template = lm.chatTemplate();
        String suffix = promptSuffix == null ? "" : promptSuffix;
        StepModel steps = StepModel.of(lm.model());
        server = FangwushaServer.start(lm, model == null ? steps : model.apply(steps),
                (m, t, g, k) -> lastPrompt = template.render(m, t, g, k) + suffix,
                new ServerOptions("127.0.0.1", 0, apiKey, MODEL, 4096, engine, filter));
    }

    /** The token count of a one-user-message conversation as our template renders it. */
    int promptTokens(String userMessage) {
        var messages = java.util.List.<java.util.Map<String, Object>>of(java.util.Map.of("role", "user", "content", userMessage));
        return lm.encode(template.render(messages, null, true, java.util.Map.of())).length;
    }

    static TestServer start() throws Exception {
        return new TestServer(null, EngineOptions.defaults(), ContentFilter.NONE);
    }

    URI uri(String path) {
        return server.baseUri().resolve(path);
    }

    String baseUrlV1() {
        return server.baseUri() + "/v1";
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A gauge or counter from /metrics. */
    double metric(String name) throws Exception {
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith(name + " ")) return Double.parseDouble(line.substring(name.length() + 1).trim());
        }
        throw new AssertionError("metric " + name + " not found");
    }

    @Override
    public void close() {
        server.close();
        lm.close();
    }
}
