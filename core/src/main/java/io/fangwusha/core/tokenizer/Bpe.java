package io.fangwusha.core.tokenizer;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The byte-level BPE model: turns one pre-token into ids by applying merges in rank order, as HF's {@code BPE}
 * does (lowest rank first, leftmost first among equal ranks; continuing-subword prefix and end-of-word suffix are
 * empty, no dropout). Thread-safe; results for short pre-tokens are cached.
 */
final class Bpe {
    /** HF caches words up to this many chars; longer ones are rare and computed each time. */
    private static final int MAX_CACHED_LENGTH = 256;
    private static final int CACHE_CAPACITY = 200_000;

    private final PairRanks ranks;
    /** Id that merge {@code rank} produces. */
    private final int[] mergeResult;
    /** Id of the single-byte token for each byte, or -1 if the vocabulary lacks it. */
    private final int[] byteIds;
    private final int unkId;
    private final boolean fuseUnk;
    /** With HF's {@code ignore_merges}, a pre-token that is itself in the vocabulary is one token. */
    private final TokenTable wholeWords;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    Bpe(PairRanks ranks, int[] mergeResult, int[] byteIds, int unkId, boolean fuseUnk,
            TokenTable wholeWordsOrNull) {
        this.ranks = ranks;
        this.mergeResult = mergeResult;
        this.byteIds = byteIds;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.wholeWords = wholeWordsOrNull;
    }

    /** Ids of one pre-token (text before the byte-level mapping). The returned array must not be modified. */
    int[] encode(String preToken) {
        boolean cacheable = preToken.length() < MAX_CACHED_LENGTH;
        if (cacheable) {
            int[] hit = cache.get(preToken);
            if (hit != null) return hit;
        }
        int[] ids = compute(Utf8.encode(preToken));
        // Like HF: once full, the cache stops growing (no eviction), which bounds memory.
        if (cacheable && cache.size() < CACHE_CAPACITY) cache.putIfAbsent(preToken, ids);
        return ids;
    }

    void clearCache() {
        cache.clear();
    }

    private int[] compute(byte[] bytes) {
        if (wholeWords != null) {
            int whole = wholeWords.vocabId(bytes, 0, bytes.length);
            if (whole >= 0) return new int[] {whole};
        }
        int n = 0;
        int[] sym = new int[bytes.length];
        boolean lastWasUnk = false;
        for (byte b : bytes) {
            int id = byteIds[b & 0xFF];
            if (id >= 0) {
                sym[n++] = id;
                lastWasUnk = false;
            } else if (unkId >= 0) {
                if (!(fuseUnk && lastWasUnk)) sym[n++] = unkId;
                lastWasUnk = true;
            } // else: HF drops a character it cannot map when there is no unk token
        }
        if (n < 2) return Arrays.copyOf(sym, n);
        if (n == 2) {
            int r = ranks.rank(sym[0], sym[1]);
            return r >= 0 ? new int[] {mergeResult[r]} : Arrays.copyOf(sym, 2);
        }
        return mergeAll(sym, n);
    }

    /**
     * Symbols form a doubly linked list; candidate merges sit in a min-heap keyed by (rank, position). A popped
     * candidate is stale if its left symbol was absorbed, has no right neighbour, or the current pair there has a
     * different rank (symbols only grow, so rank equality means the same pair, as HF's new-id check does).
     */
    private int[] mergeAll(int[] sym, int n) {
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        long[] heap = new long[3 * n];
        int size = 0;
        for (int i = 0; i + 1 < n; i++) {
            int r = ranks.rank(sym[i], sym[i + 1]);
            if (r >= 0) size = push(heap, size, ((long) r << 32) | i);
        }
        int alive = n;
        while (size > 0) {
            long top = heap[0];
            size = pop(heap, size);
            int r = (int) (top >>> 32);
            int pos = (int) top;
            if (sym[pos] < 0) continue;
            int nx = next[pos];
            if (nx < 0 || ranks.rank(sym[pos], sym[nx]) != r) continue;
            sym[pos] = mergeResult[r];
            sym[nx] = -1;
            alive--;
            int nn = next[nx];
            next[pos] = nn;
            if (nn >= 0) prev[nn] = pos;
            int pv = prev[pos];
            if (pv >= 0) {
                int r2 = ranks.rank(sym[pv], sym[pos]);
                if (r2 >= 0) size = push(heap, size, ((long) r2 << 32) | pv);
            }
            if (nn >= 0) {
                int r2 = ranks.rank(sym[pos], sym[nn]);
                if (r2 >= 0) size = push(heap, size, ((long) r2 << 32) | pos);
            }
        }
        int[] out = new int[alive];
        int k = 0;
        for (int i = 0; i >= 0; i = next[i]) out[k++] = sym[i];
        return out;
    }

    private static int push(long[] heap, int size, long v) {
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= v) break;
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = v;
        return size;
    }

    private static int pop(long[] heap, int size) {
        long last = heap[--size];
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) break;
            if (c + 1 < size && heap[c + 1] < heap[c]) c++;
            if (heap[c] >= last) break;
            heap[i] = heap[c];
            i = c;
        }
        heap[i] = last;
        return size;
    }
}
