package io.fangwusha.server.http;

import io.fangwusha.server.api.HttpOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Response;

/** Blocking writes to a Jetty response; each SSE event is one write, sent to the client at once. */
final class JettyOutput implements HttpOutput {
    private final Response response;
    private OutputStream events;

    JettyOutput(Response response) {
        this.response = response;
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
