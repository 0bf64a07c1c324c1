package io.fangwusha.core.model;

import io.fangwusha.core.kernels.HalfVectors;
import io.fangwusha.core.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
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

    /** Whether {@link #block} serves this head shape: heads of 8 vectors (16 lanes), in pairs. */
    static boolean blockable(int headDim, int count) {
        return VectorMath.SIXTEEN_LANES && headDim == 8 * L && count % 2 == 0;
    }

    /** Positions per key (and value) block: 64 rows of 8 vectors, 32 KB, stay in L1 while every query uses them. */
    static final int KV_BLOCK = 64;

    /**
     * Causal attention of {@code tokens} consecutive tokens of one sequence, at positions {@code p0, p0+1, ..}
     * (token {@code b}'s query heads at {@code q[qOff + b·qStride ..]}, its output likewise in {@code out}), for
     * the {@code count} query heads from {@code firstHead}, all of one KV head ({@link #blockable} shapes only).
     * The keys and values are read in blocks of {@link #KV_BLOCK} positions that every query of the tokens uses
     * while they are in L1 (a 16-bit cache's block widened once into {@code rows}), and each pair of heads keeps
     * its queries in registers: at pp1024 one query and key at a time, from L2, held ~28% of a 0.6B prefill.
     * Every (query, key) dot product, softmax and sum over the values is {@link #heads}' arithmetic in its order
     * (value sums are parked in {@code out} between blocks, unchanged), so the results are the same bits as one
     * {@link #heads} call per token.
     *
     * @param scores scratch of at least {@code tokens · count · (p0 + tokens)} floats
     * @param rows   scratch of {@code KV_BLOCK · headDim} floats (16-bit caches)
     */
    static void block(float[] q, int qOff, int qStride, int tokens, int firstHead, int count, KvCache cache, int layer,
                      int p0, int group, int headDim, float scale, float[] scores, float[] rows, float[] lanes, float[] out, int oOff) {
        int kvHead = firstHead / group;
        if ((firstHead + count - 1) / group != kvHead) throw new IllegalArgumentException("heads span two KV heads");
        if (!blockable(headDim, count) || cache.headDim() != headDim) throw new IllegalArgumentException("not 8-vector heads in pairs");
        int nMax = p0 + tokens, kv = cache.at(kvHead, 0);
        KvCacheType type = cache.type();
        for (int t0 = 0; t0 < nMax; t0 += KV_BLOCK) {
            int t1 = Math.min(nMax, t0 + KV_BLOCK);
            float[] keys = blockRows(type, cache.keys, cache.keys16, layer, kv, t0, t1, headDim, rows);
            int base = blockBase(type, kv, t0, headDim);
            for (int b = Math.max(0, t0 - p0); b < tokens; b++) {
                int end = Math.min(t1, p0 + b + 1);
                for (int j = 0; j < count; j += 2) {
                    int qa = qOff + b * qStride + (firstHead + j) * headDim;
                    pairScores(q, qa, qa + headDim, keys, base, t0, end, scale, lanes, scores, (b * count + j) * nMax, nMax);
                }
            }
        }
        for (int b = 0; b < tokens; b++) {
            for (int j = 0; j < count; j++) softmax(scores, (b * count + j) * nMax, p0 + b + 1);
        }
        for (int t0 = 0; t0 < nMax; t0 += KV_BLOCK) {
            int t1 = Math.min(nMax, t0 + KV_BLOCK);
            float[] values = blockRows(type, cache.values, cache.values16, layer, kv, t0, t1, headDim, rows);
            int base = blockBase(type, kv, t0, headDim);
            for (int b = Math.max(0, t0 - p0); b < tokens; b++) {
                int end = Math.min(t1, p0 + b + 1);
                for (int j = 0; j < count; j++) {
                    weightedValuesPart(scores, (b * count + j) * nMax, values, base, t0, end, out, oOff + b * qStride + (firstHead + j) * headDim);
                }
            }
        }
    }

    /**
     * Where block {@code [t0, t1)} of the head at {@code kv} can be read as floats, row {@code t} at
     * {@link #blockBase}{@code + t·headDim}: the float32 cache itself, or a 16-bit cache's rows widened into
     * {@code rows[0 ..]}.
     */
    private static float[] blockRows(KvCacheType type, float[][] f32, short[][] s16, int layer, int kv, int t0, int t1,
                                     int headDim, float[] rows) {
        if (type == KvCacheType.F32) return f32[layer];
        if (type == KvCacheType.F16) HalfVectors.widenF16(s16[layer], kv + t0 * headDim, rows, 0, (t1 - t0) * headDim);
        else HalfVectors.widenBf16(s16[layer], kv + t0 * headDim, rows, 0, (t1 - t0) * headDim);
        return rows;
    }

    private static int blockBase(KvCacheType type, int kv, int t0, int headDim) {
        return type == KvCacheType.F32 ? kv : -t0 * headDim;
    }

    /**
     * {@code scores[sA + t]} and {@code scores[sA + stride + t]} for keys {@code t0 <= t < end}: the scaled dot
     * products of two queries (8 vectors each, in registers) with each key, as {@link VectorMath#dotLanes} forms
     * them (4 accumulators, chunk {@code c} into accumulator {@code c mod 4}, summed {@code (0+1)+(2+3)}), 8 keys'
     * 16 lane vectors reduced at once like {@link #heads}.
     */
    private static void pairScores(float[] q, int qa, int qb, float[] keys, int kv, int t0, int end, float scale,
                                   float[] lanes, float[] scores, int sA, int stride) {
        FloatVector a0 = FloatVector.fromArray(F, q, qa), a1 = FloatVector.fromArray(F, q, qa + L);
        FloatVector a2 = FloatVector.fromArray(F, q, qa + 2 * L), a3 = FloatVector.fromArray(F, q, qa + 3 * L);
        FloatVector a4 = FloatVector.fromArray(F, q, qa + 4 * L), a5 = FloatVector.fromArray(F, q, qa + 5 * L);
        FloatVector a6 = FloatVector.fromArray(F, q, qa + 6 * L), a7 = FloatVector.fromArray(F, q, qa + 7 * L);
        FloatVector b0 = FloatVector.fromArray(F, q, qb), b1 = FloatVector.fromArray(F, q, qb + L);
        FloatVector b2 = FloatVector.fromArray(F, q, qb + 2 * L), b3 = FloatVector.fromArray(F, q, qb + 3 * L);
        FloatVector b4 = FloatVector.fromArray(F, q, qb + 4 * L), b5 = FloatVector.fromArray(F, q, qb + 5 * L);
        FloatVector b6 = FloatVector.fromArray(F, q, qb + 6 * L), b7 = FloatVector.fromArray(F, q, qb + 7 * L);
        FloatVector z = FloatVector.zero(F);
        for (int t = t0; t < end; t += 8) {
            int m = Math.min(8, end - t);
            for (int u = 0; u < m; u++) {
                int k = kv + (t + u) * 8 * L;
                FloatVector x = FloatVector.fromArray(F, keys, k);
                FloatVector pa0 = a0.fma(x, z), pb0 = b0.fma(x, z);
                x = FloatVector.fromArray(F, keys, k + L);
                FloatVector pa1 = a1.fma(x, z), pb1 = b1.fma(x, z);
                x = FloatVector.fromArray(F, keys, k + 2 * L);
                FloatVector pa2 = a2.fma(x, z), pb2 = b2.fma(x, z);
                x = FloatVector.fromArray(F, keys, k + 3 * L);
                FloatVector pa3 = a3.fma(x, z), pb3 = b3.fma(x, z);
                x = FloatVector.fromArray(F, keys, k + 4 * L);
                pa0 = a4.fma(x, pa0);
                pb0 = b4.fma(x, pb0);
                x = FloatVector.fromArray(F, keys, k + 5 * L);
                pa1 = a5.fma(x, pa1);
                pb1 = b5.fma(x, pb1);
                x = FloatVector.fromArray(F, keys, k + 6 * L);
                pa2 = a6.fma(x, pa2);
                pb2 = b6.fma(x, pb2);
                x = FloatVector.fromArray(F, keys, k + 7 * L);
                pa3 = a7.fma(x, pa3);
                pb3 = b7.fma(x, pb3);
                pa0.add(pa1).add(pa2.add(pa3)).intoArray(lanes, 2 * u * L);
                pb0.add(pb1).add(pb2.add(pb3)).intoArray(lanes, (2 * u + 1) * L);
            }
            boolean full = m == 8;
            if (full) VectorMath.sumLanesOf16(lanes, 0, lanes, 16 * L);
            for (int u = 0; u < m; u++) {
                scores[sA + t + u] = (full ? lanes[16 * L + 2 * u] : VectorMath.sumLanesScalar(lanes, 2 * u * L, L)) * scale;
                scores[sA + stride + t + u] = (full ? lanes[16 * L + 2 * u + 1] : VectorMath.sumLanesScalar(lanes, (2 * u + 1) * L, L)) * scale;
            }
        }
    }

    /**
     * Positions {@code [t0, end)} of {@link #weightedValues}' sum for one head of 8 vectors: the accumulators start
     * from zero at position 0 and are otherwise read from {@code out[o ..]}, where they are left.
     */
    private static void weightedValuesPart(float[] scores, int s, float[] values, int kv, int t0, int end, float[] out, int o) {
        FloatVector a0, a1, a2, a3, a4, a5, a6, a7;
        if (t0 == 0) {
            a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = FloatVector.zero(F);
        } else {
            a0 = FloatVector.fromArray(F, out, o);
            a1 = FloatVector.fromArray(F, out, o + L);
            a2 = FloatVector.fromArray(F, out, o + 2 * L);
            a3 = FloatVector.fromArray(F, out, o + 3 * L);
            a4 = FloatVector.fromArray(F, out, o + 4 * L);
            a5 = FloatVector.fromArray(F, out, o + 5 * L);
            a6 = FloatVector.fromArray(F, out, o + 6 * L);
            a7 = FloatVector.fromArray(F, out, o + 7 * L);
        }
        for (int t = t0; t < end; t++) {
            FloatVector w = FloatVector.broadcast(F, scores[s + t]);
            int v = kv + t * 8 * L;
            a0 = FloatVector.fromArray(F, values, v).fma(w, a0);
            a1 = FloatVector.fromArray(F, values, v + L).fma(w, a1);
            a2 = FloatVector.fromArray(F, values, v + 2 * L).fma(w, a2);
            a3 = FloatVector.fromArray(F, values, v + 3 * L).fma(w, a3);
            a4 = FloatVector.fromArray(F, values, v + 4 * L).fma(w, a4);
            a5 = FloatVector.fromArray(F, values, v + 5 * L).fma(w, a5);
            a6 = FloatVector.fromArray(F, values, v + 6 * L).fma(w, a6);
            a7 = FloatVector.fromArray(F, values, v + 7 * L).fma(w, a7);
        }
        a0.intoArray(out, o);
        a1.intoArray(out, o + L);
        a2.intoArray(out, o + 2 * L);
        a3.intoArray(out, o + 3 * L);
        a4.intoArray(out, o + 4 * L);
        a5.intoArray(out, o + 5 * L);
        a6.intoArray(out, o + 6 * L);
        a7.intoArray(out, o + 7 * L);
    }

    /**
     * {@code out[oo + j·8L ..] = sum_t scores[j·n + t] · values[kv + t·8L ..]} for a head of 8 vectors, the sum
     * over positions in order in 8 register accumulators: the same FMAs, in the same order, as the axpy per
     * position below, without loading and storing the output at every position.
     */
    private static void weightedValues(float[] scores, int n, int count, float[] values, int kv, float[] out, int oo) {
        for (int j = 0; j < count; j++) weightedValuesPart(scores, j * n, values, kv, 0, n, out, oo + j * 8 * L);
    }

    /**
     * Where the cache row at {@code at} can be read as floats: in place for F32, else widened into {@code row[0..]}.
     */
    private static int rowOffset(KvCacheType type, short[] cache16, int at, float[] row, int headDim) {
        if (type == KvCacheType.F16) HalfVectors.widenF16(cache16, at, row, 0, headDim);
        else if (type == KvCacheType.BF16) HalfVectors.widenBf16(cache16, at, row, 0, headDim);
        return type == KvCacheType.F32 ? at : 0;
    }

    /**
     * {@code s[off..off+n) := exp(s - max) / sum}, the weights applied to the values (one rounding:
     * {@code e * (1/sum)}). {@link VectorMath#exp} gives the same bits in its vector and scalar forms; the sum adds
     * whole vectors lane-wise, reduces them with {@link VectorMath#sumLanes}' tree, then adds the tail in order: a
     * fixed order for each {@code n}, so a score's weight never depends on how the call came about.
     */
    static void softmax(float[] s, int off, int n) {
        int v = n - n % L;
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int t = 0; t < v; t += L) m = m.max(FloatVector.fromArray(F, s, off + t));
        float max = m.reduceLanes(VectorOperators.MAX); // exact in any order
        for (int t = v; t < n; t++) max = Math.max(max, s[off + t]);
        FloatVector acc = FloatVector.zero(F);
        for (int t = 0; t < v; t += L) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, s, off + t).sub(max));
            e.intoArray(s, off + t);
            acc = acc.add(e);
        }
        float sum = VectorMath.sumLanes(acc);
        for (int t = v; t < n; t++) {
            float e = VectorMath.exp(s[off + t] - max);
            s[off + t] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int t = 0; t < v; t += L) FloatVector.fromArray(F, s, off + t).mul(inv).intoArray(s, off + t);
        for (int t = v; t < n; t++) s[off + t] *= inv;
    }
}
