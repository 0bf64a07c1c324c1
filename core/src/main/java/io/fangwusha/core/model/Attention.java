package io.fangwusha.core.model;

import io.fangwusha.core.kernels.VectorMath;

/**
 * Causal grouped-query attention of one query head over one sequence's cache: scores scaled by 1/sqrt(head_dim),
 * softmax in float32 with the maximum subtracted, then the weighted sum of values.
 */
final class Attention {
    private Attention() {}

    /**
     * @param q       query vectors, head {@code head} at {@code q[qOff + head*headDim]}
     * @param out     written at {@code out[oOff + head*headDim]}
     * @param scores  scratch of at least {@code position + 1} floats
     */
    static void head(float[] q, int qOff, int head, KvCache cache, int layer, int position, int kvHeads, int group,
                     int headDim, float scale, float[] scores, float[] out, int oOff) {
        int kvHead = head / group;
        int kvDim = kvHeads * headDim;
        float[] keys = cache.keys[layer];
        float[] values = cache.values[layer];
        int qo = qOff + head * headDim;
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t <= position; t++) {
            float s = VectorMath.dot(q, qo, keys, t * kvDim + kvHead * headDim, headDim) * scale;
            scores[t] = s;
            if (s > max) max = s;
        }
        float sum = 0;
        for (int t = 0; t <= position; t++) {
            float e = (float) Math.exp(scores[t] - max);
            scores[t] = e;
            sum += e;
        }
        int oo = oOff + head * headDim;
        java.util.Arrays.fill(out, oo, oo + headDim, 0f);
        float inv = 1f / sum;
        for (int t = 0; t <= position; t++) {
            VectorMath.axpy(scores[t] * inv, values, t * kvDim + kvHead * headDim, out, oo, headDim);
        }
    }
}
