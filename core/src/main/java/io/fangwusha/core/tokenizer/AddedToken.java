package io.fangwusha.core.tokenizer;

/**
 * A token added on top of the BPE vocabulary, with HF's flags (tokenizer.json {@code added_tokens}).
 *
 * @param id         its id
 * @param content    the literal text it matches
 * @param special    skipped by {@code decode(ids, true)} ({@code <|im_start|>} yes, {@code <think>} no in Qwen3)
 * @param singleWord matches only when not preceded or followed by a word character
 * @param lstrip     the match swallows whitespace on its left
 * @param rstrip     the match swallows whitespace on its right
 * @param normalized matched in the normalized (NFC) text instead of the raw text
 */
public record AddedToken(int id, String content, boolean special, boolean singleWord, boolean lstrip, boolean rstrip,
        boolean normalized) {

    public AddedToken {
        if (id < 0) throw new IllegalArgumentException("added token id " + id + " < 0");
        if (content == null || content.isEmpty()) throw new IllegalArgumentException("added token " + id + " is empty");
    }

    /** A token matched literally in the raw text with no stripping, as Qwen3's file (and GGUF) describes them. */
    public static AddedToken plain(int id, String content, boolean special) {
        return new AddedToken(id, content, special, false, false, false, false);
    }
}
