package io.fangwusha.server.engine;

import io.fangwusha.core.model.KvCache;
import java.util.Arrays;

/** The tokens of one forward step, gathered from several sequences. */
final class Batch {
    private int[] tokens = new int[64];
    private int[] positions = new int[64];
    private KvCache[] caches = new KvCache[64];
    private int size;

    void clear() {
        Arrays.fill(caches, 0, size, null);
        size = 0;
    }

    void add(int token, int position, KvCache cache) {
        if (size == tokens.length) {
            tokens = Arrays.copyOf(tokens, size * 2);
            positions = Arrays.copyOf(positions, size * 2);
            caches = Arrays.copyOf(caches, size * 2);
        }
        tokens[size] = token;
        positions[size] = position;
        caches[size] = cache;
        size++;
    }

    int size() {
        return size;
    }

    int[] tokens() {
        return Arrays.copyOf(tokens, size);
    }

    int[] positions() {
        return Arrays.copyOf(positions, size);
    }

    KvCache[] caches() {
        return Arrays.copyOf(caches, size);
    }
}
