package io.fangwusha.core.generate;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/** The tokens a sequence has seen: prompt and output for the repetition penalty, output counts for the others. */
public final class TokenHistory {
    private final BitSet seen = new BitSet();
    private final Map<Integer, Integer> generatedCounts = new LinkedHashMap<>();
    private int[] seenIds = new int[0];
    private boolean dirty;

    public TokenHistory(int[] prompt) {
        for (int id : prompt) seen.set(id);
        dirty = true;
    }

    public void addGenerated(int id) {
        if (!seen.get(id)) {
            seen.set(id);
            dirty = true;
        }
        generatedCounts.merge(id, 1, Integer::sum);
    }

    /** Distinct ids of prompt and output (each penalised once, as HF's gather/scatter does). */
    int[] seen() {
        if (dirty) {
            seenIds = seen.stream().toArray();
            dirty = false;
        }
        return seenIds;
    }

    void forEachGenerated(BiConsumer<Integer, Integer> action) {
        generatedCounts.forEach(action);
    }
}
