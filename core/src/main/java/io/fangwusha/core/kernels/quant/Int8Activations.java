package io.fangwusha.core.kernels.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Activations quantised as llama.cpp's {@code quantize_row_q8_0} does, for the integer decode kernels: per block of
 * 32 values {@code d = max|x| / 127} and {@code q = rint(x / d)} in {@code [-127, 127]}, held as shorts (the kernels
 * multiply them with 16-bit lanes; {@code 127 / max|x|} as the factor), the scale {@code d} rounded to f16 as llama.cpp keeps it. Also kept per block:
 * {@code 8·d·sum(q)}, from which Q4_K's kernels take each sub-block's {@code d·sum(q)} for its min term, and
 * {@code -8·sum(q)}, where Q4_0's integer sums start instead of subtracting 8 from every nibble.
 *
 * <p>One instance per thread ({@link #local}); {@link #quantize} overwrites it.
 */
final class Int8Activations {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    private static final float ROUND = 0x1.8p23f;
    private static final ThreadLocal<Int8Activations> LOCAL = ThreadLocal.withInitial(Int8Activations::new);

    /** {@code q[t·cols + c]}: token {@code t}'s quantised column {@code c}. */
    short[] q = new short[0];
    /**
     * {@code pairs[i] = q[2i] | q[2i+1] << 16} (as unsigned 16-bit halves): two neighbouring columns, which the
     * 8-row Q4_0 kernel broadcasts to all int lanes.
     */
    int[] pairs = new int[0];
    /** {@code scale[t·blocks + b]}: token {@code t}'s block {@code b} scale {@code d}. */
    float[] scale = new float[0];
    /** {@code offset8[t·blocks + b] = 8·d·sum(q)} of the block. */
    float[] offset8 = new float[0];
    /**
     * {@code neg8[t·blocks + b] = -8·sum(q)} of the block as an unsigned 16-bit value ({@code |8·sum| <= 32512}):
     * broadcast to int lanes, the low short of each pair is {@code -8·sum}, the high one 0.
     */
    int[] neg8 = new int[0];
    /**
     * {@code negSums[t·cols/16 + s]}: for token {@code t}'s 16 values of sub-block {@code s}, {@code -32·sum} of the
     * even ones and of the odd ones as 16-bit halves (as {@link #pairs}). Q6_K's 16-row kernel starts its sums there
     * instead of subtracting 32 from every quant.
     */
    int[] negSums = new int[0];
    /** The floats last quantised: a decode step multiplies one activation by several matrices, each in chunks. */
    private float[] source = new float[0];
    private int sourceLength = -1;

    static Int8Activations local() {
        return LOCAL.get();
    }

    /**
     * Quantises {@code batch} rows of {@code cols} (a multiple of 32) floats from {@code x}, unless they are the
     * floats quantised last. Decode calls a kernel once per chunk of rows (several per thread and step, see
     * {@code FusedMatmul}) with the same activations; comparing them costs a tenth of quantising them again.
     */
    Int8Activations quantize(float[] x, int batch, int cols) {
        int n = batch * cols, blocks = n / 32;
        if (n == sourceLength && java.util.Arrays.equals(x, 0, n, source, 0, n)) return this;
        if (source.length < n) source = new float[n];
        System.arraycopy(x, 0, source, 0, n);
        sourceLength = n;
        if (q.length < n) {
            q = new short[n];
            pairs = new int[n / 2];
            negSums = new int[n / 16];
        }
        if (scale.length < blocks) {
            scale = new float[blocks];
            offset8 = new float[blocks];
            neg8 = new int[blocks];
        }
        for (int b = 0; b < blocks; b++) {
            int at = 32 * b;
            FloatVector m = FloatVector.fromArray(F, x, at).abs();
            for (int i = 8; i < 32; i += 8) m = m.max(FloatVector.fromArray(F, x, at + i).abs());
            float amax = m.reduceLanes(VectorOperators.MAX), d = amax / 127;
            // As llama.cpp's AVX code: the factor is 127 / max (not 1 / d, which can differ in the last bit), and an
            // all-zero block gets q = 0.
            float id = amax != 0 ? 127 / amax : 0;
            // rint(x·id) for |x·id| <= 127: adding and subtracting 1.5·2^23 rounds a float to an integer, half to even,
            // as Math.rint does; then the conversion is exact.
            IntVector sums = IntVector.zero(I);
            for (int i = at; i < at + 32; i += 8) {
                IntVector v = (IntVector) FloatVector.fromArray(F, x, i).mul(id).add(ROUND).sub(ROUND).convert(VectorOperators.F2I, 0);
                ((ShortVector) v.convertShape(VectorOperators.I2S, S, 0)).intoArray(q, i);
                sums = sums.add(v);
            }
            int sum = sums.reduceLanes(VectorOperators.ADD);
            // The scale the dot products use is d rounded to f16, as llama.cpp stores it (the quants came from the
            // unrounded 1/d, as there), so that our logits follow llama.cpp's own quantised runs.
            float d16 = Float.float16ToFloat(Float.floatToFloat16(d));
            scale[b] = d16;
            offset8[b] = 8 * d16 * sum;
            neg8[b] = (-8 * sum) & 0xFFFF;
            // Little-endian shorts 2i, 2i+1 read as one int: q[2i] & 0xFFFF | q[2i+1] << 16.
            ShortVector.fromArray(S16, q, at).reinterpretAsInts().intoArray(pairs, at / 2);
            ShortVector.fromArray(S16, q, at + 16).reinterpretAsInts().intoArray(pairs, at / 2 + 8);
            for (int s = at; s < at + 32; s += 16) {
                int even = 0, odd = 0;
                for (int i = s; i < s + 16; i += 2) {
                    even += q[i];
                    odd += q[i + 1];
                }
                negSums[s / 16] = (-32 * even) & 0xFFFF | (-32 * odd) << 16;
            }
        }
        return this;
    }
}
