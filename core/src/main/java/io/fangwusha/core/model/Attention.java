package io.fangwusha.core.model;

import io.fangwusha.core.kernels.HalfVectors;
import io.fangwusha.core.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal grouped-query attention of query heads over one sequence's cache: scores scaled by 1/sqrt(head_dim),
 * softmax in float32 with the maximum subtracted, then the weighted sum of values.
 *
 * <p>One call serves {@code count} query heads that share one KV head: each key row (and, for 16-bit caches or odd
 * head sizes, each value row) is read from memory once and used by all of them while it is in L1; over a float32
 * cache a head of 8 vectors instead runs through the values once per head, its output kept in registers. Every head's arithmetic is exactly that of a call for it alone
 * (same dot products, same max, same exp sum, same order of accumulation over positions), so how heads are grouped
 * into calls never changes a result.
 */
final class Attention {
    private Attention() {}

    private static final VectorSpecies<Float> F = VectorMath.F;
    private static final int L = F.length();
    /** Size of the {@code lanes} scratch: 16 vectors, then their 16 sums. */
    static final int LANES_SCRATCH = 17 * L;

    /**
     * @param q         query vectors, head {@code h} at {@code q[qOff + h*headDim]}
     * @param firstHead first of {@code count} consecutive query heads, all in the group of one KV head
     * @param out       head {@code h} written at {@code out[oOff + h*headDim]}
     * @param scores    scratch of at least {@code count * (position + 1)} floats
     * @param row       scratch of {@code headDim} floats (a 16-bit cache's row widened to float32)
     * @param lanes     scratch of {@link #LANES_SCRATCH} floats ({@link VectorMath#dot}, 16 dot products' lanes)
     */
    static void heads(float[] q, int qOff, int firstHead, int count, KvCache cache, int layer, int position,
                      int group, int headDim, float scale, float[] scores, float[] row, float[] lanes, float[] out, int oOff) {
        int kvHead = firstHead / group;
        if ((firstHead + count - 1) / group != kvHead) throw new IllegalArgumentException("heads span two KV heads");
        if (cache.headDim() != headDim) throw new IllegalArgumentException("cache rows of " + cache.headDim() + ", heads of " + headDim);
        int n = position + 1;
        int qo = qOff + firstHead * headDim;
        int kv = cache.at(kvHead, 0); // position t's row at kv + t*headDim
        // The cache type is read once per call (the per-row branches below always go the same way). A 16-bit row
        // is widened once into {@code row}, for all {@code count} heads, and then used exactly like a float32 row,
        // so the arithmetic is the float32 path's.
        KvCacheType type = cache.type();
        float[] keys = type == KvCacheType.F32 ? cache.keys[layer] : row;
        short[] keys16 = type == KvCacheType.F32 ? null : cache.keys16[layer];
        if (VectorMath.SIXTEEN_LANES && headDim % L == 0 && 16 % count == 0) {
            // 16 query-key dot products reduced at once (same tree, same bits): reducing each alone was ~7% of a
            // 0.6B decode step.
            int per = 16 / count;
            for (int t0 = 0; t0 < n; t0 += per) {
                int t1 = Math.min(n, t0 + per);
                for (int t = t0; t < t1; t++) {
                    int kOff = rowOffset(type, keys16, kv + t * headDim, row, headDim);
                    for (int j = 0; j < count; j++) VectorMath.dotLanes(q, qo + j * headDim, keys, kOff, headDim, lanes, ((t - t0) * count + j) * L);
                }
                boolean full = t1 - t0 == per;
                if (full) VectorMath.sumLanesOf16(lanes, 0, lanes, 16 * L);
                for (int t = t0; t < t1; t++) {
                    for (int j = 0; j < count; j++) {
                        int m = (t - t0) * count + j;
                        scores[j * n + t] = (full ? lanes[16 * L + m] : VectorMath.sumLanesScalar(lanes, m * L, L)) * scale;
                    }
                }
            }
        } else {
            for (int t = 0; t < n; t++) {
                int kOff = rowOffset(type, keys16, kv + t * headDim, row, headDim);
                for (int j = 0; j < count; j++) scores[j * n + t] = VectorMath.dot(q, qo + j * headDim, keys, kOff, headDim, lanes) * scale;
            }
        }
        for (int j = 0; j < count; j++) softmax(scores, j * n, n);
        int oo = oOff + firstHead * headDim;
        if (type == KvCacheType.F32 && headDim == 8 * L) {
            weightedValues(scores, n, count, cache.values[layer], kv, out, oo);
            return;
        }
        java.util.Arrays.fill(out, oo, oo + count * headDim, 0f);
        float[] values = type == KvCacheType.F32 ? cache.values[layer] : row;
        short[] values16 = type == KvCacheType.F32 ? null : cache.values16[layer];
        for (int t = 0; t < n; t++) {
            int vOff = rowOffset(type, values16, kv + t * headDim, row, headDim);
            for (int j = 0; j < count; j++) VectorMath.axpy(scores[j * n + t], values, vOff, out, oo + j * headDim, headDim);
        }
    }

    /**
     * {@code out[oo + j·8L ..] = sum_t scores[j·n + t] · values[kv + t·8L ..]} for a head of 8 vectors, the sum
     * over positions in order in 8 register accumulators: the same FMAs, in the same order, as the axpy per
     * position below, without loading and storing the output at every position.
     */
    private static void weightedValues(float[] scores, int n, int count, float[] values, int kv, float[] out, int oo) {
        for (int j = 0; j < count; j++) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int t = 0; t < n; t++) {
                FloatVector s = FloatVector.broadcast(F, scores[j * n + t]);
                int v = kv + t * 8 * L;
                a0 = FloatVector.fromArray(F, values, v).fma(s, a0);
                a1 = FloatVector.fromArray(F, values, v + L).fma(s, a1);
                a2 = FloatVector.fromArray(F, values, v + 2 * L).fma(s, a2);
                a3 = FloatVector.fromArray(F, values, v + 3 * L).fma(s, a3);
                a4 = FloatVector.fromArray(F, values, v + 4 * L).fma(s, a4);
                a5 = FloatVector.fromArray(F, values, v + 5 * L).fma(s, a5);
                a6 = FloatVector.fromArray(F, values, v + 6 * L).fma(s, a6);
                a7 = FloatVector.fromArray(F, values, v + 7 * L).fma(s, a7);
            }
            int o = oo + j * 8 * L;
            a0.intoArray(out, o);
            a1.intoArray(out, o + L);
            a2.intoArray(out, o + 2 * L);
            a3.intoArray(out, o + 3 * L);
            a4.intoArray(out, o + 4 * L);
            a5.intoArray(out, o + 5 * L);
            a6.intoArray(out, o + 6 * L);
            a7.intoArray(out, o + 7 * L);
        }
    }

    /**
     * Where the cache row at {@code at} can be read as floats: in place for F32, else widened into {@code row[0..]}.
     */
    private static int rowOffset(KvCacheType type, short[] cache16, int at, float[] row, int headDim) {
        if (type == KvCacheType.F16) HalfVectors.widenF16(cache16, at, row, 0, headDim);
        else if (type == KvCacheType.BF16) HalfVectors.widenBf16(cache16, at, row, 0, headDim);
        return type == KvCacheType.F32 ? at : 0;
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
