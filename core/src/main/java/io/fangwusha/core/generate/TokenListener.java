package io.fangwusha.core.generate;

/** Streaming callback: one call per generated token with the text it completed (may be empty). */
@FunctionalInterface
public interface TokenListener {
    /** Return false to cancel the generation. */
    boolean onToken(int id, String textDelta);

    TokenListener NONE = (id, text) -> true;
}
