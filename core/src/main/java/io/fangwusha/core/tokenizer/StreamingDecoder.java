package io.fangwusha.core.tokenizer;

import java.util.Arrays;

/**
 * Byte-level streaming decoder: appends each token's bytes and emits the text that is final. A trailing, still
 * incomplete UTF-8 sequence (at most 3 bytes) is held back; ill-formed bytes become U+FFFD as soon as they are known
 * to be ill-formed. Because lossy UTF-8 decoding only ever looks ahead inside one character, the concatenation of
 * all pieces and {@link #flush()} equals {@code decode} of all ids.
 */
final class StreamingDecoder implements StreamDecoder {
    private final Tokenizer tokenizer;
    private final boolean skipSpecial;
    private byte[] pending = new byte[16];
    private int pendingLen;

    StreamingDecoder(Tokenizer tokenizer, boolean skipSpecial) {
        this.tokenizer = tokenizer;
        this.skipSpecial = skipSpecial;
    }

    @Override
    public String push(int id) {
        int n = tokenizer.decodedLength(id, skipSpecial);
        if (n == 0) return "";
        if (pendingLen + n > pending.length) pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLen + n));
        tokenizer.copyDecoded(id, pending, pendingLen);
        pendingLen += n;
        StringBuilder sb = new StringBuilder();
        int tail = Utf8.decodeComplete(pending, 0, pendingLen, sb);
        System.arraycopy(pending, tail, pending, 0, pendingLen - tail);
        pendingLen -= tail;
        return sb.toString();
    }

    @Override
    public String flush() {
        String rest = Utf8.decodeLossy(pending, 0, pendingLen);
        pendingLen = 0;
        return rest;
    }
}
