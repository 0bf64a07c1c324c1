package io.fangwusha.core.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Generic regex split (behaviour {@code Isolated}) on java.util.regex. UNICODE_CHARACTER_CLASS makes {@code \s} the
 * Unicode White_Space property, {@code \w} Unicode word characters and {@code (?i)} Unicode case-insensitive, which
 * is what Oniguruma (HF's regex engine) does for these constructs. Kept for tokenizers other than Qwen2's, and as an
 * independent cross-check of {@link Qwen2PreTokenizer}.
 */
record RegexPreTokenizer(Pattern pattern) implements PreTokenizer {

    RegexPreTokenizer(String regex) {
        this(Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS));
    }

    @Override
    public void split(String text, Sink sink) {
        Matcher m = pattern.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.end() == m.start()) continue; // empty matches produce no piece
            if (m.start() > last) sink.piece(last, m.start());
            sink.piece(m.start(), m.end());
            last = m.end();
        }
        if (last < text.length()) sink.piece(last, text.length());
    }
}
