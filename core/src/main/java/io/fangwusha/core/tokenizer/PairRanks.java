package io.fangwusha.core.tokenizer;

import java.util.Arrays;

/** Open-addressing map from a pair of token ids to its merge rank; immutable once built. */
final class PairRanks {
    private final long[] keys;
    private final int[] ranks;
    private final int mask;

    PairRanks(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 + 1)) << 1;
        keys = new long[cap];
        ranks = new int[cap];
        Arrays.fill(keys, -1L);
        mask = cap - 1;
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    private static int hash(long k) {
        k *= 0x9E3779B97F4A7C15L;
        return (int) (k ^ (k >>> 29));
    }

    /** Sets the rank of a pair (a later duplicate replaces an earlier one, as in HF's merge map). */
    void put(int a, int b, int rank) {
        long k = key(a, b);
        int i = hash(k) & mask;
        while (keys[i] != -1L && keys[i] != k) i = (i + 1) & mask;
        keys[i] = k;
        ranks[i] = rank;
    }

    /** Rank of the pair, or -1 when there is no merge for it. */
    int rank(int a, int b) {
        long k = key(a, b);
        int i = hash(k) & mask;
        while (true) {
            long found = keys[i];
            if (found == k) return ranks[i];
            if (found == -1L) return -1;
            i = (i + 1) & mask;
        }
    }
}
