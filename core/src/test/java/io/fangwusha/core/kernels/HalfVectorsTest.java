package io.fangwusha.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The 16-bit widening against the JDK's scalar conversions (F16: {@link Float#float16ToFloat}; BF16: the upper half
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
    void f16WideningIsBitExactForAll65536Halves() {
        short[] all = all16BitPatterns();
        float[] got = new float[all.length];
        HalfVectors.widenF16(all, 0, got, 0, all.length); // a multiple of the lane count: all of it by the vector loop
        for (int i = 0; i < all.length; i++) {
            assertThat(Float.floatToRawIntBits(got[i])).as("half 0x%04x", i).isEqualTo(Float.floatToRawIntBits(Float.float16ToFloat(all[i])));
        }
        // offsets and a length that leave a scalar tail
        float[] part = new float[1003];
        HalfVectors.widenF16(all, 0x7bf0, part, 2, 1001);
        for (int i = 0; i < 1001; i++) {
            assertThat(Float.floatToRawIntBits(part[2 + i])).isEqualTo(Float.floatToRawIntBits(Float.float16ToFloat(all[0x7bf0 + i])));
        }
        assertThat(part[0]).isZero();
    }

    @Test
    void bf16WideningIsTheUpperHalfForAll65536Patterns() {
        short[] all = all16BitPatterns();
        float[] got = new float[all.length + 5];
        HalfVectors.widenBf16(all, 0, got, 0, all.length);
        for (int i = 0; i < all.length; i++) assertThat(Float.floatToRawIntBits(got[i])).as("bf16 0x%04x", i).isEqualTo(i << 16);
        HalfVectors.widenBf16(all, 0xff80, got, 1, L + 3);
        for (int i = 0; i < L + 3; i++) assertThat(Float.floatToRawIntBits(got[1 + i])).isEqualTo((0xff80 + i) << 16);
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
}
