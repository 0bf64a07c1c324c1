package io.fangwusha.core.model;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.kernels.HalfVectors;

/**
 * Keys and values of one sequence for every layer, laid out {@code [position][kvHead][headDim]} so that the
 * attention loop over positions reads memory in order. Capacity is fixed at creation (prompt + tokens to generate),
 * so memory is only what the sequence can use, never {@code max_position_embeddings} up front.
 *
 * <p>Element type per {@link KvCacheType}: F32 in {@code keys}/{@code values}; F16 and BF16 as 16-bit patterns in
 * {@code keys16}/{@code values16}, each value rounded to nearest even once when stored. The other pair is null.
 */
public final class KvCache {
    private final int capacity;
    private final int kvDim;
    private final int layers;
    private final KvCacheType type;
    final float[][] keys;
    final float[][] values;
    final short[][] keys16;
    final short[][] values16;
    private int length;

    /** A float32 cache. */
    public KvCache(int layers, int kvDim, int capacity) {
        this(layers, kvDim, capacity, KvCacheType.F32);
    }

    public KvCache(int layers, int kvDim, int capacity, KvCacheType type) {
        if (layers < 0 || kvDim < 0 || capacity < 0) throw new IllegalArgumentException("negative KV cache size");
        this.capacity = capacity;
        this.kvDim = kvDim;
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

    void store(int layer, int position, float[] k, int kOff, float[] v, int vOff) {
        int at = position * kvDim;
        switch (type) {
            case F32 -> {
                System.arraycopy(k, kOff, keys[layer], at, kvDim);
                System.arraycopy(v, vOff, values[layer], at, kvDim);
            }
            case F16 -> {
                short[] ks = keys16[layer], vs = values16[layer];
                for (int i = 0; i < kvDim; i++) {
                    ks[at + i] = HalfVectors.toF16(k[kOff + i]);
                    vs[at + i] = HalfVectors.toF16(v[vOff + i]);
                }
            }
            case BF16 -> {
                short[] ks = keys16[layer], vs = values16[layer];
                for (int i = 0; i < kvDim; i++) {
                    ks[at + i] = HalfVectors.toBf16(k[kOff + i]);
                    vs[at + i] = HalfVectors.toBf16(v[vOff + i]);
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
