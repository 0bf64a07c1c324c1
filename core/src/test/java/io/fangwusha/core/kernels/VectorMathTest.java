package io.fangwusha.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VectorMathTest {
    private static final int L = VectorMath.F.length();

    /** The tree written out by hand for the lane counts x86 has: (l0+l8)+(l4+l12) ... as documented. */
    private static float tree(float[] t, int off, int n) {
        float[] c = java.util.Arrays.copyOfRange(t, off, off + n);
        for (int h = n / 2; h >= 1; h /= 2) {
            for (int i = 0; i < h; i++) c[i] = c[i] + c[i + h];
        }
        return c[0];
    }

    /**
     * The build's second kernel run ({@code eight-lanes} in core/pom.xml) caps vectors at 32 bytes to reach the
     * 8-lane code on any machine; this fails if the cap stops reaching the species the kernels use.
     */
    @Test
    void vectorsRespectMaxVectorSize() {
        var bean = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
        long max = Long.parseLong(bean.getVMOption("MaxVectorSize").getValue());
        assertThat((long) VectorMath.F.vectorByteSize()).isLessThanOrEqualTo(max);
    }

    /**
     * {@link VectorMath#exp}: vector and scalar forms give the same bits; within 2 ulp of {@link Math#exp} over
     * {@code [-87.33, 0]} (every 1/4096 and 200k random points); exactly 1 at 0 and -0, 0 below the normal range.
     */
    @Test
    void expIsWithinTwoUlpAndTheSameInBothForms() {
        Random rnd = new Random(5);
        int n = 87 * 4096 + 200_000;
        float[] x = new float[n + L];
        for (int i = 0; i < 87 * 4096; i++) x[i] = -i / 4096f;
        for (int i = 87 * 4096; i < n; i++) x[i] = -87.33f * rnd.nextFloat();
        float[] got = new float[x.length];
        for (int i = 0; i + L <= x.length; i += L) VectorMath.exp(FloatVector.fromArray(VectorMath.F, x, i)).intoArray(got, i);
        for (int i = 0; i < n; i++) {
            assertThat(VectorMath.exp(x[i])).as("scalar at %s", x[i]).isEqualTo(got[i]);
            float want = (float) Math.exp(x[i]);
            int ulps = Math.abs(Float.floatToIntBits(got[i]) - Float.floatToIntBits(want));
            assertThat(ulps).as("ulps at %s: %s vs %s", x[i], got[i], want).isLessThanOrEqualTo(2);
        }
        assertThat(VectorMath.exp(0f)).isEqualTo(1f);
        assertThat(VectorMath.exp(-0f)).isEqualTo(1f);
        assertThat(VectorMath.exp(-87.4f)).isEqualTo(0f);
        assertThat(VectorMath.exp(Float.NEGATIVE_INFINITY)).isEqualTo(0f);
        assertThat(VectorMath.exp(Float.NaN)).isNaN();
        float[] special = new float[L];
        java.util.Arrays.fill(special, -100f);
        special[0] = 0f;
        special[1] = Float.NEGATIVE_INFINITY;
        float[] e = VectorMath.exp(FloatVector.fromArray(VectorMath.F, special, 0)).toArray();
        assertThat(e[0]).isEqualTo(1f);
        assertThat(e[1]).isEqualTo(0f);
        assertThat(e[L - 1]).isEqualTo(0f);
    }

    @Test
    void sumLanesIsTheFixedTreeAndNotTheLeftFold() {
        Random rnd = new Random(3);
        boolean differsFromFold = false;
        for (int trial = 0; trial < 2000; trial++) {
            float[] v = new float[L];
            for (int i = 0; i < L; i++) v[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 3));
            float expected = tree(v, 0, L);
            assertThat(Float.floatToRawIntBits(VectorMath.sumLanes(FloatVector.fromArray(VectorMath.F, v, 0))))
                    .isEqualTo(Float.floatToRawIntBits(expected));
            assertThat(Float.floatToRawIntBits(VectorMath.sumLanesScalar(v.clone(), 0, L))).isEqualTo(Float.floatToRawIntBits(expected));
            float fold = 0;
            for (float f : v) fold += f;
            differsFromFold |= fold != expected;
        }
        // Guards against a test that could not tell the orders apart.
        assertThat(differsFromFold).isTrue();
    }

    /** sumLanesOf16 and sumLanesOf4: each accumulator's sum is the scalar tree's, bit for bit. */
    @ParameterizedTest
    @ValueSource(ints = {16, 4})
    void sumLanesOfManyEqualsSumLanesPerAccumulatorBitForBit(int count) {
        if (!VectorMath.SIXTEEN_LANES) return;
        Random rnd = new Random(count);
        float[] acc = new float[count * L + 7];
        float[] sums = new float[16 + 2];
        for (int trial = 0; trial < 500; trial++) {
            for (int i = 0; i < acc.length; i++) acc[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(9) - 4));
            int off = trial % 8;
            if (count == 16) VectorMath.sumLanesOf16(acc, off, sums, 1);
            else VectorMath.sumLanesOf4(acc, off, sums, 1);
            for (int j = 0; j < count; j++) {
                assertThat(Float.floatToRawIntBits(sums[1 + j])).as("accumulator %d of %d", j, count)
                        .isEqualTo(Float.floatToRawIntBits(tree(acc, off + 16 * j, 16)));
            }
        }
    }
}
