package io.fangwusha.server.http;

import io.fangwusha.server.api.HttpOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/**
 * Blocking writes to a Jetty response; each SSE event is one write, sent to the client at once. A gone client is
 * seen by a failed write, by Jetty's failure listener (idle timeout, connection closed by Jetty), or, while nothing
 * is written, by a {@link ClientProbe} on the socket. {@link #close} releases the probe.
 */
final class JettyOutput implements HttpOutput, AutoCloseable {
    private final Request request;
    private final Response response;
    private OutputStream events;
    private volatile boolean failed;
    private ClientProbe probe;
    private boolean probeOpened;

    JettyOutput(Request request, Response response) {
        this.request = request;
        this.response = response;
        request.addFailureListener(t -> failed = true);
    }

    @Override
    public boolean clientGone() {
        if (failed) return true;
        if (!probeOpened) {
            probeOpened = true;
            probe = ClientProbe.open(request);
        }
        return probe != null && probe.gone();
    }

    @Override
    public void close() {
        if (probe != null) probe.close();
        probe = null;
    }

    @Override
    public void sendJson(int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        try (OutputStream out = Content.Sink.asOutputStream(response)) {
            out.write(body);
        }
    }

    @Override
    public void startEvents() throws IOException {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        response.getHeaders().put("X-Accel-Buffering", "no");
        events = Content.Sink.asOutputStream(response);
    }

    @Override
    public void sendEvent(String data) throws IOException {
        write("data: " + data + "\n\n");
    }

    @Override
    public void sendComment(String text) throws IOException {
        write(": " + text + "\n\n");
    }

    private void write(String s) throws IOException {
        events.write(s.getBytes(StandardCharsets.UTF_8));
        events.flush();
    }

    /** Ends the event stream (the last chunk of the chunked body). */
    void finishEvents() throws IOException {
        if (events != null) events.close();
    }

    boolean streaming() {
        return events != null;
    }
}
