package io.fangwusha.core.tokenizer;

import java.io.ByteArrayOutputStream;

/**
 * GPT-2 byte-level alphabet: every byte is shown as one printable code point so that BPE tokens are ordinary strings.
 * Printable Latin-1 bytes ({@code !..~}, {@code ¡..¬}, {@code ®..ÿ}) stand for themselves; the other 68 bytes are
 * given the code points 256, 257, ... in byte order (so the space byte 0x20 becomes {@code Ġ} U+0120).
 */
final class ByteLevel {
    private ByteLevel() {}

    /** byte (0..255) to its code point. */
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** code point (< 324) to its byte, or -1. */
    private static final int[] CHAR_TO_BYTE = new int[324];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) next++;
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    static char byteToChar(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a byte-level code point stands for, or -1 when the code point is not in the alphabet. */
    static int charToByte(int c) {
        return c >= 0 && c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** Byte-level form of a byte sequence. */
    static String encode(byte[] bytes, int from, int to) {
        char[] out = new char[to - from];
        for (int i = from; i < to; i++) out[i - from] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }

    /**
     * True when every character of the string is in the byte alphabet: it then stands for the bytes its characters
     * map to, and {@link #encode} of those bytes gives it back.
     */
    static boolean inAlphabet(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            if (charToByte(s.charAt(i)) < 0) return false;
        }
        return true;
    }

    /**
     * Appends the bytes a token stands for, as HF's ByteLevel decoder does: if every character of the token is in
     * the byte alphabet, the bytes it maps to; otherwise (e.g. an added token with a character outside the alphabet)
     * the token's own UTF-8 bytes.
     */
    static void appendTokenBytes(String token, ByteArrayOutputStream out) {
        if (!inAlphabet(token)) {
            byte[] raw = Utf8.encode(token);
            out.write(raw, 0, raw.length);
            return;
        }
        for (int i = 0, n = token.length(); i < n; i++) out.write(charToByte(token.charAt(i)));
    }
}
