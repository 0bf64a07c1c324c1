package io.fangwusha.core.tokenizer;

/**
 * Hand-written scanner equivalent to the Qwen2 split regex under Oniguruma's Unicode semantics (as HF runs it):
 * <pre>
 *   (?i:'s|'t|'re|'ve|'m|'ll|'d) | [^\r\n\p{L}\p{N}]?\p{L}+ | \p{N} | ?[^\s\p{L}\p{N}]+[\r\n]*
 *   | \s*[\r\n]+ | \s+(?!\S) | \s+
 * </pre>
 * Alternatives are tried in order at each position (leftmost-first, backtracking), and every character starts
 * some match, so matches tile the text. {@code \s} is Unicode White_Space (Oniguruma: 9-D, 85, Zs, Zl, Zp, which is
 * the same set: it includes NBSP and U+3000, excludes U+180E, U+200B, U+FEFF and the 1C-1F separators that Java's
 * {@code Character.isWhitespace} would count). {@code \p{L}} and {@code \p{N}} are general categories L* and N*.
 * Case-insensitive contractions also accept U+017F LATIN SMALL LETTER LONG S, which case-folds to {@code s}.
 */
final class Qwen2PreTokenizer implements PreTokenizer {
    static final byte OTHER = 0, LETTER = 1, NUMBER = 2, SPACE = 3, CRLF = 4;

    /** Class of every BMP code point; supplementary ones are classified on the fly. Immutable after init. */
    private static final byte[] BMP = new byte[0x10000];

    static {
        for (int c = 0; c < 0x10000; c++) BMP[c] = compute(c);
    }

    private static byte compute(int cp) {
        if (cp == '\r' || cp == '\n') return CRLF;
        if (isWhiteSpace(cp)) return SPACE;
        if (Character.isLetter(cp)) return LETTER;
        return switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> OTHER;
        };
    }

    /** Unicode White_Space property (PropList.txt); all of it lies in the BMP. */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    static byte classOf(int cp) {
        return cp < 0x10000 ? BMP[cp] : compute(cp);
    }

    @Override
    public void split(String s, Sink sink) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            int end = matchAt(s, i, n);
            sink.piece(i, end);
            i = end;
        }
    }

    /** End of the regex match that starts at {@code i}. */
    private static int matchAt(String s, int i, int n) {
        int cp = s.codePointAt(i);
        int len = Character.charCount(cp);
        byte cls = classOf(cp);
        if (cp == '\'') {
            int e = contraction(s, i + 1, n);
            if (e > 0) return e;
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (cls == LETTER) return letters(s, i + len, n);
        if ((cls == OTHER || cls == SPACE) && i + len < n && classAt(s, i + len) == LETTER) {
            return letters(s, i + len, n);
        }
        // \p{N}
        if (cls == NUMBER) return i + len;
        // ' '?[^\s\p{L}\p{N}]+[\r\n]*
        if (cls == OTHER || (cp == ' ' && i + 1 < n && classAt(s, i + 1) == OTHER)) {
            int j = others(s, cls == OTHER ? i + len : i + 1, n);
            while (j < n && (s.charAt(j) == '\r' || s.charAt(j) == '\n')) j++;
            return j;
        }
        // Whitespace (all White_Space code points are BMP, one char each). Find the maximal run.
        int j = i;
        int lastNewline = -1;
        while (j < n) {
            byte c = BMP[s.charAt(j)]; // surrogate halves classify as OTHER, ending the run
            if (c == CRLF) lastNewline = j;
            else if (c != SPACE) break;
            j++;
        }
        // \s*[\r\n]+ : \s* backtracks to the last CR/LF of the run.
        if (lastNewline >= 0) return lastNewline + 1;
        // \s+(?!\S) : at the end of text the whole run; else give back the last char (if the run has two or more).
        if (j == n) return j;
        if (j - 1 > i) return j - 1;
        // \s+
        return j;
    }

    private static byte classAt(String s, int i) {
        return classOf(s.codePointAt(i));
    }

    private static int letters(String s, int j, int n) {
        while (j < n) {
            int cp = s.codePointAt(j);
            if (classOf(cp) != LETTER) break;
            j += Character.charCount(cp);
        }
        return j;
    }

    private static int others(String s, int j, int n) {
        while (j < n) {
            int cp = s.codePointAt(j);
            if (classOf(cp) != OTHER) break;
            j += Character.charCount(cp);
        }
        return j;
    }

    /** End of {@code (?i:s|t|re|ve|m|ll|d)} starting at {@code j} (just after the apostrophe), or -1. */
    private static int contraction(String s, int j, int n) {
        if (j >= n) return -1;
        char a = fold(s.charAt(j));
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return j + 1;
        if (j + 1 >= n) return -1;
        char b = fold(s.charAt(j + 1));
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return j + 2;
        return -1;
    }

    /** Simple case folding restricted to what the contraction letters need. */
    private static char fold(char c) {
        if (c >= 'A' && c <= 'Z') return (char) (c + 32);
        if (c == '\u017F') return 's';
        return c;
    }
}
