package io.fangwusha.core.tokenizer;

/** Turns a stream of token ids into text pieces; never splits a UTF-8 sequence across pieces. Not thread-safe. */
public interface StreamDecoder {
    /** Text that became complete with this token (possibly empty). */
    String push(int id);

    /** Whatever is left (incomplete bytes become U+FFFD, as HF's decode does). */
    String flush();
}
