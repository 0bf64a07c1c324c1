package io.fangwusha.server.engine;

/** The waiting queue is full; the server answers 429. */
public final class QueueFullException extends RuntimeException {
    public QueueFullException(String message) {
        super(message);
    }
}
