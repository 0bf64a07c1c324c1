package io.fangwusha.server.filter;

import java.text.Normalizer;
import java.util.Arrays;
import java.util.Locale;

/**
 * The form of a text that the content filter matches against: each code point NFKC-normalised and lower-cased
 * (full-width Latin and compatibility ideographs fold to their plain forms), invisible format characters
 * (zero-width spaces/joiners) removed, whitespace runs collapsed to one space, and whitespace or punctuation/symbol
 * runs that stand between two CJK characters removed, so that {@code 坏 蛋}, {@code 坏，蛋} or {@code 坏*蛋}
 * match the term {@code 坏蛋}. {@link #origin(int)} maps each skeleton character back to the index of the source
 * character it came from, which the streaming filter needs to hold back or cut the source text.
 *
 * <p>Code points are normalised one at a time (not the string as a whole) so that the index map stays exact; for
 * the compatibility folds that matter here (width, circled/compat forms) the result is the same.
 */
final class Skeleton {
    private final StringBuilder text = new StringBuilder();
    private int[] origin = new int[16];

    private Skeleton() {}

    /**
     * @param atEnd whether {@code source} is complete. While more text may follow, a trailing separator run after a
     *              CJK character is left out (the next character may be CJK), which can only drop characters that
     *              a later, longer skeleton would also have dropped or kept after a match that already ended.
     */
    static Skeleton of(CharSequence source, int from, int to, boolean atEnd) {
        Skeleton s = new Skeleton();
        int i = from;
        while (i < to) {
            int cp = Character.codePointAt(source, i);
            int next = i + Character.charCount(cp);
            if (Character.getType(cp) == Character.FORMAT) {
                i = next;
                continue;
            }
            if (isSeparator(cp)) {
                int runEnd = next;
                while (runEnd < to) {
                    int c = Character.codePointAt(source, runEnd);
                    if (!isSeparator(c) && Character.getType(c) != Character.FORMAT) break;
                    runEnd += Character.charCount(c);
                }
                boolean prevCjk = s.text.length() > 0 && isCjk(s.text.codePointBefore(s.text.length()));
                boolean nextCjk = runEnd < to ? isCjk(Character.codePointAt(source, runEnd)) : !atEnd;
                if (!(prevCjk && nextCjk)) {
                    // Keep the run's punctuation as it is (terms like "a.b" match literally) and whitespace as one space.
                    for (int j = i; j < runEnd; ) {
                        int c = Character.codePointAt(source, j);
                        if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                            if (s.text.isEmpty() || s.text.charAt(s.text.length() - 1) != ' ') s.append(" ", j);
                        } else if (Character.getType(c) != Character.FORMAT) {
                            s.append(fold(c), j);
                        }
                        j += Character.charCount(c);
                    }
                }
                i = runEnd;
                continue;
            }
            s.append(fold(cp), i);
            i = next;
        }
        return s;
    }

    static Skeleton of(CharSequence source) {
        return of(source, 0, source.length(), true);
    }

    private void append(String folded, int sourceIndex) {
        for (int k = 0; k < folded.length(); k++) {
            if (text.length() == origin.length) origin = Arrays.copyOf(origin, origin.length * 2);
            origin[text.length()] = sourceIndex;
            text.append(folded.charAt(k));
        }
    }

    private static String fold(int cp) {
        return Normalizer.normalize(Character.toString(cp), Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    }

    /** Whitespace, punctuation or symbols: what people insert between characters to dodge a filter. */
    static boolean isSeparator(int cp) {
        if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) return true;
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
                 Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }

    /** Han ideographs, kana, hangul and bopomofo: scripts written without spaces between words. */
    static boolean isCjk(int cp) {
        Character.UnicodeScript sc;
        try {
            sc = Character.UnicodeScript.of(cp);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return sc == Character.UnicodeScript.HAN || sc == Character.UnicodeScript.HIRAGANA
                || sc == Character.UnicodeScript.KATAKANA || sc == Character.UnicodeScript.HANGUL
                || sc == Character.UnicodeScript.BOPOMOFO;
    }

    String text() {
        return text.toString();
    }

    int length() {
        return text.length();
    }

    /** Index in the source of the character that produced skeleton character {@code i}. */
    int origin(int i) {
        return origin[i];
    }

    /** Normalises a filter term the same way as text (complete, so nothing trailing is dropped), trimmed. */
    static String normalizeTerm(String term) {
        return of(term).text().strip();
    }
}
