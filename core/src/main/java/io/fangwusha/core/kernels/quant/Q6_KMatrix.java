package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.ZERO_EXTEND_B2S;

/**
 * ggml Q6_K: super-blocks of 256 elements in 210 bytes: {@code ql[128]} (low 4 bits), {@code qh[64]} (high 2 bits),
 * {@code int8 scales[16]} (one per 16 elements), {@code f16 d}. Each half of 128 elements uses 64 bytes of ql and 32
 * of qh; for {@code l < 32}: element {@code l} = low nibble of {@code ql[l]} + qh bits 0-1, {@code l+32} = low
 * nibble of {@code ql[l+32]} + bits 2-3, {@code l+64} = high nibble of {@code ql[l]} + bits 4-5, {@code l+96} = high
 * nibble of {@code ql[l+32]} + bits 6-7. Value = {@code d * scale[e/16] * (q - 32)}.
 */
final class Q6_KMatrix extends BlockMatrix {
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    /** 16 shorts: 16 quants in {@link #rowInt}. */
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    Q6_KMatrix(Tensor t) {
        super(t, DType.Q6_K);
    }

    private float scale(long blockOff, int idx) {
        return data.get(ValueLayout.JAVA_BYTE, blockOff + 192 + idx);
    }

    @Override
    void dot4(int r, float[] x, int xOff, float[] out, int o, float[] lanes, long ahead) {
        if (L != 16) {
            super.dot4(r, x, xOff, out, o, lanes, ahead);
            return;
        }
        dot2(r, x, xOff, lanes, 0);
        dot2(r + 2, x, xOff, lanes, 2 * L);
        sums4(lanes, out, o);
    }

