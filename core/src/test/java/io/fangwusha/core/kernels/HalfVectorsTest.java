package io.fangwusha.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The 16-bit loads against the JDK's scalar conversions (F16: {@link Float#float16ToFloat}; BF16: the upper half
 * of the float32 bits, by definition), and the rounding of {@link HalfVectors#toBf16} against nearest-even
 * computed from exact distances.
 */
class HalfVectorsTest {
    private static final int L = VectorMath.F.length();

    private static short[] all16BitPatterns() {
        short[] all = new short[65536];
        for (int i = 0; i < all.length; i++) all[i] = (short) i;
        return all;
    }

    @Test
    void f16LoadIsBitExactForAll65536Halves() {
        short[] all = all16BitPatterns();
        float[] lanes = new float[L];
        int checked = 0;
        for (int off = 0; off < all.length; off += L) {
            HalfVectors.f16(all, off).intoArray(lanes, 0);
            for (int j = 0; j < L; j++) {
                int want = Float.floatToRawIntBits(Float.float16ToFloat(all[off + j]));
                assertThat(Float.floatToRawIntBits(lanes[j])).as("half 0x%04x", off + j).isEqualTo(want);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(65536);
    }

    @Test
    void bf16LoadIsTheUpperHalfForAll65536Patterns() {
        short[] all = all16BitPatterns();
        float[] lanes = new float[L];
        for (int off = 0; off < all.length; off += L) {
            HalfVectors.bf16(all, off).intoArray(lanes, 0);
            for (int j = 0; j < L; j++) {
                assertThat(Float.floatToRawIntBits(lanes[j])).as("bf16 0x%04x", off + j).isEqualTo((off + j) << 16);
            }
        }
    }

    /**
     * Nearest bf16 by comparing exact (double) distances to the two neighbours, ties to the even pattern. Past the
     * largest finite bf16 the upper neighbour counts as 2^128 (the exponent unbounded), which is where IEEE
     * rounding overflows to infinity.
     */
    private static int nearestBf16(float f) {
        int lo = Float.floatToRawIntBits(f) >>> 16, hi = lo + 1; // truncation, and the next pattern away from zero
        double vLo = Float.intBitsToFloat(lo << 16);
        double vHi = (hi & 0x7fff) == 0x7f80 ? Math.copySign(0x1p128, f) : Float.intBitsToFloat(hi << 16);
        double dLo = Math.abs(f - vLo), dHi = Math.abs(vHi - f);
        if (dLo != dHi) return dLo < dHi ? lo : hi;
        return (lo & 1) == 0 ? lo : hi;
    }

    @Test
    void bf16RoundsToNearestEven() {
        Random rnd = new Random(11);
        for (int i = 0; i < 200_000; i++) {
            float f = Float.intBitsToFloat(rnd.nextInt());
            if (Float.isNaN(f) || Float.isInfinite(f)) continue;
            assertThat(HalfVectors.toBf16(f) & 0xffff).as("%s (0x%08x)", f, Float.floatToRawIntBits(f)).isEqualTo(nearestBf16(f) & 0xffff);
        }
        // exact ties: the dropped half is exactly 0x8000, so the kept even pattern wins
        assertThat(HalfVectors.toBf16(Float.intBitsToFloat(0x3f80_8000))).isEqualTo((short) 0x3f80); // 1 + 2^-8 -> 1 (even)
        assertThat(HalfVectors.toBf16(Float.intBitsToFloat(0x3f81_8000))).isEqualTo((short) 0x3f82); // odd -> up to even
        assertThat(HalfVectors.toBf16(Float.intBitsToFloat(0x3f80_8001))).isEqualTo((short) 0x3f81); // just above a tie
        assertThat(HalfVectors.toBf16(Float.intBitsToFloat(0xbf81_8000))).isEqualTo((short) 0xbf82); // negative tie
        assertThat(HalfVectors.toBf16(Float.MAX_VALUE)).isEqualTo((short) 0x7f80);                 // overflows to +inf
        assertThat(HalfVectors.toBf16(Float.NEGATIVE_INFINITY)).isEqualTo((short) 0xff80);
        assertThat(HalfVectors.toBf16(-0f)).isEqualTo((short) 0x8000);
        assertThat(HalfVectors.toBf16(Float.MIN_VALUE)).isEqualTo((short) 0);                      // 2^-149 rounds to 0
    }

    @Test
    void bf16KeepsNaNsNaN() {
        int[] nans = {0x7f80_0001, 0x7f80_8000, 0x7fff_ffff, 0xffff_ffff, 0xff80_0001, 0x7fc0_0000, 0x7f81_0000};
        for (int bits : nans) {
            short b = HalfVectors.toBf16(Float.intBitsToFloat(bits));
            assertThat(Float.isNaN(HalfVectors.bf16ToFloat(b))).as("0x%08x -> 0x%04x", bits, b).isTrue();
            assertThat(b < 0).as("sign of 0x%08x", bits).isEqualTo(bits < 0);
        }
    }

    @Test
    void dotAndAxpyEqualTheFloatPathOnRepresentableValues() {
        Random rnd = new Random(5);
        for (int n : new int[] {1, 7, L, 4 * L, 4 * L + 3, 128, 200}) {
            float[] q = new float[n + 3];
            short[] h = new short[n + 5], b = new short[n + 5];
            float[] fh = new float[n + 5], fb = new float[n + 5];
            for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian();
            for (int i = 0; i < h.length; i++) {
                float v = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(20) - 16)); // some F16 subnormals
                h[i] = HalfVectors.toF16(v);
                fh[i] = Float.float16ToFloat(h[i]);
                b[i] = HalfVectors.toBf16(v);
                fb[i] = HalfVectors.bf16ToFloat(b[i]);
            }
            assertThat(HalfVectors.dotF16(q, 3, h, 2, n)).isEqualTo(VectorMath.dot(q, 3, fh, 2, n));
            assertThat(HalfVectors.dotBf16(q, 3, b, 2, n)).isEqualTo(VectorMath.dot(q, 3, fb, 2, n));
            float[] y1 = q.clone(), y2 = q.clone();
            HalfVectors.axpyF16(0.37f, h, 1, y1, 2, n);
            VectorMath.axpy(0.37f, fh, 1, y2, 2, n);
            assertThat(y1).containsExactly(y2);
            y1 = q.clone();
            y2 = q.clone();
            HalfVectors.axpyBf16(-1.9f, b, 4, y1, 0, n);
            VectorMath.axpy(-1.9f, fb, 4, y2, 0, n);
            assertThat(y1).containsExactly(y2);
        }
        // the loads are what the vector path uses, not only the scalar tail
        assertThat(FloatVector.zero(VectorMath.F).length()).isEqualTo(L);
    }
}
