package io.fangwusha.server.http;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;

/**
 * Notices that the client of a request being handled closed its connection, without reading from it.
 *
 * <p>Why this exists: Jetty's HTTP/1.1 connection does not read while a handler runs (once the body has been read,
 * nothing asks for more), so a client's FIN or RST is only seen by the next write, and a non-streaming answer
 * writes nothing until it is done. {@code Request.addFailureListener} therefore fires only on idle timeout or a
 * connection Jetty itself closes. This probe registers the connection's socket with a private selector for
 * readability: a socket that becomes readable while its client waits for an answer has either reached end of
 * stream or been reset (then nothing is available to read), or holds a pipelined next request (bytes available;
 * the client is still there, and those bytes are left for Jetty). Only {@code available()} is asked, so no byte is
 * consumed. Transports other than a plain socket channel are not probed.
 */
final class ClientProbe implements AutoCloseable {
    private final SocketChannel channel;
    private final Selector selector;
    private boolean gone;

    private ClientProbe(SocketChannel channel, Selector selector) {
        this.channel = channel;
        this.selector = selector;
    }

    /** A probe on the request's socket, or null when its transport is not a socket channel or cannot be watched. */
    static ClientProbe open(Request request) {
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        if (!(endPoint.getTransport() instanceof SocketChannel channel)) return null;
        Selector selector = null;
        try {
            selector = Selector.open();
            // A channel may be registered with several selectors; Jetty's own registration is untouched.
            channel.register(selector, SelectionKey.OP_READ);
            return new ClientProbe(channel, selector);
        } catch (IOException | RuntimeException e) {
            // Closed already, or in blocking mode: nothing to watch.
            closeQuietly(selector);
            return null;
        }
    }

    /** True once the client is known to have closed or reset the connection. */
    boolean gone() {
        if (gone) return true;
        try {
            if (!channel.isOpen()) return gone = true;
            int ready = selector.selectNow();
            selector.selectedKeys().clear();
            if (ready == 0) return false;
            // Readable: end of stream or reset if nothing is buffered; otherwise pipelined bytes (client alive).
            gone = channel.socket().getInputStream().available() == 0;
        } catch (IOException e) {
            gone = true;
        }
        return gone;
    }

    @Override
    public void close() {
        closeQuietly(selector);
    }

    private static void closeQuietly(Selector selector) {
        if (selector == null) return;
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
