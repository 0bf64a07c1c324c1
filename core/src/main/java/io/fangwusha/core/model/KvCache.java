package io.fangwusha.core.model;

import io.fangwusha.core.FangwushaException;

/**
 * Keys and values of one sequence for every layer, float32, laid out {@code [position][kvHead][headDim]} so that the
 * attention loop over positions reads memory in order. Capacity is fixed at creation (prompt + tokens to generate),
 * so memory is only what the sequence can use, never {@code max_position_embeddings} up front.
 */
public final class KvCache {
    private final int capacity;
    private final int kvDim;
    final float[][] keys;
    final float[][] values;
    private int length;

    public KvCache(int layers, int kvDim, int capacity) {
        this.capacity = capacity;
        this.kvDim = kvDim;
        this.keys = new float[layers][];
        this.values = new float[layers][];
        for (int l = 0; l < layers; l++) {
            keys[l] = new float[capacity * kvDim];
            values[l] = new float[capacity * kvDim];
        }
    }

    public int capacity() {
        return capacity;
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
        System.arraycopy(k, kOff, keys[layer], position * kvDim, kvDim);
        System.arraycopy(v, vOff, values[layer], position * kvDim, kvDim);
    }

    void advanceTo(int position) {
        if (position + 1 > length) length = position + 1;
    }

    public long bytes() {
        return 2L * keys.length * capacity * kvDim * Float.BYTES;
    }
}
