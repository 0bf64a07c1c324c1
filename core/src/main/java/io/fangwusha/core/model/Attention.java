package io.fangwusha.core.model;

import io.fangwusha.core.kernels.HalfVectors;
import io.fangwusha.core.kernels.VectorMath;

/**
 * Causal grouped-query attention of query heads over one sequence's cache: scores scaled by 1/sqrt(head_dim),
 * softmax in float32 with the maximum subtracted, then the weighted sum of values.
 *
 * <p>One call serves {@code count} query heads that share one KV head: each key and value row is read from memory
 * once and used by all of them while it is in L1. Every head's arithmetic is exactly that of a call for it alone
 * (same dot products, same max, same exp sum, same order of accumulation over positions), so how heads are grouped
 * into calls never changes a result.
 */
final class Attention {
    private Attention() {}

    /**
     * @param q         query vectors, head {@code h} at {@code q[qOff + h*headDim]}
     * @param firstHead first of {@code count} consecutive query heads, all in the group of one KV head
     * @param out       head {@code h} written at {@code out[oOff + h*headDim]}
     * @param scores    scratch of at least {@code count * (position + 1)} floats
     */
    static void heads(float[] q, int qOff, int firstHead, int count, KvCache cache, int layer, int position, int kvHeads,
                      int group, int headDim, float scale, float[] scores, float[] out, int oOff) {
        int kvHead = firstHead / group;
        if ((firstHead + count - 1) / group != kvHead) throw new IllegalArgumentException("heads span two KV heads");
        int kvDim = kvHeads * headDim;
        int n = position + 1;
        int qo = qOff + firstHead * headDim;
        int kv = kvHead * headDim;
        // one branch per call on the cache type; the loops inside are the same for every type
        switch (cache.type()) {
            case F32 -> {
                float[] keys = cache.keys[layer];
                for (int t = 0; t < n; t++) {
                    for (int j = 0; j < count; j++) scores[j * n + t] = VectorMath.dot(q, qo + j * headDim, keys, t * kvDim + kv, headDim) * scale;
                }
            }
            case F16 -> {
                short[] keys = cache.keys16[layer];
                for (int t = 0; t < n; t++) {
                    for (int j = 0; j < count; j++) scores[j * n + t] = HalfVectors.dotF16(q, qo + j * headDim, keys, t * kvDim + kv, headDim) * scale;
                }
            }
            case BF16 -> {
                short[] keys = cache.keys16[layer];
                for (int t = 0; t < n; t++) {
                    for (int j = 0; j < count; j++) scores[j * n + t] = HalfVectors.dotBf16(q, qo + j * headDim, keys, t * kvDim + kv, headDim) * scale;
                }
            }
        }
        for (int j = 0; j < count; j++) softmax(scores, j * n, n);
        int oo = oOff + firstHead * headDim;
        java.util.Arrays.fill(out, oo, oo + count * headDim, 0f);
        switch (cache.type()) {
            case F32 -> {
                float[] values = cache.values[layer];
                for (int t = 0; t < n; t++) {
                    for (int j = 0; j < count; j++) VectorMath.axpy(scores[j * n + t], values, t * kvDim + kv, out, oo + j * headDim, headDim);
                }
            }
            case F16 -> {
                short[] values = cache.values16[layer];
                for (int t = 0; t < n; t++) {
                    for (int j = 0; j < count; j++) HalfVectors.axpyF16(scores[j * n + t], values, t * kvDim + kv, out, oo + j * headDim, headDim);
                }
            }
            case BF16 -> {
                short[] values = cache.values16[layer];
                for (int t = 0; t < n; t++) {
                    for (int j = 0; j < count; j++) HalfVectors.axpyBf16(scores[j * n + t], values, t * kvDim + kv, out, oo + j * headDim, headDim);
                }
            }
        }
    }

    /** s[off..off+n) := exp(s - max) / sum, the weights applied to the values (one rounding: e * (1/sum)). */
    private static void softmax(float[] s, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int t = off; t < off + n; t++) if (s[t] > max) max = s[t];
        float sum = 0;
        for (int t = off; t < off + n; t++) {
            float e = (float) Math.exp(s[t] - max);
            s[t] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int t = off; t < off + n; t++) s[t] *= inv;
    }
}
