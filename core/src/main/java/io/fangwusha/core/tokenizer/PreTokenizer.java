package io.fangwusha.core.tokenizer;

/**
 * Splits (normalized) text into pre-tokens, like HF's {@code Split} pre-tokenizer with behaviour {@code Isolated}:
 * every regex match is a piece and so is every gap between matches; the pieces cover the text in order.
 */
sealed interface PreTokenizer permits Qwen2PreTokenizer, RegexPreTokenizer {

    /** Receives pieces as char ranges {@code [start, end)} of the text, in order, never empty. */
    @FunctionalInterface
    interface Sink {
        void piece(int start, int end);
    }

    void split(String text, Sink sink);

    /** The Qwen2 pre-tokenizer regex exactly as it appears in Qwen2/Qwen3 {@code tokenizer.json}. */
    String QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
            + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** GPT-2's regex, used by a ByteLevel pre-tokenizer with {@code use_regex: true}. */
    String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** The fast hand-written scanner for the Qwen2 regex, or a java.util.regex one for any other pattern. */
    static PreTokenizer forRegex(String regex) {
        return QWEN2_REGEX.equals(regex) ? new Qwen2PreTokenizer() : new RegexPreTokenizer(regex);
    }
}
