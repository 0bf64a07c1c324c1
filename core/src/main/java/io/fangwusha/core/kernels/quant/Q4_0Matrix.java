package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.kernels.CacheWarmer;
import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.S2I;
import static jdk.incubator.vector.VectorOperators.ZERO_EXTEND_B2S;

/**
 * ggml Q4_0: blocks of 32 elements, {@code f16 d} then 16 bytes; byte {@code j} holds element {@code j} in its low
 * nibble and element {@code j+16} in its high nibble; value = {@code (nibble - 8) * d}.
 *
 * <p>With 16-float vectors the rows are copied on load into 4-row groups ({@link BlockMatrix#group}): 256x1024 in
 * cache, one core, 44.5 -> 63-72 GFLOP/s (the main loop ~80 instructions per block of 4 rows, ~95 before). With
 * 8-float vectors into 8-row groups of interleaved byte pairs for the integer decode kernel ({@link #dot8Int}).
 */
final class Q4_0Matrix extends BlockMatrix {
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final VectorSpecies<Integer> I16 = IntVector.SPECIES_512;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    /** 16 shorts: a block's half in {@link #dot4Int}. */
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** 8 shorts: the 8 f16 scales of a block in the 8-row groups. */
    private static final VectorSpecies<Short> S8 = ShortVector.SPECIES_128;

    Q4_0Matrix(Tensor t, boolean repack) {
        super(t, DType.Q4_0, groupSize(t, repack), 2, L == 8 ? 2 : 16);
    }

    /**
     * 16 lanes: 4-row groups of whole 16-byte blocks. 8 lanes: 8-row groups, the rows' bytes interleaved in
     * pairs ({@link #dot8Int}), for a matrix of a multiple of 8 rows (every real one); others keep the file's
     * layout.
     */
    private static int groupSize(Tensor t, boolean repack) {
        long rows = t.shape().length == 1 ? 1 : t.rows();
        return !repack ? 0 : L == 16 ? 4 : L == 8 && rows % 8 == 0 ? 8 : 0;
    }

