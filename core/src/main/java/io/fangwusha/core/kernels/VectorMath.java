package io.fangwusha.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Float32 vector primitives. Every reduction has a fixed order that does not depend on batch size or thread. */
public final class VectorMath {
    private VectorMath() {}

    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);

    /**
     * sum_i a[aOff+i] * b[bOff+i], i < n; four independent accumulators for instruction-level parallelism. The
     * lanes are summed in {@code lanes} (one vector's worth) with {@link #sumLanes}' tree, not by calling it: a
     * vector handed to a call C2 may leave out of line is boxed (JFR showed sumLanes' shuffles allocating ~160 MB
     * under this method, called once per query-key pair, in a 3-repetition 0.6B bench).
     */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n, float[] lanes) {
        dotLanes(a, aOff, b, bOff, n, lanes, 0);
        float sum = sumLanesScalar(lanes, 0, F.length());
        for (int i = n - n % F.length(); i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    /**
     * The vector part of {@link #dot}: the lanes it reduces (columns below {@code n - n % L}), stored at
     * {@code lanes[lOff ..]}, so that callers with many dot products can reduce 16 of them at once with
     * {@link #sumLanesOf16} (the same tree, so the same bits).
     */
    public static void dotLanes(float[] a, int aOff, float[] b, int bOff, int n, float[] lanes, int lOff) {
        int step = F.length();
        int i = 0;
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F), acc2 = FloatVector.zero(F), acc3 = FloatVector.zero(F);
        int bound4 = n - 4 * step;
        for (; i <= bound4; i += 4 * step) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(F, a, aOff + i + step).fma(FloatVector.fromArray(F, b, bOff + i + step), acc1);
            acc2 = FloatVector.fromArray(F, a, aOff + i + 2 * step).fma(FloatVector.fromArray(F, b, bOff + i + 2 * step), acc2);
            acc3 = FloatVector.fromArray(F, a, aOff + i + 3 * step).fma(FloatVector.fromArray(F, b, bOff + i + 3 * step), acc3);
        }
        for (; i <= n - step; i += step) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
        }
        acc0.add(acc1).add(acc2.add(acc3)).intoArray(lanes, lOff);
    }

    /**
     * Sum of the lanes as a fixed pairwise tree: for {@code h = L/2, L/4, .., 1}, {@code t[i] = t[i] + t[i+h]}
     * ({@code i < h}); the result is {@code t[0]}. Not {@code reduceLanes}: its order differs between the JIT
     * intrinsic and the interpreter's fallback, and results must not depend on whether a method happens to be
     * compiled yet (a sequence must give the same tokens alone or batched, first request or thousandth). A tree
     * rather than a left fold because {@link #sumLanesOf16} computes the same tree for 16 accumulators at once
     * with 31 vector shuffles and 15 adds, which the batched kernels need.
     */
    public static float sumLanes(FloatVector v) {
        if (v.species() != F || L > 16) return sumLanesScalar(v.toArray(), 0, v.length());
        if (L >= 16) v = v.add(HALF8.selectFrom(v.reinterpretAsInts()).reinterpretAsFloats());
        if (L >= 8) v = v.add(HALF4.selectFrom(v.reinterpretAsInts()).reinterpretAsFloats());
        if (L >= 4) v = v.add(HALF2.selectFrom(v.reinterpretAsInts()).reinterpretAsFloats());
        v = v.add(HALF1.selectFrom(v.reinterpretAsInts()).reinterpretAsFloats());
        return v.lane(0);
    }

    /** {@link #sumLanes}' tree over {@code t[off .. off+n)} ({@code n} a power of two); may overwrite it. */
    public static float sumLanesScalar(float[] t, int off, int n) {
        if (n == 16) {
            float s0 = t[off] + t[off + 8], s1 = t[off + 1] + t[off + 9], s2 = t[off + 2] + t[off + 10], s3 = t[off + 3] + t[off + 11];
            float s4 = t[off + 4] + t[off + 12], s5 = t[off + 5] + t[off + 13], s6 = t[off + 6] + t[off + 14], s7 = t[off + 7] + t[off + 15];
            float u0 = s0 + s4, u1 = s1 + s5, u2 = s2 + s6, u3 = s3 + s7;
            return (u0 + u2) + (u1 + u3);
        }
        for (int h = n / 2; h >= 1; h /= 2) {
            for (int i = 0; i < h; i++) t[off + i] = t[off + i] + t[off + i + h];
        }
        return t[off];
    }

    private static final int L = F.length();
    /*
     * Every shuffle here is an int index vector applied to the floats' bits (selectFrom on reinterpreted lanes):
     * a float vector's shuffle or float index vector is converted to ints at every use (JDK 25: a truncating
     * conversion, two compares and a slow-path branch per shuffle), about half of sumLanesOf16's instructions.
     * 0.6B Q4_0 pp16 162 -> 186 tok/s; pp128 and decode unchanged within noise.
     */
    private static final IntVector HALF8 = rotation(8), HALF4 = rotation(4), HALF2 = rotation(2), HALF1 = rotation(1);

    private static IntVector rotation(int h) {
        int[] idx = new int[L];
        for (int i = 0; i < L; i++) idx[i] = (i + h) % L;
        return IntVector.fromArray(I, idx, 0);
    }

    /**
     * {@code e^x} for {@code x <= 0}, within 2 ulp of {@link Math#exp} ({@code 0} below {@code -87.33}, where
     * {@code e^x} leaves the normal floats): {@code x = n·ln2 + r} with {@code n} rounded to nearest (the
     * {@code 1.5·2^23} addition), {@code r} in two fused steps (Cody-Waite), {@code e^r} by its Taylor series to
     * {@code r^7/7!} ({@code |r| <= ln2/2}), times {@code 2^n} built in the exponent bits. Only IEEE operations,
     * the same in {@link #exp(float)}, in the interpreter and in compiled code, so a softmax gives the same bits
     * however its lanes fall. A vector {@code EXP} (the JIT's SVML stub against a scalar fallback) would not;
     * {@code (float) Math.exp(double)} per score was ~8% of a 0.6B pp1024 prefill.
     */
    public static FloatVector exp(FloatVector x) {
        FloatVector t = x.fma(LOG2E, ROUNDER);
        FloatVector n = t.sub(ROUNDER);
        FloatVector r = n.fma(V_NEG_LN2_HI, x);
        r = n.fma(V_NEG_LN2_LO, r);
        FloatVector p = r.fma(C7, C6).fma(r, V_C5).fma(r, V_C4).fma(r, V_C3).fma(r, V_C2).fma(r, V_ONE).fma(r, V_ONE);
        IntVector bits = t.reinterpretAsInts().sub(ROUNDER_BITS - 127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.reinterpretAsFloats()).blend(0f, x.compare(VectorOperators.LT, EXP_MIN));
    }

    /** {@link #exp(FloatVector)} for one value, the same bits. */
    public static float exp(float x) {
        float t = Math.fma(x, LOG2E, ROUNDER);
        float n = t - ROUNDER;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(r, C7, C6), r, C5), r, C4), r, C3), r, C2), r, ONE), r, ONE);
        float e = p * Float.intBitsToFloat((Float.floatToRawIntBits(t) - (ROUNDER_BITS - 127)) << 23);
        return x < EXP_MIN ? 0f : e;
    }

    private static final float LOG2E = 1.44269504088896341f, ROUNDER = 12582912f, LN2_HI = 0.693145751953125f,
            LN2_LO = 1.42860682030941723212e-6f, ONE = 1f, C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120,
            C6 = 1f / 720, C7 = 1f / 5040, EXP_MIN = -87.33f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);
    private static final FloatVector V_NEG_LN2_HI = FloatVector.broadcast(F, -LN2_HI), V_NEG_LN2_LO = FloatVector.broadcast(F, -LN2_LO),
            V_C5 = FloatVector.broadcast(F, C5), V_C4 = FloatVector.broadcast(F, C4), V_C3 = FloatVector.broadcast(F, C3),
            V_C2 = FloatVector.broadcast(F, C2), V_ONE = FloatVector.broadcast(F, ONE);

    /** Whether {@link #sumLanesOf16} has its vector form here (16-lane float vectors). */
    public static final boolean SIXTEEN_LANES = L == 16;

    /**
     * {@code sums[sOff + j] = sumLanes(acc[aOff + 16j .. +16))} for {@code j < 16}, bit for bit, 16-lane vectors
     * only. Stage {@code h} pairs vectors A, B and, per block of {@code 2h} lanes, adds the low halves of A and B
     * (side by side) to their high halves: the tree's level {@code h} for two accumulators in one add.
     */
    public static void sumLanesOf16(float[] acc, int aOff, float[] sums, int sOff) {
        // Written out in one method on purpose: with helpers for a stage, C2 did not inline them here ("callee is
        // too large" once they were compiled on their own) and boxed every vector passed to them, which made this
        // reduction ~14% of a 1024-column PackedTile run.
        IntVector v0 = FloatVector.fromArray(F, acc, aOff).reinterpretAsInts(), v1 = FloatVector.fromArray(F, acc, aOff + 16).reinterpretAsInts();
        IntVector v2 = FloatVector.fromArray(F, acc, aOff + 32).reinterpretAsInts(), v3 = FloatVector.fromArray(F, acc, aOff + 48).reinterpretAsInts();
        IntVector v4 = FloatVector.fromArray(F, acc, aOff + 64).reinterpretAsInts(), v5 = FloatVector.fromArray(F, acc, aOff + 80).reinterpretAsInts();
        IntVector v6 = FloatVector.fromArray(F, acc, aOff + 96).reinterpretAsInts(), v7 = FloatVector.fromArray(F, acc, aOff + 112).reinterpretAsInts();
        IntVector v8 = FloatVector.fromArray(F, acc, aOff + 128).reinterpretAsInts(), v9 = FloatVector.fromArray(F, acc, aOff + 144).reinterpretAsInts();
        IntVector v10 = FloatVector.fromArray(F, acc, aOff + 160).reinterpretAsInts(), v11 = FloatVector.fromArray(F, acc, aOff + 176).reinterpretAsInts();
        IntVector v12 = FloatVector.fromArray(F, acc, aOff + 192).reinterpretAsInts(), v13 = FloatVector.fromArray(F, acc, aOff + 208).reinterpretAsInts();
        IntVector v14 = FloatVector.fromArray(F, acc, aOff + 224).reinterpretAsInts(), v15 = FloatVector.fromArray(F, acc, aOff + 240).reinterpretAsInts();
        IntVector p0 = LO8.selectFrom(v0, v1).reinterpretAsFloats().add(HI8.selectFrom(v0, v1).reinterpretAsFloats()).reinterpretAsInts();
        IntVector p1 = LO8.selectFrom(v2, v3).reinterpretAsFloats().add(HI8.selectFrom(v2, v3).reinterpretAsFloats()).reinterpretAsInts();
        IntVector p2 = LO8.selectFrom(v4, v5).reinterpretAsFloats().add(HI8.selectFrom(v4, v5).reinterpretAsFloats()).reinterpretAsInts();
        IntVector p3 = LO8.selectFrom(v6, v7).reinterpretAsFloats().add(HI8.selectFrom(v6, v7).reinterpretAsFloats()).reinterpretAsInts();
        IntVector p4 = LO8.selectFrom(v8, v9).reinterpretAsFloats().add(HI8.selectFrom(v8, v9).reinterpretAsFloats()).reinterpretAsInts();
        IntVector p5 = LO8.selectFrom(v10, v11).reinterpretAsFloats().add(HI8.selectFrom(v10, v11).reinterpretAsFloats()).reinterpretAsInts();
        IntVector p6 = LO8.selectFrom(v12, v13).reinterpretAsFloats().add(HI8.selectFrom(v12, v13).reinterpretAsFloats()).reinterpretAsInts();
        IntVector p7 = LO8.selectFrom(v14, v15).reinterpretAsFloats().add(HI8.selectFrom(v14, v15).reinterpretAsFloats()).reinterpretAsInts();
        IntVector q0 = LO4.selectFrom(p0, p1).reinterpretAsFloats().add(HI4.selectFrom(p0, p1).reinterpretAsFloats()).reinterpretAsInts();
        IntVector q1 = LO4.selectFrom(p2, p3).reinterpretAsFloats().add(HI4.selectFrom(p2, p3).reinterpretAsFloats()).reinterpretAsInts();
        IntVector q2 = LO4.selectFrom(p4, p5).reinterpretAsFloats().add(HI4.selectFrom(p4, p5).reinterpretAsFloats()).reinterpretAsInts();
        IntVector q3 = LO4.selectFrom(p6, p7).reinterpretAsFloats().add(HI4.selectFrom(p6, p7).reinterpretAsFloats()).reinterpretAsInts();
        IntVector r0 = LO2.selectFrom(q0, q1).reinterpretAsFloats().add(HI2.selectFrom(q0, q1).reinterpretAsFloats()).reinterpretAsInts();
        IntVector r1 = LO2.selectFrom(q2, q3).reinterpretAsFloats().add(HI2.selectFrom(q2, q3).reinterpretAsFloats()).reinterpretAsInts();
        IntVector t = LO1.selectFrom(r0, r1).reinterpretAsFloats().add(HI1.selectFrom(r0, r1).reinterpretAsFloats()).reinterpretAsInts();
        IN_ORDER.selectFrom(t).reinterpretAsFloats().intoArray(sums, sOff);
    }

    /**
     * {@code sums[sOff + k] = sumLanes(acc[aOff + 16k .. +16))} for {@code k < 4}, bit for bit, 16-lane vectors only;
     * {@code sums} needs 16 floats from {@code sOff}. The stages of {@link #sumLanesOf16} for 4 accumulators, with
     * the last two pairing a vector with itself. A decode kernel ends every 4 rows with this: as 4 scalar trees
     * (64 loads, 60 adds) it was 7-8% of a 0.6B Q8_0 decode step once C2 stopped inlining them.
     */
    public static void sumLanesOf4(float[] acc, int aOff, float[] sums, int sOff) {
        reduce4(acc, aOff, sums, sOff, FOUR_IN_ORDER);
    }

    private static void reduce4(float[] acc, int aOff, float[] sums, int sOff, IntVector order) {
        IntVector v0 = FloatVector.fromArray(F, acc, aOff).reinterpretAsInts(), v1 = FloatVector.fromArray(F, acc, aOff + 16).reinterpretAsInts();
        IntVector v2 = FloatVector.fromArray(F, acc, aOff + 32).reinterpretAsInts(), v3 = FloatVector.fromArray(F, acc, aOff + 48).reinterpretAsInts();
        IntVector p0 = LO8.selectFrom(v0, v1).reinterpretAsFloats().add(HI8.selectFrom(v0, v1).reinterpretAsFloats()).reinterpretAsInts();
        IntVector p1 = LO8.selectFrom(v2, v3).reinterpretAsFloats().add(HI8.selectFrom(v2, v3).reinterpretAsFloats()).reinterpretAsInts();
        IntVector q = LO4.selectFrom(p0, p1).reinterpretAsFloats().add(HI4.selectFrom(p0, p1).reinterpretAsFloats()).reinterpretAsInts();
        IntVector r = LO2.selectFrom(q, q).reinterpretAsFloats().add(HI2.selectFrom(q, q).reinterpretAsFloats()).reinterpretAsInts();
        IntVector t = LO1.selectFrom(r, r).reinterpretAsFloats().add(HI1.selectFrom(r, r).reinterpretAsFloats()).reinterpretAsInts();
        order.selectFrom(t).reinterpretAsFloats().intoArray(sums, sOff);
    }

    /** Index vectors of stage h: lane p of block q takes A[2hq + p] (p < h) or B[2hq + p - h] (index + 16). */
    private static IntVector index(int h, boolean high) {
        int[] idx = new int[L];
        for (int lane = 0; lane < L; lane++) {
            int q = lane / (2 * h), p = lane % (2 * h);
            idx[lane] = (p < h ? 2 * h * q + p : 16 + 2 * h * q + p - h) + (high ? h : 0);
        }
        return IntVector.fromArray(I, idx, 0);
    }

    private static final IntVector LO8 = SIXTEEN_LANES ? index(8, false) : null, HI8 = SIXTEEN_LANES ? index(8, true) : null;
    private static final IntVector LO4 = SIXTEEN_LANES ? index(4, false) : null, HI4 = SIXTEEN_LANES ? index(4, true) : null;
    private static final IntVector LO2 = SIXTEEN_LANES ? index(2, false) : null, HI2 = SIXTEEN_LANES ? index(2, true) : null;
    private static final IntVector LO1 = SIXTEEN_LANES ? index(1, false) : null, HI1 = SIXTEEN_LANES ? index(1, true) : null;
    /** Lane of the final vector that holds accumulator j, found by running the stages on labels. */
    private static final IntVector IN_ORDER = SIXTEEN_LANES ? inOrder() : null;

    /** Lanes 0..3 of {@link #sumLanesOf4}'s result take accumulators 0..3: found by reducing constant vectors. */
    private static final IntVector FOUR_IN_ORDER = SIXTEEN_LANES ? fourInOrder() : null;

    private static IntVector fourInOrder() {
        float[] label = new float[4 * L], sum = new float[L];
        for (int j = 0; j < 4; j++) java.util.Arrays.fill(label, j * L, j * L + L, j);
        reduce4(label, 0, sum, 0, IntVector.zero(I).addIndex(1)); // each lane: 16 x its label
        int[] where = new int[L];
        for (int j = 0; j < 4; j++) {
            where[j] = -1;
            for (int lane = L - 1; lane >= 0; lane--) if (sum[lane] == 16f * j) where[j] = lane;
            if (where[j] < 0) throw new AssertionError("accumulator " + j + " not found after the 4-way reduction");
        }
        return IntVector.fromArray(I, where, 0);
    }

    private static IntVector inOrder() {
        int[] label = new int[L * L]; // vector j holds accumulator j in every lane
        for (int j = 0; j < L; j++) java.util.Arrays.fill(label, j * L, j * L + L, j);
        int count = L;
        for (int h = 8; h >= 1; h /= 2) {
            int[] next = new int[count / 2 * L];
            for (int m = 0; m < count / 2; m++) {
                for (int lane = 0; lane < L; lane++) {
                    int q = lane / (2 * h), p = lane % (2 * h);
                    next[m * L + lane] = p < h ? label[2 * m * L + 2 * h * q + p] : label[(2 * m + 1) * L + 2 * h * q + p - h];
                }
            }
            label = next;
            count /= 2;
        }
        int[] where = new int[L];
        for (int lane = 0; lane < L; lane++) where[label[lane]] = lane;
        return IntVector.fromArray(I, where, 0);
    }

    /** y[yOff+i] += alpha * x[xOff+i]. */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int step = F.length();
        int i = 0;
        FloatVector va = FloatVector.broadcast(F, alpha);
        for (; i <= n - step; i += step) {
            FloatVector.fromArray(F, x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    /** y[i] += x[i] for i < n (residual connections). */
    public static void add(float[] x, int xOff, float[] y, int yOff, int n) {
        int step = F.length();
        int i = 0;
        for (; i <= n - step; i += step) {
            FloatVector.fromArray(F, x, xOff + i).add(FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += x[xOff + i];
    }
}
