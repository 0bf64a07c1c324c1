package io.fangwusha.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * 16-bit floats (IEEE binary16 "F16" and bfloat16 "BF16") held in {@code short[]}: rounding from float32, and
 * vector loads that widen {@link VectorMath#F}{@code .length()} consecutive values to a {@link FloatVector}
 * exactly. {@link #dotF16}/{@link #dotBf16} and {@link #axpyF16}/{@link #axpyBf16} mirror {@link VectorMath#dot}
 * and {@link VectorMath#axpy} operation for operation, so a 16-bit array holding exactly representable values gives
 * bit-identical results to the float32 path.
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

    // ---- vector loads ----

    /** {@code F.length()} bfloat16 values from {@code a[off..]} as floats: widen, shift into the upper half. */
    public static FloatVector bf16(short[] a, int off) {
        IntVector i = (IntVector) ShortVector.fromArray(S, a, off).convertShape(VectorOperators.S2I, I, 0);
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * {@code F.length()} binary16 values from {@code a[off..]} as floats, exactly as {@link Float#float16ToFloat}
     * (the Vector API has no half → float lane conversion). With {@code em} the half's bits without the sign:
     * normal numbers are {@code em << 13} with the exponent re-biased by 112; infinity and NaN (exponent 31) need
     * 112 more to reach exponent 255, the payload shifted by 13, a NaN made quiet; subnormals and zero are
     * {@code em * 2^-24}, computed as int → float (exact below 2^24) times a power of two, so no float32 subnormal
     * ever enters an arithmetic instruction (they can be slow). The sign comes last: the widening sign-extends,
     * so bit 31 already is the half's sign.
     */
    public static FloatVector f16(short[] a, int off) {
        IntVector h = (IntVector) ShortVector.fromArray(S, a, off).convertShape(VectorOperators.S2I, I, 0);
        IntVector em = h.and(0x7fff);
        IntVector normal = em.lanewise(VectorOperators.LSHL, 13).add(REBIAS);
        normal = normal.lanewise(VectorOperators.ADD, REBIAS, em.compare(VectorOperators.GE, 0x7c00));
        normal = normal.lanewise(VectorOperators.OR, QUIET, em.compare(VectorOperators.GT, 0x7c00));
        IntVector small = ((FloatVector) em.convert(VectorOperators.I2F, 0)).mul(0x1p-24f).reinterpretAsInts();
        VectorMask<Integer> subnormal = em.compare(VectorOperators.LT, 0x400);
        return normal.blend(small, subnormal).or(h.and(0x8000_0000)).reinterpretAsFloats();
    }

    // ---- dot and axpy: the same operations in the same order as VectorMath's float32 versions ----

    /** sum_i a[aOff+i] * bf16(b[bOff+i]), i < n; as {@link VectorMath#dot}. */
    public static float dotBf16(float[] a, int aOff, short[] b, int bOff, int n) {
        int i = 0;
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F), acc2 = FloatVector.zero(F), acc3 = FloatVector.zero(F);
        for (; i <= n - 4 * STEP; i += 4 * STEP) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(bf16(b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(F, a, aOff + i + STEP).fma(bf16(b, bOff + i + STEP), acc1);
            acc2 = FloatVector.fromArray(F, a, aOff + i + 2 * STEP).fma(bf16(b, bOff + i + 2 * STEP), acc2);
            acc3 = FloatVector.fromArray(F, a, aOff + i + 3 * STEP).fma(bf16(b, bOff + i + 3 * STEP), acc3);
        }
        for (; i <= n - STEP; i += STEP) acc0 = FloatVector.fromArray(F, a, aOff + i).fma(bf16(b, bOff + i), acc0);
        float sum = VectorMath.sumLanes(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) sum += a[aOff + i] * bf16ToFloat(b[bOff + i]);
        return sum;
    }

    /** sum_i a[aOff+i] * f16(b[bOff+i]), i < n; as {@link VectorMath#dot}. */
    public static float dotF16(float[] a, int aOff, short[] b, int bOff, int n) {
        int i = 0;
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F), acc2 = FloatVector.zero(F), acc3 = FloatVector.zero(F);
        for (; i <= n - 4 * STEP; i += 4 * STEP) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(f16(b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(F, a, aOff + i + STEP).fma(f16(b, bOff + i + STEP), acc1);
            acc2 = FloatVector.fromArray(F, a, aOff + i + 2 * STEP).fma(f16(b, bOff + i + 2 * STEP), acc2);
            acc3 = FloatVector.fromArray(F, a, aOff + i + 3 * STEP).fma(f16(b, bOff + i + 3 * STEP), acc3);
        }
        for (; i <= n - STEP; i += STEP) acc0 = FloatVector.fromArray(F, a, aOff + i).fma(f16(b, bOff + i), acc0);
        float sum = VectorMath.sumLanes(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) sum += a[aOff + i] * Float.float16ToFloat(b[bOff + i]);
        return sum;
    }

    /** y[yOff+i] += alpha * bf16(x[xOff+i]); as {@link VectorMath#axpy}. */
    public static void axpyBf16(float alpha, short[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        FloatVector va = FloatVector.broadcast(F, alpha);
        for (; i <= n - STEP; i += STEP) {
            bf16(x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += alpha * bf16ToFloat(x[xOff + i]);
    }

    /** y[yOff+i] += alpha * f16(x[xOff+i]); as {@link VectorMath#axpy}. */
    public static void axpyF16(float alpha, short[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        FloatVector va = FloatVector.broadcast(F, alpha);
        for (; i <= n - STEP; i += STEP) {
            f16(x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += alpha * Float.float16ToFloat(x[xOff + i]);
    }
}
