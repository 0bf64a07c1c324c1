package io.fangwusha.core.tokenizer;

/**
 * UTF-8 helpers with Rust's {@code String::from_utf8_lossy} semantics (what HF's decoders use): each maximal
 * subpart of an ill-formed sequence becomes one U+FFFD (the Unicode "best practice"), so e.g. {@code E4 B8 41} gives
 * {@code "\uFFFDA"} and a lone {@code 80} gives one U+FFFD.
 */
final class Utf8 {
    private Utf8() {}

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
            int need;
            int lo = 0x80, hi = 0xBF; // allowed range of the second byte
            int cp;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
                cp = b0 & 0x1F;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                cp = b0 & 0x0F;
                if (b0 == 0xE0) lo = 0xA0; // no overlong forms
                if (b0 == 0xED) hi = 0x9F; // no surrogates
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                cp = b0 & 0x07;
                if (b0 == 0xF0) lo = 0x90;
                if (b0 == 0xF4) hi = 0x8F; // nothing above U+10FFFF
            } else {
                sb.append('\uFFFD');
                i++;
                continue;
            }
            int j = i + 1;
            boolean bad = false;
            for (int k = 0; k < need; k++, j++) {
                if (j >= to) return i; // valid so far, incomplete
                int b = bytes[j] & 0xFF;
                int l = k == 0 ? lo : 0x80, h = k == 0 ? hi : 0xBF;
                if (b < l || b > h) {
                    bad = true;
                    break;
                }
                cp = (cp << 6) | (b & 0x3F);
            }
            if (bad) {
                sb.append('\uFFFD'); // the maximal valid-prefix subpart [i, j) is one replacement
                i = j;
            } else {
                sb.appendCodePoint(cp);
                i = j;
            }
        }
        return to;
    }
}
