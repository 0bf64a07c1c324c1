package io.fangwusha.server;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.LanguageModel;
import io.fangwusha.server.api.ChatRenderer;
import io.fangwusha.server.api.CompletionService;
import io.fangwusha.server.api.RequestParser;
import io.fangwusha.server.engine.EngineMetrics;
import io.fangwusha.server.engine.Scheduler;
import io.fangwusha.server.engine.StepModel;
import io.fangwusha.server.http.ApiHandler;
import java.net.URI;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The OpenAI-compatible HTTP server: a Jetty connector, the API handler, and the continuous-batching scheduler
 * that owns the model. {@code port 0} picks a free port ({@link #port()} tells which).
 */
public final class FangwushaServer implements AutoCloseable {
    private final Server jetty;
    private final ServerConnector connector;
    private final Scheduler scheduler;
    private boolean closed;

    private FangwushaServer(Server jetty, ServerConnector connector, Scheduler scheduler) {
        this.jetty = jetty;
        this.connector = connector;
        this.scheduler = scheduler;
    }

    public static FangwushaServer start(LanguageModel lm, ChatRenderer renderer, ServerOptions o) throws Exception {
        return start(lm, StepModel.of(lm.model()), renderer, o);
    }

    /**
     * As {@link #start(LanguageModel, ChatRenderer, ServerOptions)}, with the steps run by {@code model} instead of
     * {@code lm}'s own model (a wrapper around it, e.g. a test's scripted model); tokenizer and generation defaults
     * still come from {@code lm}.
     */
    public static FangwushaServer start(LanguageModel lm, StepModel model, ChatRenderer renderer, ServerOptions o) throws Exception {
        int maxModelLen = Math.min(o.maxModelLen(), lm.config().maxPositionEmbeddings());
        Scheduler scheduler = new Scheduler(model, lm.tokenizer(), o.contentFilter(), o.engine());
        RequestParser parser = new RequestParser(o.modelId(), lm.tokenizer(), renderer, lm.generationDefaults(),
                maxModelLen, o.engine().maxConcurrent(), o.contentFilter());
        CompletionService completions = new CompletionService(scheduler, lm.tokenizer(), o.modelId());

        QueuedThreadPool threads = new QueuedThreadPool(256, 4);
        threads.setName("fangwusha-http");
        Server jetty = new Server(threads);
        ServerConnector connector = new ServerConnector(jetty, 1, 1);
        connector.setHost(o.host());
        connector.setPort(o.port());
        // A non-streaming answer from a large model can take minutes with no bytes on the wire.
        connector.setIdleTimeout(600_000);
        jetty.addConnector(connector);
        jetty.setHandler(new ApiHandler(parser, completions, scheduler.metrics(), o.modelId(), maxModelLen, o.apiKey()));
        jetty.setStopTimeout(2000);
        try {
            jetty.start();
        } catch (Exception e) {
            scheduler.close();
            try {
                jetty.stop();
            } catch (Exception ignored) {
                // best effort: it did not start
            }
            if (e instanceof java.io.IOException) {
                throw new FangwushaException("--port: cannot listen on " + o.host() + ":" + o.port() + " (" + e.getMessage() + ")", e);
            }
            throw e;
        }
        return new FangwushaServer(jetty, connector, scheduler);
    }

    public int port() {
        return connector.getLocalPort();
    }

    public URI baseUri() {
        String host = connector.getHost() == null ? "127.0.0.1" : connector.getHost();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port());
    }

    public EngineMetrics metrics() {
        return scheduler.metrics();
    }

    /** Blocks until the server stops. */
    public void join() throws InterruptedException {
        jetty.join();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        scheduler.close();
        try {
            jetty.stop();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