    /** Elements {@code 16h + pL ..} of a block (vector lengths other than 16), dequantised as {@link #decodeRow} does. */
    private static FloatVector w(ByteVector q, int h, int p, float d) {
        ByteVector n = (h == 0 ? q.and((byte) 0x0F) : q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F)).sub((byte) 8);
        return ((FloatVector) n.convertShape(VectorOperators.B2F, F, p)).mul(d);
    }

    /**
     * The grouped layout is one sequential stream, which the hardware prefetchers follow: touching the next group
     * while computing this one, as the file's layout needs ({@link #dot4Flat}), made 0.6B decode slower (tg 54 vs
     * 60 tok/s, 3 alternating rounds), so the grouped kernel ignores {@code ahead}.
     */
    @Override
    boolean streamsGroups() {
        return L == 16;
    }

    /**
     * One group of 4 rows. Per block, the 16 values a nibble can stand for, {@code (k - 8) * d}, form one vector,
     * and each half-block's nibbles index it with one lane permute (the index wraps modulo 16, so neither a mask
     * nor the {@code - 8} nor an int-to-float conversion is needed). The values are exactly {@link #decodeRow}'s,
     * so the order and the results are unchanged. The group's scales are widened first, into {@code lanes[5L ..]}.
     *
     * <p>This loop is not a helper of {@code dot4}: each call level counts against C2's inlining depth
     * ({@code MaxInlineLevel}, 15), and a segment read is ~10 levels deep by itself. In about half of the 4B Q4_0
     * runs of one afternoon, when scales were read as shorts in this loop, tg ran at 4.5-5.2 instead of 7.5-8.7
     * tok/s: {@code Unsafe.convEndian} was left out of line.
     */
    @Override
    void dot4(int r, float[] x, int xOff, float[] out, int o, float[] lanes, long ahead) {
        if (L == 8) {
            // Not reached: with 8 lanes decode takes the integer kernels (int8Decode).
            super.dot4(r, x, xOff, out, o, lanes, ahead);
            return;
        }
        if (L != 16) {
            dot4Parts(r, x, xOff, out, o, lanes);
            return;
        }
        if (groupedRows == 0) {
            dot4Flat(r, x, xOff, out, o, lanes, ahead);
            return;
        }
        if ((r & 3) != 0 || r + 4 > groupedRows) {
            super.dot4(r, x, xOff, out, o, lanes, ahead);
            return;
        }
        long base = r * rowBytes, nibbles = base + 8L * blocksPerRow;
        int scales = 5 * L;
        widenScales(base, lanes, scales);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < blocksPerRow; b++) {
            long p = nibbles + b * 64L;
            int xo = xOff + 32 * b, s = scales + 4 * b;
            FloatVector lo = FloatVector.fromArray(F, x, xo), hi = FloatVector.fromArray(F, x, xo + 16);
            IntVector t = LEVELS.mul(lanes[s]).reinterpretAsInts();
            IntVector q = (IntVector) ByteVector.fromMemorySegment(B, data, p, LE).convertShape(B2I, I16, 0);
            a0 = q.lanewise(ASHR, 4).selectFrom(t).reinterpretAsFloats().fma(hi, q.selectFrom(t).reinterpretAsFloats().fma(lo, a0));
            t = LEVELS.mul(lanes[s + 1]).reinterpretAsInts();
            q = (IntVector) ByteVector.fromMemorySegment(B, data, p + 16, LE).convertShape(B2I, I16, 0);
            a1 = q.lanewise(ASHR, 4).selectFrom(t).reinterpretAsFloats().fma(hi, q.selectFrom(t).reinterpretAsFloats().fma(lo, a1));
            t = LEVELS.mul(lanes[s + 2]).reinterpretAsInts();
            q = (IntVector) ByteVector.fromMemorySegment(B, data, p + 32, LE).convertShape(B2I, I16, 0);
            a2 = q.lanewise(ASHR, 4).selectFrom(t).reinterpretAsFloats().fma(hi, q.selectFrom(t).reinterpretAsFloats().fma(lo, a2));
            t = LEVELS.mul(lanes[s + 3]).reinterpretAsInts();
            q = (IntVector) ByteVector.fromMemorySegment(B, data, p + 48, LE).convertShape(B2I, I16, 0);
            a3 = q.lanewise(ASHR, 4).selectFrom(t).reinterpretAsFloats().fma(hi, q.selectFrom(t).reinterpretAsFloats().fma(lo, a3));
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        a2.intoArray(lanes, 2 * L);
        a3.intoArray(lanes, 3 * L);
        sums4(lanes, out, o);
    }

    /**
     * The file's layout ({@code --no-repack}): 4 rows in flight, each block's scale read and widened per row; while
     * it computes, it touches the next group (see {@link BlockMatrix#multiplyStreaming}). The scales are read
     * inline, not through {@link #f16}: a segment read is ~10 call levels deep, and when this kernel was inlined
     * into its callers the read's {@code Unsafe.convEndian} was left out of line in about half the runs.
     */
    private void dot4Flat(int r, float[] x, int xOff, float[] out, int o, float[] lanes, long ahead) {
        long r0 = r * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int touched = 0;
        // An int block counter, as in Q8_0Matrix.dot4: with a long one C2 kept the row offsets on the stack.
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = b * 18L;
            // 72 bytes of the next group per block of this one (4 x 18): a line at +0 and +64 covers them.
            long ta = ahead + b * 72L;
            touched += data.get(ValueLayout.JAVA_BYTE, ta) + data.get(ValueLayout.JAVA_BYTE, ta + 64);
            int xo = xOff + 32 * b;
            FloatVector lo = FloatVector.fromArray(F, x, xo), hi = FloatVector.fromArray(F, x, xo + 16);
            IntVector t = LEVELS.mul(Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, r0 + bo))).reinterpretAsInts();
            IntVector q = (IntVector) ByteVector.fromMemorySegment(B, data, r0 + bo + 2, LE).convertShape(B2I, I16, 0);
            a0 = q.lanewise(ASHR, 4).selectFrom(t).reinterpretAsFloats().fma(hi, q.selectFrom(t).reinterpretAsFloats().fma(lo, a0));
            t = LEVELS.mul(Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, r1 + bo))).reinterpretAsInts();
            q = (IntVector) ByteVector.fromMemorySegment(B, data, r1 + bo + 2, LE).convertShape(B2I, I16, 0);
            a1 = q.lanewise(ASHR, 4).selectFrom(t).reinterpretAsFloats().fma(hi, q.selectFrom(t).reinterpretAsFloats().fma(lo, a1));
            t = LEVELS.mul(Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, r2 + bo))).reinterpretAsInts();
            q = (IntVector) ByteVector.fromMemorySegment(B, data, r2 + bo + 2, LE).convertShape(B2I, I16, 0);
            a2 = q.lanewise(ASHR, 4).selectFrom(t).reinterpretAsFloats().fma(hi, q.selectFrom(t).reinterpretAsFloats().fma(lo, a2));
            t = LEVELS.mul(Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, r3 + bo))).reinterpretAsInts();
            q = (IntVector) ByteVector.fromMemorySegment(B, data, r3 + bo + 2, LE).convertShape(B2I, I16, 0);
            a3 = q.lanewise(ASHR, 4).selectFrom(t).reinterpretAsFloats().fma(hi, q.selectFrom(t).reinterpretAsFloats().fma(lo, a3));
        }
        CacheWarmer.keep(touched);
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        a2.intoArray(lanes, 2 * L);
        a3.intoArray(lanes, 3 * L);
        sums4(lanes, out, o);
    }

    /** With 8 lanes. */
    @Override
    public boolean int8Decode() {
        return L == 8;
    }

    /**
     * 8 rows of the 8-row layout with int8 activations ({@link BlockMatrix#int8Decode}): llama.cpp's AVX2 Q4_0
     * arithmetic as far as the Vector API reaches (it has no widening multiply-add, {@code vpmaddubsw} and
     * {@code vpmaddwd}), with the reductions spread over 8 rows. In a group the rows' 16 bytes of a block are
     * interleaved two by two ({@link BlockMatrix#group} with 2-byte chunks), so one 16-byte load widened to 16
     * shorts holds bytes {@code 2k, 2k+1} of all 8 rows: their low nibbles multiply columns {@code 2k, 2k+1} (one
     * int of activation pairs broadcast to every lane), their high nibbles columns {@code 16+2k, 16+2k+1}. Each
     * lane sums 16 products of a raw nibble in {@code [0, 15]} and an activation in {@code [-127, 127]}, at most
     * 30480: a block's sums fit 16 bits, and one pair sum per block gives each row's integer sum in its own int
     * lane. Then one conversion and one multiply-add per block serve 8 rows, with the 8 rows' scales widened
     * together; {@code 8·d_w·d_x·sum(q_x)} is accumulated apart and subtracted at the end. Per row and block
     * this is {@code acc = fma(isum, d_w·d_x, acc)}, {@code cor = fma(d_w, 8·d_x·sum(q_x), cor)}, the result
     * {@code acc - cor}: {@link #dot4Int} (the file's layout) computes the same, bit for bit. 1024x1024 in cache,
     * one Zen 1 core: 15 GFLOP/s in a standalone loop against 10 for the 4-row file-layout kernel this replaced.
     */
    @Override
    void dot8Int(int r, Int8Activations a, int token, float[] out, int o, float[] lanes) {
        long heads = r * rowBytes, quants = heads + 16L * blocksPerRow;
        int[] xp = a.pairs;
        float[] xd = a.scale, x8 = a.offset8;
        int xo = token * cols / 2, db = token * blocksPerRow;
        FloatVector acc = FloatVector.zero(F), cor = acc;
        for (int b = 0; b < blocksPerRow; b++, xo += 16, db++) {
            long p = quants + 128L * b;
            ShortVector n = (ShortVector) ByteVector.fromMemorySegment(B, data, p, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
            ShortVector s = n.and((short) 15).mul(IntVector.broadcast(I8, xp[xo]).reinterpretAsShorts())
                    .add(n.lanewise(LSHR, 4).mul(IntVector.broadcast(I8, xp[xo + 8]).reinterpretAsShorts()));
            for (int k = 1; k < 8; k++) {
                n = (ShortVector) ByteVector.fromMemorySegment(B, data, p + 16 * k, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
                s = s.add(n.and((short) 15).mul(IntVector.broadcast(I8, xp[xo + k]).reinterpretAsShorts()))
                        .add(n.lanewise(LSHR, 4).mul(IntVector.broadcast(I8, xp[xo + 8 + k]).reinterpretAsShorts()));
            }
            IntVector t = s.reinterpretAsInts();
            t = t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16));
            // The scales as widenScales does: exact for finite halves; a vector with an infinity or NaN one by one.
            long h = heads + 16L * b;
            IntVector bits = (IntVector) ShortVector.fromMemorySegment(S8, data, h, LE).convertShape(S2I, I8, 0);
            FloatVector d;
            if (bits.and(0x7C00).compare(VectorOperators.EQ, 0x7C00).anyTrue()) {
                for (int k = 0; k < 8; k++) lanes[k] = f16(data, h + 2 * k);
                d = FloatVector.fromArray(F, lanes, 0);
            } else {
                d = bits.lanewise(LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            }
            acc = ((FloatVector) t.convert(I2F, 0)).fma(d.mul(xd[db]), acc);
            cor = d.fma(FloatVector.broadcast(F, x8[db]), cor);
        }
        acc.sub(cor).intoArray(out, o);
    }

    /**
     * {@link #dot8Int}'s arithmetic on the file's layout ({@code --no-repack}, or a row count that is not a
     * multiple of 8), 4 rows at a time: per block, the 16 bytes widened to shorts, low nibbles times the
     * activations' first 16 shorts, high nibbles times the last 16 ({@code |n·q| <= 1905}, so two products and
     * then a pair of those fit 16 bits), the 8 int lanes summed to the row's exact block sum.
     */
    @Override
    void dot4Int(int r, Int8Activations a, int token, float[] out, int o, float[] lanes) {
        long r0 = r * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
        short[] xq = a.q;
        float[] xd = a.scale, x8 = a.offset8;
        int xo = token * cols, db = token * blocksPerRow;
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0, c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        for (int b = 0; b < blocksPerRow; b++, xo += 32, db++) {
            long bo = b * 18L;
            ShortVector lo = ShortVector.fromArray(S, xq, xo), hi = ShortVector.fromArray(S, xq, xo + 16);
            float dx = xd[db], off = x8[db];
            float d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, r0 + bo));
            ShortVector n = (ShortVector) ByteVector.fromMemorySegment(B, data, r0 + bo + 2, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
            IntVector t = n.and((short) 15).mul(lo).add(n.lanewise(LSHR, 4).mul(hi)).reinterpretAsInts();
            a0 = Math.fma((float) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).reduceLanes(ADD), d * dx, a0);
            c0 = Math.fma(d, off, c0);
            d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, r1 + bo));
            n = (ShortVector) ByteVector.fromMemorySegment(B, data, r1 + bo + 2, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
            t = n.and((short) 15).mul(lo).add(n.lanewise(LSHR, 4).mul(hi)).reinterpretAsInts();
            a1 = Math.fma((float) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).reduceLanes(ADD), d * dx, a1);
            c1 = Math.fma(d, off, c1);
            d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, r2 + bo));
            n = (ShortVector) ByteVector.fromMemorySegment(B, data, r2 + bo + 2, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
            t = n.and((short) 15).mul(lo).add(n.lanewise(LSHR, 4).mul(hi)).reinterpretAsInts();
            a2 = Math.fma((float) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).reduceLanes(ADD), d * dx, a2);
            c2 = Math.fma(d, off, c2);
            d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, r3 + bo));
            n = (ShortVector) ByteVector.fromMemorySegment(B, data, r3 + bo + 2, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
            t = n.and((short) 15).mul(lo).add(n.lanewise(LSHR, 4).mul(hi)).reinterpretAsInts();
            a3 = Math.fma((float) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).reduceLanes(ADD), d * dx, a3);
            c3 = Math.fma(d, off, c3);
        }
        out[o] = a0 - c0;
        out[o + 1] = a1 - c1;
        out[o + 2] = a2 - c2;
        out[o + 3] = a3 - c3;
    }

    /** {@code k - 8} for {@code k < 16}: a nibble's value before scaling (16-lane vectors only). */
    private static final FloatVector LEVELS = L == 16 ? FloatVector.fromArray(F, new float[] {-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7}, 0) : null;

    private void dot4Parts(int r, float[] x, int xOff, float[] out, int o, float[] lanes) {
        long r0 = r * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (long bo = 0; bo < rowBytes; bo += 18, xOff += 32) {
            float d0 = f16(data, r0 + bo), d1 = f16(data, r1 + bo), d2 = f16(data, r2 + bo), d3 = f16(data, r3 + bo);
            ByteVector q0 = ByteVector.fromMemorySegment(B, data, r0 + bo + 2, LE), q1 = ByteVector.fromMemorySegment(B, data, r1 + bo + 2, LE);
            ByteVector q2 = ByteVector.fromMemorySegment(B, data, r2 + bo + 2, LE), q3 = ByteVector.fromMemorySegment(B, data, r3 + bo + 2, LE);
            for (int h = 0; h < 2; h++) {
                for (int p = 0; p < PARTS; p++) {
                    FloatVector xv = FloatVector.fromArray(F, x, xOff + 16 * h + p * L);
                    a0 = w(q0, h, p, d0).fma(xv, a0);
                    a1 = w(q1, h, p, d1).fma(xv, a1);
                    a2 = w(q2, h, p, d2).fma(xv, a2);
                    a3 = w(q3, h, p, d3).fma(xv, a3);
                }
            }
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        a2.intoArray(lanes, 2 * L);
        a3.intoArray(lanes, 3 * L);
        sums4(lanes, out, o);
    }

    @Override
    void decodeRow(long rowOffset, float[] dst, int off, int step) {
        int r = (int) (rowOffset / rowBytes);
        if (r < groupedRows && groupSize == 8) {
            int[][] one = ONE_ROW.get();
            one[0][0] = off;
            one[1][0] = step;
            decodeGroup(r & ~7, r & 7, (r & 7) + 1, dst, one[0], one[1], 0);
            return;
        }
        long scale = scaleAt(r), nib = quantsAt(r), scaleStep = scaleStep(r), nibStep = quantStep(r);
        for (int blk = 0; blk < blocksPerRow; blk++, scale += scaleStep, nib += nibStep) {
            decodeBlock(data, nib, f16(data, scale), dst, off, blk, step);
        }
    }

    /** Block {@code blk} of a row, its 16 quant bytes at {@code src[nib ..]}, into the row at {@code dst[off ..]}. */
    private static void decodeBlock(MemorySegment src, long nib, float d, float[] dst, int off, int blk, int step) {
        for (int e = 0; e < 16; e += BYTES.length()) {
            ByteVector q = ByteVector.fromMemorySegment(BYTES, src, nib + e, LE);
            ByteVector lo = q.and((byte) 0x0F).sub((byte) 8);
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8);
            for (int p = 0; p < BYTE_PARTS; p++) {
                ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, at(off, 32 * blk + e + p * L, step));
                ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, at(off, 32 * blk + 16 + e + p * L, step));
            }
        }
    }

    @Override
    void decodePanel(int r, int n, float[] dst, int[] offs, int[] steps) {
        if (r >= groupedRows || groupSize != 8) {
            super.decodePanel(r, n, dst, offs, steps);
            return;
        }
        for (int g = r & ~7; g < r + n; g += 8) {
            int from = Math.max(r, g) - g;
            decodeGroup(g, from, Math.min(r + n, g + 8) - g, dst, offs, steps, g + from - r);
        }
    }

    /**
     * Rows {@code g+from .. g+to} of the 8-row group at {@code g}, row {@code g+j} into {@code dst} at
     * {@code offs[first + j - from]} with that {@code steps} entry ({@link BlockMatrix#decodeRow}'s panel layout).
     * Per block the group's 8x8 byte pairs are transposed back into rows in a per-thread buffer
     * ({@link BlockMatrix#transpose4}), then each row decodes as in the file's layout.
     */
    private void decodeGroup(int g, int from, int to, float[] dst, int[] offs, int[] steps, int first) {
        MemorySegment rowsOf = ROW_BYTES.get();
        long[] w = PAIRS.get();
        long heads = g * rowBytes, quants = heads + 16L * blocksPerRow;
        for (int blk = 0; blk < blocksPerRow; blk++) {
            long at = quants + 128L * blk;
            for (int c = 0; c < 8; c++) {
                w[(c >> 2) * 8 + (c & 3)] = data.get(ValueLayout.JAVA_LONG_UNALIGNED, at + 16L * c);
                w[(c >> 2) * 8 + 4 + (c & 3)] = data.get(ValueLayout.JAVA_LONG_UNALIGNED, at + 16L * c + 8);
            }
            for (int i = 0; i < 16; i += 4) transpose4(w, i);
            for (int j = from; j < to; j++) {
                rowsOf.set(ValueLayout.JAVA_LONG_UNALIGNED, 16L * j, w[j]);
                rowsOf.set(ValueLayout.JAVA_LONG_UNALIGNED, 16L * j + 8, w[8 + j]);
            }
            for (int j = from; j < to; j++) {
                int k = first + j - from;
                decodeBlock(rowsOf, 16L * j, f16(data, heads + 2L * (8 * blk + j)), dst, offs[k], blk, steps[k]);
            }
        }
    }

    /**
     * A group's block of quant bytes back in rows (row {@code j} at {@code 16j}), per thread. Native, as the
     * grouped copy is: with a heap segment at the same load, C2 no longer intrinsified it (prefill 36 -> 5 tok/s).
     */
    private static final ThreadLocal<MemorySegment> ROW_BYTES = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(128, 16));
    private static final ThreadLocal<long[]> PAIRS = ThreadLocal.withInitial(() -> new long[16]);
    /** A single row's offset and step for {@link #decodeGroup}, per thread. */
    private static final ThreadLocal<int[][]> ONE_ROW = ThreadLocal.withInitial(() -> new int[2][1]);
}
