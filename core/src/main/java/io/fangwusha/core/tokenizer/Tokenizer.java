package io.fangwusha.core.tokenizer;

import java.nio.file.Path;

/**
 * Byte-level BPE tokenizer read from a Hugging Face {@code tokenizer.json} (Qwen2/Qwen3 family), giving the same ids
 * as Hugging Face's tokenizers library. Thread-safe after construction.
 *
 * <p>API contract (filled in by the tokenizer work): see docs/ARCHITECTURE.md.
 */
public final class Tokenizer {

    /** Reads {@code tokenizer.json}; bad files raise {@link io.fangwusha.core.FangwushaException} naming the file. */
    public static Tokenizer load(Path tokenizerJson) {
        throw new UnsupportedOperationException("tokenizer not implemented yet");
    }

    /** Encodes with added tokens (special and not) recognised in the text, as HF does by default. */
    public int[] encode(String text) {
        return encode(text, true);
    }

    /** {@code parseSpecial=false}: added-token strings are plain text (HF's split_special_tokens=True). */
    public int[] encode(String text, boolean parseSpecial) {
        throw new UnsupportedOperationException();
    }

    public String decode(int[] ids, boolean skipSpecialTokens) {
        throw new UnsupportedOperationException();
    }

    /** Incremental decoder for streaming: emits only complete UTF-8 text. */
    public StreamDecoder streamDecoder(boolean skipSpecialTokens) {
        throw new UnsupportedOperationException();
    }

    /** Id of a vocabulary or added token string, or -1. */
    public int tokenId(String token) {
        throw new UnsupportedOperationException();
    }

    /** The token's string as stored in the vocabulary (byte-level form for BPE tokens). */
    public String tokenString(int id) {
        throw new UnsupportedOperationException();
    }

    /** True for added tokens marked {@code special}. */
    public boolean isSpecial(int id) {
        throw new UnsupportedOperationException();
    }

    /** Number of ids (vocabulary plus added tokens): the largest id + 1. */
    public int size() {
        throw new UnsupportedOperationException();
    }
}
