package io.fangwusha.core.tokenizer;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The tokens of a tokenizer by id, kept compact: the bytes every id decodes to in one array, and an open-addressing
 * index from those bytes back to the vocabulary id. Immutable.
 *
 * <p>Why: held as a {@code String} and a {@code byte[]} per token plus a {@code HashMap<String, Integer>}, Qwen3's
 * 151k tokens cost ~25 MB of heap for the life of a model; this costs ~2.6 MB (bytes ~1 MB, offsets 0.6 MB, index
 * 1 MB).
 *
 * <p>A token's string is not stored when it is the byte-level form of its bytes ({@link ByteLevel#encode}), which
 * holds for every string made only of byte-alphabet characters (all of Qwen3's vocabulary, and added tokens such as
 * {@code <|im_start|>}); it is rebuilt on demand. The few others (a character outside the alphabet, e.g. a raw space)
 * are kept as strings. Likewise the index answers every vocabulary string that is the string of its id and made of
 * alphabet characters (the two are then in one-to-one correspondence with byte sequences); the rest (another string
 * for an id that already has one, or whose id an added token took over, or outside the alphabet) sit in a small map.
 */
final class TokenTable {
    private final int size;
    /** Bytes of id {@code i} are {@code bytes[start[i], start[i + 1])}. */
    private final byte[] bytes;
    private final int[] start;
    /** Ids with no token (gaps in the id space, unused ids); they decode to nothing and have no string. */
    private final java.util.BitSet absent;
    /** Strings that are not the byte-level form of their id's bytes. */
    private final Map<Integer, String> storedStrings;
    /** Vocabulary ids by the hash of their bytes: id + 1, 0 for an empty slot. */
    private final int[] index;
    private final int mask;
    /** Vocabulary strings the index cannot answer (see the class comment); usually empty. */
    private final Map<String, Integer> unindexed;

    /**
     * @param tokens token string of each id (byte-level form for BPE tokens, the content for added ones), null
     *               where there is none
     * @param vocab  the BPE vocabulary, which {@link #vocabId} answers
     */
    TokenTable(String[] tokens, Map<String, Integer> vocab) {
        size = tokens.length;
        start = new int[size + 1];
        absent = new java.util.BitSet(size);
        storedStrings = new HashMap<>();
        ByteArrayOutputStream all = new ByteArrayOutputStream(size * 8);
        for (int id = 0; id < size; id++) {
            start[id] = all.size();
            String t = tokens[id];
            if (t == null) {
                absent.set(id);
                continue;
            }
            ByteLevel.appendTokenBytes(t, all);
            if (!ByteLevel.inAlphabet(t)) storedStrings.put(id, t);
        }
        start[size] = all.size();
        bytes = all.toByteArray();

        unindexed = new HashMap<>();
        int indexed = 0;
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (isIndexable(e.getKey(), e.getValue(), tokens)) indexed++;
        }
        // load factor at most 0.6: a miss (tokenId of a non-token) stays a few probes
        int cap = Integer.highestOneBit(Math.max(16, indexed * 5 / 3)) << 1;
        index = new int[cap];
        mask = cap - 1;
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            int id = e.getValue();
            if (!isIndexable(e.getKey(), id, tokens)) {
                unindexed.put(e.getKey(), id);
                continue;
            }
            int i = hash(bytes, start[id], start[id + 1]) & mask;
            while (index[i] != 0) i = (i + 1) & mask; // vocab keys are distinct strings, so distinct bytes here
            index[i] = id + 1;
        }
    }

    /** The string is its id's string and made of byte-alphabet characters, so its bytes identify it. */
    private static boolean isIndexable(String s, int id, String[] tokens) {
        return s.equals(tokens[id]) && ByteLevel.inAlphabet(s);
    }

    private static int hash(byte[] b, int from, int to) {
        int h = 0x811C9DC5; // FNV-1a, then a final mix so that the low bits depend on every byte
        for (int i = from; i < to; i++) h = (h ^ (b[i] & 0xFF)) * 0x01000193;
        return h ^ (h >>> 15);
    }

    /** Number of ids: the largest id + 1. */
    int size() {
        return size;
    }

    /** True for an id in {@code [0, size())} that has a token. */
    boolean has(int id) {
        return id >= 0 && id < size && !absent.get(id);
    }

    /** Number of bytes the token decodes to; the id must have a token. */
    int length(int id) {
        return start[id + 1] - start[id];
    }

    /** Copies the token's bytes to {@code dst[pos...]}; the id must have a token. */
    void copyBytes(int id, byte[] dst, int pos) {
        System.arraycopy(bytes, start[id], dst, pos, start[id + 1] - start[id]);
    }

    void appendBytes(int id, ByteArrayOutputStream out) {
        out.write(bytes, start[id], start[id + 1] - start[id]);
    }

    /** The token's string, or null when the id has none. */
    String string(int id) {
        if (!has(id)) return null;
        String s = storedStrings.get(id);
        return s != null ? s : ByteLevel.encode(bytes, start[id], start[id + 1]);
    }

    /** Id of a vocabulary string, or -1. */
    int vocabId(String s) {
        Integer id = unindexed.get(s);
        if (id != null) return id;
        if (!ByteLevel.inAlphabet(s)) return -1;
        byte[] b = new byte[s.length()];
        for (int i = 0; i < b.length; i++) b[i] = (byte) ByteLevel.charToByte(s.charAt(i));
        return indexed(b, 0, b.length);
    }

    /** Id of the vocabulary string that is the byte-level form of {@code b[from, to)}, or -1. */
    int vocabId(byte[] b, int from, int to) {
        int id = indexed(b, from, to);
        if (id >= 0 || unindexed.isEmpty()) return id;
        Integer other = unindexed.get(ByteLevel.encode(b, from, to));
        return other == null ? -1 : other;
    }

    private int indexed(byte[] b, int from, int to) {
        int i = hash(b, from, to) & mask;
        while (true) {
            int e = index[i];
            if (e == 0) return -1;
            int id = e - 1;
            if (Arrays.equals(bytes, start[id], start[id + 1], b, from, to)) return id;
            i = (i + 1) & mask;
        }
    }
}