    /**
     * Two rows decoded in registers, in column order, their accumulators left at {@code lanes[at ..]}. Per half
     * super-block and row, 32 bytes each of {@code ql} and {@code qh} (16-byte loads) give the 128 quants, 16 at a
     * time, assembled with 32-bit lane shifts and masks (a shift that carries bits into the next byte is masked
     * off, and x86 has no byte shifts); each 16 are widened to floats, multiplied by {@code d * scale}
     * ({@link #decodeRow}'s one rounding) and accumulated. 16-byte steps: widening the upper half of a 32-byte
     * vector ({@code convertShape} part 1) was not compiled to vector code and boxed. Everything is written out,
     * two rows per call: the one-row kernel before it called a helper per 16 quants that C2 did not inline (7.8
     * GFLOP/s, 1024x2560 in cache, one core), and four rows in one method passed C2's inlining node limit in the
     * model, boxing vectors (~3 GB/s of garbage).
     */
    private void dot2(int r, float[] x, int xOff, float[] lanes, int at) {
        long r0 = r * rowBytes;
        int f = 5 * L;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int sb = 0; sb < blocksPerRow; sb++) {
            long s0 = r0 + sb * 210L, s1 = s0 + rowBytes;
            factors(s0, lanes, f);
            factors(s1, lanes, f + 16);
            for (int half = 0; half < 2; half++) {
                int xo = xOff + 256 * sb + 128 * half, c = f + 8 * half;
                long ql = 64L * half, qh = 128 + 32L * half;
                IntVector la, lb, h, la1, lb1, h1;
                FloatVector w;
                la = ByteVector.fromMemorySegment(B, data, s0 + ql, LE).reinterpretAsInts();
                lb = ByteVector.fromMemorySegment(B, data, s0 + ql + 32, LE).reinterpretAsInts();
                h = ByteVector.fromMemorySegment(B, data, s0 + qh, LE).reinterpretAsInts();
                la1 = ByteVector.fromMemorySegment(B, data, s0 + ql + 16, LE).reinterpretAsInts();
                lb1 = ByteVector.fromMemorySegment(B, data, s0 + ql + 48, LE).reinterpretAsInts();
                h1 = ByteVector.fromMemorySegment(B, data, s0 + qh + 16, LE).reinterpretAsInts();
                w = (FloatVector) la.and(LOW).or(h.lanewise(LSHL, 4).and(HIGH)).reinterpretAsBytes().sub((byte) 32).convertShape(B2F, F, 0);
                a0 = w.mul(lanes[c]).fma(FloatVector.fromArray(F, x, xo), a0);
                w = (FloatVector) la1.and(LOW).or(h1.lanewise(LSHL, 4).and(HIGH)).reinterpretAsBytes().sub((byte) 32).convertShape(B2F, F, 0);
                a0 = w.mul(lanes[c + 1]).fma(FloatVector.fromArray(F, x, xo + 16), a0);
                w = (FloatVector) lb.and(LOW).or(h.lanewise(LSHL, 2).and(HIGH)).reinterpretAsBytes().sub((byte) 32).convertShape(B2F, F, 0);
                a0 = w.mul(lanes[c + 2]).fma(FloatVector.fromArray(F, x, xo + 32), a0);
                w = (FloatVector) lb1.and(LOW).or(h1.lanewise(LSHL, 2).and(HIGH)).reinterpretAsBytes().sub((byte) 32).convertShape(B2F, F, 0);
                a0 = w.mul(lanes[c + 3]).fma(FloatVector.fromArray(F, x, xo + 48), a0);
                w = (FloatVector) la.lanewise(LSHR, 4).and(LOW).or(h.and(HIGH)).reinterpretAsBytes().sub((byte) 32).convertShape(B2F, F, 0);
                a0 = w.mul(lanes[c + 4]).fma(FloatVector.fromArray(F, x, xo + 64), a0);
                w = (FloatVector) la1.lanewise(LSHR, 4).and(LOW).or(h1.and(HIGH)).reinterpretAsBytes().sub((byte) 32).convertShape(B2F, F, 0);
                a0 = w.mul(lanes[c + 5]).fma(FloatVector.fromArray(F, x, xo + 80), a0);
                w = (FloatVector) lb.lanewise(LSHR, 4).and(LOW).or(h.lanewise(LSHR, 2).and(HIGH)).reinterpretAsBytes().sub((byte) 32).convertShape(B2F, F, 0);
                a0 = w.mul(lanes[c + 6]).fma(FloatVector.fromArray(F, x, xo + 96), a0);
                w = (FloatVector) lb1.lanewise(LSHR, 4).and(LOW).or(h1.lanewise(LSHR, 2).and(HIGH)).reinterpretAsBytes().sub((byte) 32).convertShape(B2F, F, 0);
                a0 = w.mul(lanes[c + 7]).fma(FloatVector.fromArray(F, x, xo + 112), a0);
                la = ByteVector.fromMemorySegment(B, data, s1 + ql, LE).reinterpretAsInts();
                lb = ByteVector.fromMemorySegment(B, data, s1 + ql + 32, LE).reinterpretAsInts();
                h = ByteVector.fromMemorySegment(B, data, s1 + qh, LE).reinterpretAsInts();
                la1 = ByteVector.fromMemorySegment(B, data, s1 + ql + 16, LE).reinterpretAsInts();
                lb1 = ByteVector.fromMemorySegment(B, data, s1 + ql + 48, LE).reinterpretAsInts();
                h1 = ByteVector.fromMemorySegment(B, data, s1 + qh + 16, LE).reinterpretAsInts();
                w = (FloatVector) la.and(LOW).or(h.lanewise(LSHL, 4).and(HIGH)).reinterpretAsBytes().sub((byte) 32).convertShape(B2F, F, 0);
                a1 = w.mul(lanes[c + 16]).fma(FloatVector.fromArray(F, x, xo), a1);
                w = (FloatVector) la1.and(LOW).or(h1.lanewise(LSHL, 4).and(HIGH)).reinterpretAsBytes().sub((byte) 32).convertShape(B2F, F, 0);
                a1 = w.mul(lanes[c + 17]).fma(FloatVector.fromArray(F, x, xo + 16), a1);
                w = (FloatVector) lb.and(LOW).or(h.lanewise(LSHL, 2).and(HIGH)).reinterpretAsBytes().sub((byte) 32).convertShape(B2F, F, 0);
                a1 = w.mul(lanes[c + 18]).fma(FloatVector.fromArray(F, x, xo + 32), a1);
                w = (FloatVector) lb1.and(LOW).or(h1.lanewise(LSHL, 2).and(HIGH)).reinterpretAsBytes().sub((byte) 32).convertShape(B2F, F, 0);
                a1 = w.mul(lanes[c + 19]).fma(FloatVector.fromArray(F, x, xo + 48), a1);
                w = (FloatVector) la.lanewise(LSHR, 4).and(LOW).or(h.and(HIGH)).reinterpretAsBytes().sub((byte) 32).convertShape(B2F, F, 0);
                a1 = w.mul(lanes[c + 20]).fma(FloatVector.fromArray(F, x, xo + 64), a1);
                w = (FloatVector) la1.lanewise(LSHR, 4).and(LOW).or(h1.and(HIGH)).reinterpretAsBytes().sub((byte) 32).convertShape(B2F, F, 0);
                a1 = w.mul(lanes[c + 21]).fma(FloatVector.fromArray(F, x, xo + 80), a1);
                w = (FloatVector) lb.lanewise(LSHR, 4).and(LOW).or(h.lanewise(LSHR, 2).and(HIGH)).reinterpretAsBytes().sub((byte) 32).convertShape(B2F, F, 0);
                a1 = w.mul(lanes[c + 22]).fma(FloatVector.fromArray(F, x, xo + 96), a1);
                w = (FloatVector) lb1.lanewise(LSHR, 4).and(LOW).or(h1.lanewise(LSHR, 2).and(HIGH)).reinterpretAsBytes().sub((byte) 32).convertShape(B2F, F, 0);
                a1 = w.mul(lanes[c + 23]).fma(FloatVector.fromArray(F, x, xo + 112), a1);
            }
        }
        a0.intoArray(lanes, at);
        a1.intoArray(lanes, at + L);
    }

    /** With 8 lanes. */
    @Override
    public boolean int8Decode() {
        return L == 8;
    }

    /** One row at a time ({@link #rowInt}). */
    @Override
    void dot4Int(int r, Int8Activations a, int token, float[] out, int o, float[] lanes) {
        for (int k = 0; k < 4; k++) rowInt(r + k, a, token, lanes, k * L);
        sums4(lanes, out, o);
    }

    /**
     * One row with int8 activations ({@link BlockMatrix#int8Decode}), its accumulator left at
     * {@code lanes[at ..]}. The quant bytes are widened to shorts first, so each 16 quants are assembled with
     * 16-bit shifts and masks; {@code (q - 32)·x} fits 16 bits ({@code 32·127}), and so does the sum of a pair of
     * products, which one shift, add and shift turn into 8 ints; those are converted to float and scaled by the
     * 16 quants' {@code d·scale·dx} ({@link #intFactors}). 1024x2560 in cache, one Zen 1 core: 1.15 (float rows
     * decoded into a buffer first) -> 3.5 GFLOP/s. One row per call: with two, C1 could not compile the method
     * ("out of virtual registers"), it stayed in C1's first tier, which boxes every vector, and ran at 0.04.
     */
    private void rowInt(int r, Int8Activations a, int token, float[] lanes, int at) {
        long r0 = r * rowBytes;
        int f = 5 * L, xb = token * (cols / 32);
        short[] xq = a.q;
        FloatVector a0 = FloatVector.zero(F);
        for (int sb = 0; sb < blocksPerRow; sb++, xb += 8) {
            long s0 = r0 + sb * 210L;
            intFactors(s0, a, xb, lanes, f);
            for (int half = 0; half < 2; half++) {
                int xo = token * cols + 256 * sb + 128 * half, c = f + 8 * half;
                long ql = 64L * half, qh = 128 + 32L * half;
                ShortVector la, la1, lb, lb1, h, h1;
                IntVector t;
                la = (ShortVector) ByteVector.fromMemorySegment(B, data, s0 + ql, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
                la1 = (ShortVector) ByteVector.fromMemorySegment(B, data, s0 + ql + 16, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
                lb = (ShortVector) ByteVector.fromMemorySegment(B, data, s0 + ql + 32, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
                lb1 = (ShortVector) ByteVector.fromMemorySegment(B, data, s0 + ql + 48, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
                h = (ShortVector) ByteVector.fromMemorySegment(B, data, s0 + qh, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
                h1 = (ShortVector) ByteVector.fromMemorySegment(B, data, s0 + qh + 16, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
                t = la.and((short) 15).or(h.lanewise(LSHL, 4).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S, xq, xo)).reinterpretAsInts();
                a0 = ((FloatVector) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).convert(I2F, 0)).fma(FloatVector.broadcast(F, lanes[c]), a0);
                t = la1.and((short) 15).or(h1.lanewise(LSHL, 4).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S, xq, xo + 16)).reinterpretAsInts();
                a0 = ((FloatVector) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).convert(I2F, 0)).fma(FloatVector.broadcast(F, lanes[c + 1]), a0);
                t = lb.and((short) 15).or(h.lanewise(LSHL, 2).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S, xq, xo + 32)).reinterpretAsInts();
                a0 = ((FloatVector) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).convert(I2F, 0)).fma(FloatVector.broadcast(F, lanes[c + 2]), a0);
                t = lb1.and((short) 15).or(h1.lanewise(LSHL, 2).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S, xq, xo + 48)).reinterpretAsInts();
                a0 = ((FloatVector) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).convert(I2F, 0)).fma(FloatVector.broadcast(F, lanes[c + 3]), a0);
                t = la.lanewise(LSHR, 4).or(h.and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S, xq, xo + 64)).reinterpretAsInts();
                a0 = ((FloatVector) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).convert(I2F, 0)).fma(FloatVector.broadcast(F, lanes[c + 4]), a0);
                t = la1.lanewise(LSHR, 4).or(h1.and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S, xq, xo + 80)).reinterpretAsInts();
                a0 = ((FloatVector) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).convert(I2F, 0)).fma(FloatVector.broadcast(F, lanes[c + 5]), a0);
                t = lb.lanewise(LSHR, 4).or(h.lanewise(LSHR, 2).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S, xq, xo + 96)).reinterpretAsInts();
                a0 = ((FloatVector) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).convert(I2F, 0)).fma(FloatVector.broadcast(F, lanes[c + 6]), a0);
                t = lb1.lanewise(LSHR, 4).or(h1.lanewise(LSHR, 2).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S, xq, xo + 112)).reinterpretAsInts();
                a0 = ((FloatVector) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).convert(I2F, 0)).fma(FloatVector.broadcast(F, lanes[c + 7]), a0);
            }
        }
        a0.intoArray(lanes, at);
    }

    /**
     * {@code lanes[at + i] = d·scale[i]·dx} for the 16 sub-blocks of the super-block at {@code src}; sub-block
     * {@code i} lies in activation block {@code xb + i/2}.
     */
    private void intFactors(long src, Int8Activations a, int xb, float[] lanes, int at) {
        float d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, src + 208));
        long lo = data.get(ValueLayout.JAVA_LONG_UNALIGNED, src + 192), hi = data.get(ValueLayout.JAVA_LONG_UNALIGNED, src + 200);
        float[] dx = a.scale;
        for (int i = 0; i < 8; i++) {
            lanes[at + i] = d * (byte) (lo >>> (8 * i)) * dx[xb + i / 2];
            lanes[at + 8 + i] = d * (byte) (hi >>> (8 * i)) * dx[xb + 4 + i / 2];
        }
    }

    /** Per byte: the low nibble; quant bits 4-5. */
    private static final int LOW = 0x0F0F0F0F, HIGH = 0x30303030;

    /** {@code f[off + i] = d * scale[i]} for the super-block at {@code src}, as {@link #decodeRow} computes them. */
    private void factors(long src, float[] f, int off) {
        float d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, src + 208));
        ((FloatVector) ByteVector.fromMemorySegment(B, data, src + 192, LE).convertShape(B2F, F, 0)).mul(d).intoArray(f, off);
    }

    /**
     * Writes the row in column order; the quants are assembled as in {@link #dot2} (no helper: a helper that returned
     * the quants as a vector was not always inlined here, and then boxed them).
     */
    @Override
    void decodeRow(long rowOffset, float[] dst, int off, int step) {
        long src = rowOffset;
        for (int blk = 0; blk < blocksPerRow; blk++, src += 210) {
            float d = f16(data, src + 208);
            for (int half = 0; half < 2; half++) {
                // 16 quants per h, read in BlockMatrix.BYTES-sized pieces g (one piece with 16 lanes).
                for (int hg = 0; hg < 32; hg += BYTES.length()) {
                    int h = hg / 16, g = hg % 16;
                    long ql = src + 64L * half + 16L * h + g;
                    IntVector la = ByteVector.fromMemorySegment(BYTES, data, ql, LE).reinterpretAsInts();
                    IntVector lb = ByteVector.fromMemorySegment(BYTES, data, ql + 32, LE).reinterpretAsInts();
                    IntVector qh = ByteVector.fromMemorySegment(BYTES, data, src + 128 + 32L * half + 16L * h + g, LE).reinterpretAsInts();
                    int e = 128 * half + 16 * h, b = 256 * blk + e + g;
                    float a;
                    ByteVector q = la.and(LOW).or(qh.lanewise(LSHL, 4).and(HIGH)).reinterpretAsBytes().sub((byte) 32);
                    a = d * scale(src, e / 16);
                    for (int p = 0; p < BYTE_PARTS; p++) ((FloatVector) q.convertShape(B2F, F, p)).mul(a).intoArray(dst, at(off, b + p * L, step));
                    q = lb.and(LOW).or(qh.lanewise(LSHL, 2).and(HIGH)).reinterpretAsBytes().sub((byte) 32);
                    a = d * scale(src, e / 16 + 2);
                    for (int p = 0; p < BYTE_PARTS; p++) ((FloatVector) q.convertShape(B2F, F, p)).mul(a).intoArray(dst, at(off, b + 32 + p * L, step));
                    q = la.lanewise(LSHR, 4).and(LOW).or(qh.and(HIGH)).reinterpretAsBytes().sub((byte) 32);
                    a = d * scale(src, e / 16 + 4);
                    for (int p = 0; p < BYTE_PARTS; p++) ((FloatVector) q.convertShape(B2F, F, p)).mul(a).intoArray(dst, at(off, b + 64 + p * L, step));
                    q = lb.lanewise(LSHR, 4).and(LOW).or(qh.lanewise(LSHR, 2).and(HIGH)).reinterpretAsBytes().sub((byte) 32);
                    a = d * scale(src, e / 16 + 6);
                    for (int p = 0; p < BYTE_PARTS; p++) ((FloatVector) q.convertShape(B2F, F, p)).mul(a).intoArray(dst, at(off, b + 96 + p * L, step));
                }
            }
        }
    }
}
