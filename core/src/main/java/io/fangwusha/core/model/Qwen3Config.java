package io.fangwusha.core.model;

import java.util.List;

/**
 * The fields of a Qwen3 {@code config.json} that the forward pass uses. {@code headDim} may differ from
 * {@code hiddenSize / numHeads} (it does in the real Qwen3-0.6B). Build it through {@code HfCheckpoint}, which
 * validates every field and names the one at fault.
 */
public record Qwen3Config(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        int bosTokenId,
        List<Integer> eosTokenIds,
        String torchDtype) {

    public int qDim() {
        return numHeads * headDim;
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    /** Query heads per key/value head (grouped-query attention). */
    public int groupSize() {
        return numHeads / numKvHeads;
    }
}
