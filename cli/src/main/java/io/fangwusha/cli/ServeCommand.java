package io.fangwusha.cli;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.LanguageModel;
import io.fangwusha.core.template.ChatTemplate;
import io.fangwusha.server.FangwushaServer;
import io.fangwusha.server.ServerOptions;
import io.fangwusha.server.engine.EngineOptions;
import io.fangwusha.server.filter.ContentFilter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code serve}: the OpenAI-compatible HTTP server with continuous batching, and the web chat page at {@code /}. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the model over an OpenAI-compatible HTTP API (chat page at /).")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Require 'Authorization: Bearer KEY' on /v1/*.")
    String apiKey;

    @Option(names = "--max-concurrent", paramLabel = "N", defaultValue = "8", description = "Sequences decoded together (default: ${DEFAULT-VALUE}).")
    int maxConcurrent;

    @Option(names = "--max-queue", paramLabel = "N", defaultValue = "32", description = "Requests waiting for a slot before 429 (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--max-model-len", paramLabel = "N", defaultValue = "4096",
            description = "Prompt + completion tokens per request, at most the model's (default: ${DEFAULT-VALUE}). Each running sequence holds a float32 KV cache of its prompt + max_tokens.")
    int maxModelLen;

    @Option(names = "--prefill-chunk", paramLabel = "N", defaultValue = "128",
            description = "Prompt tokens fed per step while others decode (default: ${DEFAULT-VALUE}).")
    int prefillChunk;

    @Option(names = "--kv-cache-mb", paramLabel = "MB", defaultValue = "0",
            description = "KV cache memory for all running sequences together; requests wait while it is used up (default: half the JVM heap).")
    long kvCacheMb;

    @Option(names = "--served-model-name", paramLabel = "NAME", description = "Model id clients use (default: the directory name).")
    String servedName;

    @Option(names = "--content-filter", paramLabel = "FILE",
            description = "Blocked terms, one per line, or re:REGEX; matched after NFKC, case folding, and ignoring separators between CJK characters.")
    Path contentFilter;

    /** Tests get hold of the running server here (to query and stop it). */
    java.util.function.Consumer<FangwushaServer> onStarted = s -> {};

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) throw new FangwushaException("--port: must be in 0..65535, got " + port);
        if (maxModelLen < 2) throw new FangwushaException("--max-model-len: must be >= 2, got " + maxModelLen);
        if (kvCacheMb < 0) throw new FangwushaException("--kv-cache-mb: must be >= 0, got " + kvCacheMb);
        EngineOptions engine = new EngineOptions(maxConcurrent, maxQueue, prefillChunk, kvCacheMb << 20);
        ContentFilter filter = contentFilter == null ? ContentFilter.NONE : ContentFilter.load(contentFilter);
        try (LanguageModel lm = modelOptions.load()) {
            ChatTemplate template = lm.chatTemplate();
            String name = servedName != null ? servedName : lm.source().getFileName().toString().replaceFirst("\\.gguf$", "");
            ServerOptions options = new ServerOptions(host, port, apiKey, name, maxModelLen, engine, filter);
            try (FangwushaServer server = FangwushaServer.start(lm, template::render, options)) {
                Runtime.getRuntime().addShutdownHook(new Thread(server::close, "fangwusha-shutdown"));
                System.err.printf("Serving %s at %s/v1 (chat page at %s/)%s%s%n", name, server.baseUri(), server.baseUri(),
                        apiKey != null ? ", API key required" : "",
                        filter.isEmpty() ? "" : ", content filter with " + filter.ruleCount() + " rules");
                onStarted.accept(server);
                server.join();
            }
        }
        return 0;
    }
}
