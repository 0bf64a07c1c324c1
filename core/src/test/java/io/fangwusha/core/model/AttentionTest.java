package io.fangwusha.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fangwusha.core.kernels.HalfVectors;
import io.fangwusha.core.kernels.VectorMath;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Attention over 16-bit caches against the float32 path: with keys and values that F16/BF16 represent exactly, the
 * outputs are bit-identical (same operations, same order); and serving a KV head's whole group in one call gives
 * the same bits as one call per query head.
 */
class AttentionTest {
    private static final int LAYERS = 2, KV_HEADS = 2, GROUP = 3, HEAD_DIM = 40, POSITIONS = 37;

    /** Random keys/values rounded through {@code type} (identity for F32), stored in a cache of {@code type}. */
    private static KvCache filled(KvCacheType type, KvCacheType roundedThrough, long seed) {
        Random rnd = new Random(seed);
        int kvDim = KV_HEADS * HEAD_DIM;
        KvCache c = new KvCache(LAYERS, KV_HEADS, HEAD_DIM, POSITIONS, type);
        float[] k = new float[kvDim], v = new float[kvDim];
        for (int l = 0; l < LAYERS; l++) {
            for (int p = 0; p < POSITIONS; p++) {
                for (int i = 0; i < kvDim; i++) {
                    k[i] = round((float) (rnd.nextGaussian() * 3), roundedThrough);
                    v[i] = round((float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(12) - 10)), roundedThrough);
                }
                c.store(l, p, k, 0, v, 0);
                c.advanceTo(p);
            }
        }
        return c;
    }

    private static float round(float f, KvCacheType t) {
        return switch (t) {
            case F32 -> f;
            case F16 -> Float.float16ToFloat(HalfVectors.toF16(f));
            case BF16 -> HalfVectors.bf16ToFloat(HalfVectors.toBf16(f));
        };
    }

    private static float[] attend(KvCache c, int perCall, float[] q, int position) {
        int heads = KV_HEADS * GROUP;
        float[] out = new float[heads * HEAD_DIM];
        float[] scores = new float[GROUP * POSITIONS];
        for (int h = 0; h < heads; h += perCall) {
            Attention.heads(q, 0, h, perCall, c, 1, position, GROUP, HEAD_DIM, 0.158f, scores, new float[HEAD_DIM], new float[Attention.LANES_SCRATCH], out, 0);
        }
        return out;
    }

    @Test
    void sixteenBitCachesGiveTheFloatPathsBitsOnRepresentableValues() {
        Random rnd = new Random(9);
        float[] q = new float[KV_HEADS * GROUP * HEAD_DIM];
        for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian();
        for (KvCacheType t : new KvCacheType[] {KvCacheType.F16, KvCacheType.BF16}) {
            KvCache half = filled(t, t, 1), full = filled(KvCacheType.F32, t, 1);
            assertThat(half.keys16).isNotNull();
            for (int position : new int[] {0, 5, POSITIONS - 1}) {
                assertThat(attend(half, 1, q, position)).as("%s at %d", t, position).containsExactly(attend(full, 1, q, position));
            }
        }
    }

    @Test
    void oneCallPerGroupEqualsOneCallPerHead() {
        Random rnd = new Random(4);
        float[] q = new float[KV_HEADS * GROUP * HEAD_DIM];
        for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian();
        for (KvCacheType t : KvCacheType.values()) {
            KvCache c = filled(t, KvCacheType.F32, 2);
            float[] perHead = attend(c, 1, q, POSITIONS - 1);
            assertThat(attend(c, GROUP, q, POSITIONS - 1)).as("%s", t).containsExactly(perHead);
            assertThat(perHead).as("%s computed something", t).isNotEqualTo(new float[perHead.length]);
        }
    }

    /**
     * Head sizes that are a multiple of the vector length take the path that reduces 16 query-key dot products at
     * once, and heads of 8 vectors over a float32 cache sum the values in registers; both must give exactly what
     * one {@link VectorMath#dot} per pair, {@link Attention#softmax} and an axpy per position give (a full batch of 16 and a
     * partial one: 37 positions, groups of 1, 2 and 4 heads).
     */
    @Test
    void batchedScoresEqualOneDotPerPair() {
        int headDim = 8 * VectorMath.F.length(), kvHeads = 2, positions = 37, kvDim = kvHeads * headDim;
        Random rnd = new Random(11);
        KvCache c = new KvCache(1, kvHeads, headDim, positions, KvCacheType.F32);
        float[] k = new float[kvDim], v = new float[kvDim];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < kvDim; i++) {
                k[i] = (float) rnd.nextGaussian();
                v[i] = (float) rnd.nextGaussian();
            }
            c.store(0, p, k, 0, v, 0);
            c.advanceTo(p);
        }
        float scale = 0.125f;
        for (int group : new int[] {1, 2, 4}) {
            int heads = kvHeads * group;
            float[] q = new float[heads * headDim];
            for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian();
            for (int position : new int[] {positions - 1, 20}) {
                float[] got = new float[heads * headDim];
                for (int h = 0; h < heads; h += group) {
                    Attention.heads(q, 0, h, group, c, 0, position, group, headDim, scale, new float[group * positions],
                            new float[headDim], new float[Attention.LANES_SCRATCH], got, 0);
                }
                float[] want = new float[heads * headDim], lanes = new float[VectorMath.F.length()];
                for (int h = 0; h < heads; h++) {
                    int n = position + 1;
                    float[] w = new float[n];
                    for (int t = 0; t < n; t++) w[t] = VectorMath.dot(q, h * headDim, c.keys[0], c.at(h / group, t), headDim, lanes) * scale;
                    Attention.softmax(w, 0, n);
                    for (int t = 0; t < n; t++) VectorMath.axpy(w[t], c.values[0], c.at(h / group, t), want, h * headDim, headDim);
                }
                assertThat(got).as("group %d, position %d", group, position).containsExactly(want);
            }
        }
    }

    /**
     * A run of a prompt's tokens in one {@link Attention#block} call gives, for every token, the bits of its own
     * {@link Attention#heads} call, over float32 and 16-bit caches: runs that start at position 0 and in the
     * middle, cross key blocks and end inside one, for groups of 2 and 4 heads served in pairs or whole.
     */
    @Test
    void blockOfTokensEqualsOneHeadsCallPerToken() {
        int headDim = 8 * VectorMath.F.length(), kvHeads = 2, positions = 150, kvDim = kvHeads * headDim;
        // With fewer than 16 lanes (AVX2) prompts attend token by token (AttentionStep asks blockable()).
        org.junit.jupiter.api.Assumptions.assumeTrue(Attention.blockable(headDim, 2), "block attention needs 16-float vectors");
        for (KvCacheType type : KvCacheType.values()) {
            Random rnd = new Random(21);
            KvCache c = new KvCache(2, kvHeads, headDim, positions, type);
            float[] k = new float[kvDim], v = new float[kvDim];
            for (int l = 0; l < 2; l++) {
                for (int p = 0; p < positions; p++) {
                    for (int i = 0; i < kvDim; i++) {
                        k[i] = (float) rnd.nextGaussian();
                        v[i] = (float) rnd.nextGaussian();
                    }
                    c.store(l, p, k, 0, v, 0);
                    c.advanceTo(p);
                }
            }
            for (int group : new int[] {2, 4}) {
                int heads = kvHeads * group, qDim = heads * headDim;
                for (int[] run : new int[][] {{0, 70}, {100, 50}, {63, 2}, {149, 1}}) {
                    int p0 = run[0], tokens = run[1];
                    float[] q = new float[tokens * qDim];
                    for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian();
                    for (int count : new int[] {2, group}) {
                        float[] got = new float[q.length], want = new float[q.length];
                        float[] scores = new float[tokens * count * (p0 + tokens)], lanes = new float[Attention.LANES_SCRATCH];
                        float[] rows = new float[Attention.KV_BLOCK * headDim];
                        for (int h = 0; h < heads; h += count) {
                            Attention.block(q, 0, qDim, tokens, h, count, c, 1, p0, group, headDim, 0.09f, scores, rows, lanes, got, 0);
                            for (int b = 0; b < tokens; b++) {
                                Attention.heads(q, b * qDim, h, count, c, 1, p0 + b, group, headDim, 0.09f, scores,
                                        new float[headDim], lanes, want, b * qDim);
                            }
                        }
                        assertThat(got).as("%s, group %d, count %d, run at %d of %d", type, group, count, p0, tokens).containsExactly(want);
                        assertThat(got).isNotEqualTo(new float[got.length]);
                    }
                }
            }
        }
    }

    @Test
    void headsPerJobKeepsEveryThreadBusy() {
        assertThat(AttentionStep.headsPerJob(1, 8, 2, 2)).isEqualTo(2);   // 0.6B decode, 2 threads: whole groups
        assertThat(AttentionStep.headsPerJob(1, 8, 2, 16)).isEqualTo(1);  // 16 threads: one head per job
        assertThat(AttentionStep.headsPerJob(1, 4, 8, 16)).isEqualTo(2);  // 4 KV heads x 4 jobs of 2 heads
        assertThat(AttentionStep.headsPerJob(64, 8, 4, 16)).isEqualTo(4); // prefill: whole groups
        assertThat(AttentionStep.headsPerJob(1, 2, 1, 8)).isEqualTo(1);   // no grouping (MHA)
    }
}
