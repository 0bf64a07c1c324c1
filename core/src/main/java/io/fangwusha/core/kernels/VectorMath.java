package io.fangwusha.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Float32 vector primitives. Every reduction has a fixed order that does not depend on batch size or thread. */
public final class VectorMath {
    private VectorMath() {}

    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** sum_i a[aOff+i] * b[bOff+i], i < n; four independent accumulators for instruction-level parallelism. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
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
        float sum = sumLanes(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    /**
     * Sum of the lanes in lane order. Not {@code reduceLanes}: its order differs between the JIT intrinsic and
     * the interpreter's fallback, and results must not depend on whether a method happens to be compiled yet
     * (a sequence must give the same tokens alone or batched, first request or thousandth).
     */
    public static float sumLanes(FloatVector v) {
        float[] lanes = LANES.get();
        v.intoArray(lanes, 0);
        float s = 0;
        for (int i = 0; i < lanes.length; i++) s += lanes[i];
        return s;
    }

    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[F.length()]);

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
