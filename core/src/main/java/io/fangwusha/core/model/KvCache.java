package io.fangwusha.core.model;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.kernels.HalfVectors;

/**
 * Keys and values of one sequence for every layer, laid out {@code [kvHead][position][headDim]}: an attention job
 * serves one KV head, and reads that head's rows over all positions as one sequential stream. (Position-major,
 * {@code [position][kvHead][headDim]}, put a head's consecutive rows a whole position apart — 4 KB for Qwen3's 8
 * heads of 128 floats — so each row began on a new page, where the hardware prefetchers stop.) Capacity is fixed
 * at creation (prompt + tokens to generate), so memory is only what the sequence can use, never
 * {@code max_position_embeddings} up front.
 *
 * <p>Element type per {@link KvCacheType}: F32 in {@code keys}/{@code values}; F16 and BF16 as 16-bit patterns in
 * {@code keys16}/{@code values16}, each value rounded to nearest even once when stored. The other pair is null.
 */
public final class KvCache {
    private final int capacity;
    private final int kvDim;
    private final int headDim;
    private final int layers;
    private final KvCacheType type;
    final float[][] keys;
    final float[][] values;
    final short[][] keys16;
    final short[][] values16;
    private int length;

    /** A float32 cache. */
    public KvCache(int layers, int kvHeads, int headDim, int capacity) {
        this(layers, kvHeads, headDim, capacity, KvCacheType.F32);
    }

    public KvCache(int layers, int kvHeads, int headDim, int capacity, KvCacheType type) {
        if (layers < 0 || kvHeads < 0 || headDim < 0 || capacity < 0) throw new IllegalArgumentException("negative KV cache size");
        this.capacity = capacity;
        this.kvDim = Math.multiplyExact(kvHeads, headDim);
        this.headDim = headDim;
        this.layers = layers;
        this.type = java.util.Objects.requireNonNull(type, "type");
        int size = Math.toIntExact((long) capacity * kvDim);
        if (type == KvCacheType.F32) {
            keys = new float[layers][size];
            values = new float[layers][size];
            keys16 = values16 = null;
        } else {
            keys16 = new short[layers][size];
            values16 = new short[layers][size];
            keys = values = null;
        }
    }

    public int capacity() {
        return capacity;
    }

    public KvCacheType type() {
        return type;
    }

    /** Positions filled so far (the next token's position). */
    public int length() {
        return length;
    }

    /** Forgets positions from {@code newLength} on (e.g. to re-use a cached prompt prefix). */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) throw new IllegalArgumentException("truncate to " + newLength + " of " + length);
        length = newLength;
    }

    void checkRoom(int position) {
        if (position >= capacity) {
            throw new FangwushaException("sequence reached the KV cache capacity of " + capacity + " tokens");
        }
    }

    /**
     * Where the row of {@code kvHead} at {@code position} starts in a layer's array; a head's consecutive rows are
     * {@code headDim} apart.
     */
    int at(int kvHead, int position) {
        return (kvHead * capacity + position) * headDim;
    }

    int headDim() {
        return headDim;
    }

    /** Stores one position's keys and values, all heads ({@code kvDim} floats each, head-major as in the model). */
    void store(int layer, int position, float[] k, int kOff, float[] v, int vOff) {
        for (int h = 0, src = 0; src < kvDim; h++, src += headDim) {
            int at = at(h, position);
            switch (type) {
                case F32 -> {
                    System.arraycopy(k, kOff + src, keys[layer], at, headDim);
                    System.arraycopy(v, vOff + src, values[layer], at, headDim);
                }
                case F16 -> {
                    short[] ks = keys16[layer], vs = values16[layer];
                    for (int i = 0; i < headDim; i++) {
                        ks[at + i] = HalfVectors.toF16(k[kOff + src + i]);
                        vs[at + i] = HalfVectors.toF16(v[vOff + src + i]);
                    }
                }
                case BF16 -> {
                    short[] ks = keys16[layer], vs = values16[layer];
                    for (int i = 0; i < headDim; i++) {
                        ks[at + i] = HalfVectors.toBf16(k[kOff + src + i]);
                        vs[at + i] = HalfVectors.toBf16(v[vOff + src + i]);
                    }
                }
            }
        }
    }

    void advanceTo(int position) {
        if (position + 1 > length) length = position + 1;
    }

    /** Bytes of the key and value arrays (all layers, full capacity). */
    public long bytes() {
        return 2L * layers * capacity * kvDim * type.bytes();
    }
}
