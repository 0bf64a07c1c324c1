package io.fangwusha.core;

/**
 * An error caused by the user's input (a file, a flag, a request), not by a bug. Its message is one line that names
 * the file or field at fault; the CLI prints just that line and exits with code 2, the server maps it to HTTP 400.
 */
public class FangwushaException extends RuntimeException {
    public FangwushaException(String message) {
        super(message);
    }

    public FangwushaException(String message, Throwable cause) {
        super(message, cause);
    }
}
