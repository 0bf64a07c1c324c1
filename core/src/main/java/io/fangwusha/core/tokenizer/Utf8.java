package io.fangwusha.core.tokenizer;

/**
 * UTF-8 helpers with Rust's {@code String::from_utf8_lossy} semantics (what HF's decoders use): each maximal
 * subpart of an ill-formed sequence becomes one U+FFFD (the Unicode "best practice"), so e.g. {@code E4 B8 41} gives
 * {@code "\uFFFDA"} and a lone {@code 80} gives one U+FFFD.
 */
public final class Utf8 {
    private Utf8() {}

    /** {@link #scan}'s answer for a well-formed prefix that {@code to} cuts off. */
    private static final int TRUNCATED = Integer.MIN_VALUE;

    /** UTF-8 bytes of a Java string; an unpaired surrogate (not representable in UTF-8) is encoded as U+FFFD. */
    static byte[] encode(CharSequence s) {
        return encode(s, 0, s.length());
    }

    static byte[] encode(CharSequence s, int from, int to) {
        byte[] out = new byte[(to - from) * 3];
        int n = 0;
        for (int i = from; i < to; ) {
            char c = s.charAt(i);
            int cp;
            if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                cp = Character.toCodePoint(c, s.charAt(i + 1));
                i += 2;
            } else {
                cp = Character.isSurrogate(c) ? 0xFFFD : c;
                i++;
            }
            n = put(cp, out, n);
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /** Writes one code point at {@code pos}; returns the new position. */
    static int put(int cp, byte[] out, int pos) {
        if (cp < 0x80) {
            out[pos++] = (byte) cp;
        } else if (cp < 0x800) {
            out[pos++] = (byte) (0xC0 | (cp >> 6));
            out[pos++] = (byte) (0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out[pos++] = (byte) (0xE0 | (cp >> 12));
            out[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
            out[pos++] = (byte) (0x80 | (cp & 0x3F));
        } else {
            out[pos++] = (byte) (0xF0 | (cp >> 18));
            out[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
            out[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
            out[pos++] = (byte) (0x80 | (cp & 0x3F));
        }
        return pos;
    }

    /** Lossy decode of {@code bytes[from, to)}; a truncated sequence at the end becomes one U+FFFD. */
    static String decodeLossy(byte[] bytes, int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        int stop = decodeComplete(bytes, from, to, sb);
        if (stop < to) sb.append('\uFFFD');
        return sb.toString();
    }

    /**
     * Decodes {@code bytes[from, to)} lossily into {@code sb}, except for a trailing sequence that is a valid but
     * incomplete prefix of a character (more bytes could still complete it); returns where that tail starts
     * ({@code to} when there is none). Decoding the tail later together with more bytes gives the same text as
     * decoding everything at once, which is what the streaming decoder relies on.
     */
    static int decodeComplete(byte[] bytes, int from, int to, StringBuilder sb) {
        int i = from;
        while (i < to) {
            int b0 = bytes[i] & 0xFF;
            if (b0 < 0x80) {
                sb.append((char) b0);
                i++;
                continue;
            }
            int n = scan(bytes, i, to);
            if (n == TRUNCATED) return i; // valid so far, incomplete
            if (n < 0) {
                sb.append('\uFFFD'); // the maximal valid-prefix subpart is one replacement
                i -= n;
                continue;
            }
            int cp = b0 & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
            for (int k = 1; k < n; k++) cp = (cp << 6) | (bytes[i + k] & 0x3F);
            sb.appendCodePoint(cp);
            i += n;
        }
        return to;
    }

    /**
     * True when {@code bytes[from, to)} is well-formed UTF-8, what Java's strict decoder accepts; checked without
     * building a string (the GGUF parser validates 300k vocabulary strings it leaves in the file).
     */
    public static boolean isWellFormed(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to) {
            if (bytes[i] >= 0) {
                i++;
                continue;
            }
            int n = scan(bytes, i, to);
            if (n <= 0) return false; // ill-formed or truncated (TRUNCATED is negative too)
            i += n;
        }
        return true;
    }

    /**
     * The sequence whose lead byte ({@code >= 0x80}) is {@code bytes[i]}, by Unicode table 3-7 (no overlong forms,
     * surrogates or code points past U+10FFFF): its length when well-formed; minus the length of its maximal
     * well-formed prefix (at least 1) when ill-formed; {@link #TRUNCATED} when a well-formed prefix reaches {@code to}.
     */
    private static int scan(byte[] bytes, int i, int to) {
        int b0 = bytes[i] & 0xFF;
        int need;
        int lo = 0x80, hi = 0xBF; // allowed range of the second byte
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            need = 1;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            need = 2;
            if (b0 == 0xE0) lo = 0xA0; // no overlong forms
            if (b0 == 0xED) hi = 0x9F; // no surrogates
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            need = 3;
            if (b0 == 0xF0) lo = 0x90;
            if (b0 == 0xF4) hi = 0x8F; // nothing above U+10FFFF
        } else {
            return -1;
        }
        int j = i + 1;
        for (int k = 0; k < need; k++, j++) {
            if (j >= to) return TRUNCATED;
            int b = bytes[j] & 0xFF;
            if (b < (k == 0 ? lo : 0x80) || b > (k == 0 ? hi : 0xBF)) return -(j - i);
        }
        return need + 1;
    }
}
