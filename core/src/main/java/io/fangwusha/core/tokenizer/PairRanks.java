package io.fangwusha.core.tokenizer;

/**
 * Open-addressing map from a pair of token ids to its merge rank; immutable once built.
 *
 * <p>Each slot is one long holding the pair and {@code rank + 1} (0 marks an empty slot), so a lookup reads one
 * array, and the table is filled up to a load factor of 0.6. For Qwen3's 151k merges (18-bit ids, 18-bit ranks)
 * that is 2 MB, where separate key and rank arrays at load 0.3 took 6 MB for the life of the model. Pairs of ids
 * too wide to share a long with the rank (more than 64 bits in all, far beyond real vocabularies) fall back to a
 * slot holding the pair alone and a parallel array of ranks.
 */
final class PairRanks {
    private final long[] slots;
    /** Ranks + 1 of the slots in the wide layout; null in the packed one. */
    private final int[] wideRanks;
    private final int mask;
    /** Packed layout: {@code a << (idBits + rankBits) | b << rankBits | (rank + 1)}. */
    private final int idBits;
    private final int rankBits;
    private final long rankMask;

    /**
     * @param idLimit  every id passed to {@link #put} and {@link #rank} is below it
     * @param expected number of merges (ranks are below it)
     */
    PairRanks(int idLimit, int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 5 / 3)) << 1;
        slots = new long[cap];
        mask = cap - 1;
        int ib = bitsFor(idLimit - 1);
        int rb = bitsFor(expected);
        if (2 * ib + rb <= 64) {
            idBits = ib;
            rankBits = rb;
            wideRanks = null;
        } else {
            idBits = 32;
            rankBits = 0;
            wideRanks = new int[cap];
        }
        rankMask = (1L << rankBits) - 1; // 0 for the wide layout
    }

    /** Bits needed for values in {@code [0, max]}, at least 1. */
    private static int bitsFor(int max) {
        return Math.max(1, 32 - Integer.numberOfLeadingZeros(max));
    }

    /** The pair as one number (ids are below idLimit, so they do not overlap). */
    private long key(int a, int b) {
        return ((long) a << idBits) | (b & 0xFFFFFFFFL);
    }

    private static int hash(long k) {
        k *= 0x9E3779B97F4A7C15L;
        return (int) (k ^ (k >>> 29));
    }

    /** Sets the rank of a pair (a later duplicate replaces an earlier one, as in HF's merge map). */
    void put(int a, int b, int rank) {
        long k = key(a, b);
        int i = hash(k) & mask;
        if (wideRanks != null) {
            // wide keys can be 0 (the pair 0, 0), so occupancy is the rank array's
            while (wideRanks[i] != 0 && slots[i] != k) i = (i + 1) & mask;
            slots[i] = k;
            wideRanks[i] = rank + 1;
            return;
        }
        while (slots[i] != 0 && slots[i] >>> rankBits != k) i = (i + 1) & mask;
        slots[i] = (k << rankBits) | (rank + 1);
    }

    /** Rank of the pair, or -1 when there is no merge for it. */
    int rank(int a, int b) {
        long k = key(a, b);
        int i = hash(k) & mask;
        if (wideRanks != null) return wideRank(k, i);
        while (true) {
            long s = slots[i];
            if (s >>> rankBits == k) return (int) (s & rankMask) - 1;
            if (s == 0) return -1;
            i = (i + 1) & mask;
        }
    }

    private int wideRank(long k, int i) {
        while (true) {
            int r = wideRanks[i];
            if (r == 0) return -1;
            if (slots[i] == k) return r - 1;
            i = (i + 1) & mask;
        }
    }
}
