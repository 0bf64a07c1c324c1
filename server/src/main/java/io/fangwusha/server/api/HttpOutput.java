package io.fangwusha.server.api;

import java.io.IOException;

/** Where a completion's answer goes: one JSON body, or a server-sent event stream. An IOException means the client is gone. */
public interface HttpOutput {
    void sendJson(int status, String json) throws IOException;

    /** Starts a {@code text/event-stream} response. */
    void startEvents() throws IOException;

    /** Writes {@code data: <data>\n\n} and flushes it to the client. */
    void sendEvent(String data) throws IOException;

    /** Writes an SSE comment line (ignored by clients), to keep the connection alive and notice a gone client. */
    void sendComment(String text) throws IOException;

    /**
     * Whether the client is known to have gone away, found without writing (a non-streaming answer has nothing to
     * write until it is done). False when it cannot tell.
     */
    default boolean clientGone() {
        return false;
    }
}
