package io.fangwusha.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * 16-bit floats (IEEE binary16 "F16" and bfloat16 "BF16") held in {@code short[]}: rounding from float32 (once,
 * when a value is stored), and exact vectorised widening of a run of them back to float32. Attention widens a
 * key or value row into a small float buffer and runs {@link VectorMath#dot}/{@link VectorMath#axpy} on it, so a
 * 16-bit cache holding exactly representable values gives the float32 path's bits, and one widening serves every
 * query head of the KV head.
 */
public final class HalfVectors {
    private HalfVectors() {}

    private static final VectorSpecies<Float> F = VectorMath.F;
    /** Shorts with as many lanes as F (half its bits), widened lane for lane to ints of F's shape. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int STEP = F.length();
    /** float32 exponent bias minus binary16's, in the exponent field: 127 - 15 = 112. */
    private static final int REBIAS = 112 << 23;
    /** float32's quiet-NaN bit, which the JDK (like x86's vcvtph2ps) sets when it widens a half NaN. */
    private static final int QUIET = 0x0040_0000;

    // ---- scalar rounding ----

    /** float32 → binary16, round to nearest even (the JDK's conversion; overflow gives infinity, NaN stays NaN). */
    public static short toF16(float f) {
        return Float.floatToFloat16(f);
    }

    /**
     * float32 → bfloat16 (the upper 16 bits), round to nearest even on the 16 dropped bits. A NaN is kept a NaN
     * (sign and upper payload bits, quiet bit set): the rounding bias would otherwise turn a NaN whose payload sits
     * only in the dropped bits into infinity (0x7f800001 → 0x7f80) and carry 0x7fffffff into the sign (→ -0.0).
     */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fff_ffff) > 0x7f80_0000) return (short) ((bits >>> 16) | 0x0040);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    public static float bf16ToFloat(short h) {
        return Float.intBitsToFloat(h << 16);
    }

    // ---- widening a run of 16-bit values to float32 ----

    /**
     * {@code dst[dOff+i] = bf16(src[sOff+i])}, i < n, {@code F.length()} at a time: widen the shorts to ints
     * (sign-extending; the shift drops those bits again) and shift them into the upper half of a float.
     */
    public static void widenBf16(short[] src, int sOff, float[] dst, int dOff, int n) {
        int i = 0;
        for (; i <= n - STEP; i += STEP) {
            IntVector h = (IntVector) ShortVector.fromArray(S, src, sOff + i).convertShape(VectorOperators.S2I, I, 0);
            h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dOff + i);
        }
        for (; i < n; i++) dst[dOff + i] = bf16ToFloat(src[sOff + i]);
    }

    /**
     * {@code dst[dOff+i] = Float.float16ToFloat(src[sOff+i])} bit for bit, i < n, {@code F.length()} at a time;
     * the Vector API has no half → float lane conversion, so it is built from integer ops. With {@code em} the
     * half's bits without the sign: normal numbers are {@code em << 13} with the exponent re-biased by 112;
     * infinity and NaN (exponent 31) need 112 more to reach exponent 255, the payload shifted by 13, a NaN made
     * quiet (as the JDK and x86's vcvtph2ps do); subnormals and zero are {@code em * 2^-24}, computed as int →
     * float (exact below 2^24) times a power of two, so no float32 subnormal enters an arithmetic instruction
     * (those can be slow). The sign comes last: the widening sign-extends, so bit 31 already is the half's sign.
     *
     * <p>The conversion is written inside the loop on purpose: as a helper returning a vector it is too big for
     * C2 to inline reliably, and a vector that crosses a call that was not inlined is boxed on the heap (measured:
     * about 2x slower dot products over a 16-bit cache).
     */
    public static void widenF16(short[] src, int sOff, float[] dst, int dOff, int n) {
        int i = 0;
        for (; i <= n - STEP; i += STEP) {
            IntVector h = (IntVector) ShortVector.fromArray(S, src, sOff + i).convertShape(VectorOperators.S2I, I, 0);
            IntVector em = h.and(0x7fff);
            IntVector normal = em.lanewise(VectorOperators.LSHL, 13).add(REBIAS);
            normal = normal.lanewise(VectorOperators.ADD, REBIAS, em.compare(VectorOperators.GE, 0x7c00));
            normal = normal.lanewise(VectorOperators.OR, QUIET, em.compare(VectorOperators.GT, 0x7c00));
            IntVector small = ((FloatVector) em.convert(VectorOperators.I2F, 0)).mul(0x1p-24f).reinterpretAsInts();
            normal.blend(small, em.compare(VectorOperators.LT, 0x400)).or(h.and(0x8000_0000)).reinterpretAsFloats().intoArray(dst, dOff + i);
        }
        for (; i < n; i++) dst[dOff + i] = Float.float16ToFloat(src[sOff + i]);
    }
}
