package io.fangwusha.core.kernels.quant;

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
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.S2I;
import static jdk.incubator.vector.VectorOperators.ZERO_EXTEND_B2I;
import static jdk.incubator.vector.VectorOperators.ZERO_EXTEND_B2S;

/**
 * ggml Q4_K: super-blocks of 256 elements in 144 bytes: {@code f16 d}, {@code f16 dmin}, 12 bytes of 6-bit
 * sub-block scales and mins (8 of each, packed), 128 bytes of nibbles. The super-block is 4 chunks of 64 elements;
 * chunk {@code j} uses 32 bytes, whose low nibbles are elements {@code 64j+0..31} (sub-block {@code 2j}) and high
 * nibbles elements {@code 64j+32..63} (sub-block {@code 2j+1}). Value = {@code d*sc[s]*q - dmin*m[s]}, computed
 * as {@code fma(q, d*sc[s], -(dmin*m[s]))}: one rounding, what ggml's {@code d1 * q - m1} gives where the C compiler
 * contracts it, and one instruction for each sub-block's 16 possible values in the decode kernels.
 */
final class Q4_KMatrix extends BlockMatrix {
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    /** 16 shorts: a quarter chunk in {@link #dot4Int}. */
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_512;
    private static final VectorSpecies<Short> S32 = ShortVector.SPECIES_512;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * With {@code repack} (and 16-float vectors) the rows are copied into 4-row groups ({@link BlockMatrix#group}):
     * each super-block's 16 header bytes ({@code d}, {@code dmin}, packed scales and mins), then the quants in
     * 32-byte chunks of 64 elements, so that the decode loop walks one chunk of 4 rows per step at a fixed stride.
     * Unlike grouped Q4_0, the groups are warmed in chunks before they are computed, not streamed on the hardware
     * prefetchers: 4B Q4_K_M tg 4.72, 5.00 streamed against 6.30, 5.99 warmed (0.6B 33.8, 31.7 / 34.5, 34.3).
     */
    Q4_KMatrix(Tensor t, boolean repack) {
        super(t, DType.Q4_K, groupSize(t, repack), 16, groupSize(t, repack) == 16 ? 2 : 32);
    }

    /**
     * 16 lanes: 16-row pair groups for the integer kernel ({@link #dot16Int}) when the row count allows (every real
     * matrix), else the 4-row groups of the float kernel. 8 lanes: the file's layout.
     */
    private static int groupSize(Tensor t, boolean repack) {
        long rows = t.shape().length == 1 ? 1 : t.rows();
        return !repack || L != 16 ? 0 : rows % 16 == 0 ? 16 : 4;
    }

    private boolean pairGroups() {
        return groupedRows > 0 && chunkBytes == 2;
    }

    /** In 16-row pair groups, decode and prefill alike ({@link #dot16Int}); with 8 lanes decode ({@link #dot4Int}). */
    @Override
    public boolean int8Batches() {
        return pairGroups();
    }

    @Override
    void dotGroupInt(int r, Int8Activations a, int token, float[] out, int o, float[] lanes) {
        dot16Int(r, a, token, out, o, lanes);
    }

    @Override
    void dotGroupInt4(int r, Int8Activations a, int token, float[] out, int o, int stride, float[] lanes) {
        dot16Int4(r, a, token, out, o, stride, lanes);
    }

    /**
     * 16 rows of a pair group with int8 activations. Per super-block the group holds the 16 rows' {@code d}, their
     * {@code dmin}, each of the 12 packed scale bytes for the 16 rows together (so that one 16-byte vector unpacks a
     * sub-block's scale or min for all rows, as {@link #scaleMin} does for one), then 64 chunks of byte pair
     * {@code k} of the 16 rows. A 64-element chunk {@code c} of the super-block is 16 such pair chunks: their low
     * nibbles (sub-block {@code 2c}) and high nibbles (sub-block {@code 2c+1}) go to two 16-bit accumulators, 16
     * products of a nibble and an activation per lane each, at most 30480. Per sub-block, one pair sum, conversion
     * and FMA with {@code d·sc·dx} serve the 16 rows; {@code dmin·m·dx·sum(q)} is accumulated apart and subtracted
     * at the end. A super-block's scales and mins are unpacked to bytes first ({@link #unpackScales}); each
     * sub-block's {@code d·sc} and {@code dmin·m} are formed where they are used, as {@link #pairGroupFactors}
     * forms them (storing all 16 first and loading them back cost more).
     */
    private void dot16Int(int r, Int8Activations a, int token, float[] out, int o, float[] lanes) {
        long base = r * rowBytes;
        int[] xp = a.pairs;
        float[] xd = a.scale, x8 = a.offset8;
        int xo = token * cols / 2, xb = token * (cols / 32);
        MemorySegment six = SIX.get();
        FloatVector acc = FloatVector.zero(F), cor = acc;
        for (int sb = 0; sb < blocksPerRow; sb++, xo += 128, xb += 8) {
            long h = base + 2304L * sb, q = h + 256;
            // d and dmin of the 16 rows as widenHalves widens them, in registers; a vector with an infinity or NaN
            // through lanes, one by one.
            IntVector db = (IntVector) ShortVector.fromMemorySegment(S, data, h, LE).convertShape(S2I, I16, 0);
            IntVector mb = (IntVector) ShortVector.fromMemorySegment(S, data, h + 32, LE).convertShape(S2I, I16, 0);
            FloatVector d, dmin;
            if (db.and(0x7C00).compare(VectorOperators.EQ, 0x7C00).or(mb.and(0x7C00).compare(VectorOperators.EQ, 0x7C00)).anyTrue()) {
                widenHalves(h, 32, lanes, 0);
                d = FloatVector.fromArray(F, lanes, 0);
                dmin = FloatVector.fromArray(F, lanes, 16);
            } else {
                d = db.lanewise(LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
                dmin = mb.lanewise(LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            }
            unpackScales(h, six);
            for (int c = 0; c < 4; c++) {
                ShortVector lo = ShortVector.zero(S32), hi = lo;
                long p = q + 512L * c;
                int x = xo + 32 * c;
                for (int k = 0; k < 16; k++) {
                    ShortVector n = (ShortVector) ByteVector.fromMemorySegment(B32, data, p + 32 * k, LE).convertShape(ZERO_EXTEND_B2S, S32, 0);
                    lo = lo.add(n.and((short) 15).mul(IntVector.broadcast(I16, xp[x + k]).reinterpretAsShorts()));
                    hi = hi.add(n.lanewise(LSHR, 4).mul(IntVector.broadcast(I16, xp[x + 16 + k]).reinterpretAsShorts()));
                }
                int s = 2 * c;
                // d·sc as pairGroupFactors computes it for prefill, so that a token gets the same bits either way.
                FloatVector fl = d.mul((FloatVector) ByteVector.fromMemorySegment(B, six, 16 * s, LE).convertShape(ZERO_EXTEND_B2I, I16, 0).convert(I2F, 0));
                FloatVector fh = d.mul((FloatVector) ByteVector.fromMemorySegment(B, six, 16 * s + 16, LE).convertShape(ZERO_EXTEND_B2I, I16, 0).convert(I2F, 0));
                IntVector t = lo.reinterpretAsInts();
                t = t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16));
                acc = ((FloatVector) t.convert(I2F, 0)).fma(fl.mul(xd[xb + s]), acc);
                t = hi.reinterpretAsInts();
                t = t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16));
                acc = ((FloatVector) t.convert(I2F, 0)).fma(fh.mul(xd[xb + s + 1]), acc);
            }
            for (int s = 0; s < 8; s++) {
                FloatVector m = dmin.mul((FloatVector) ByteVector.fromMemorySegment(B, six, 128 + 16 * s, LE).convertShape(ZERO_EXTEND_B2I, I16, 0).convert(I2F, 0));
                cor = m.fma(FloatVector.broadcast(F, x8[xb + s] * 0.125f), cor);
            }
        }
        acc.sub(cor).intoArray(out, o);
    }

    /** Every super-block's factors of group {@code r}, super-block {@code sb}'s at {@code PREPARED + 256·sb}. */
    @Override
    void prepareGroupsInt4(int r, int groups, float[] lanes) {
        MemorySegment six = SIX.get();
        for (int sb = 0; sb < blocksPerRow; sb++) pairGroupFactors(r * rowBytes + 2304L * sb, lanes, PREPARED + 256 * sb, six);
    }

    /**
     * {@link #dot16Int} for 4 tokens at once (prefill), each token's results with the bits {@code dot16Int} gives
     * it: the same sums in the same order, the nibbles unpacked once for the 4 tokens, the factors once per batch
     * ({@link #prepareGroupsInt4}).
     */
    private void dot16Int4(int r, Int8Activations a, int token, float[] out, int o, int stride, float[] lanes) {
        long base = r * rowBytes;
        int[] xp = a.pairs;
        float[] xd = a.scale, x8 = a.offset8;
        int half = cols / 2, nb = cols / 32, xo = token * half, xb = token * nb;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        FloatVector cor0 = acc0, cor1 = acc0, cor2 = acc0, cor3 = acc0;
        for (int sb = 0, fs = PREPARED; sb < blocksPerRow; sb++, xo += 128, xb += 8, fs += 256) {
            long q = base + 2304L * sb + 256;
            for (int c = 0; c < 4; c++) {
                ShortVector l0 = ShortVector.zero(S32), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
                long p = q + 512L * c;
                int x = xo + 32 * c;
                for (int k = 0; k < 16; k++) {
                    ShortVector n = (ShortVector) ByteVector.fromMemorySegment(B32, data, p + 32 * k, LE).convertShape(ZERO_EXTEND_B2S, S32, 0);
                    ShortVector lo = n.and((short) 15), hi = n.lanewise(LSHR, 4);
                    int y = x + k;
                    l0 = l0.add(lo.mul(IntVector.broadcast(I16, xp[y]).reinterpretAsShorts()));
                    h0 = h0.add(hi.mul(IntVector.broadcast(I16, xp[y + 16]).reinterpretAsShorts()));
                    l1 = l1.add(lo.mul(IntVector.broadcast(I16, xp[y + half]).reinterpretAsShorts()));
                    h1 = h1.add(hi.mul(IntVector.broadcast(I16, xp[y + half + 16]).reinterpretAsShorts()));
                    l2 = l2.add(lo.mul(IntVector.broadcast(I16, xp[y + 2 * half]).reinterpretAsShorts()));
                    h2 = h2.add(hi.mul(IntVector.broadcast(I16, xp[y + 2 * half + 16]).reinterpretAsShorts()));
                    l3 = l3.add(lo.mul(IntVector.broadcast(I16, xp[y + 3 * half]).reinterpretAsShorts()));
                    h3 = h3.add(hi.mul(IntVector.broadcast(I16, xp[y + 3 * half + 16]).reinterpretAsShorts()));
                }
                int s = 2 * c, f = fs + 16 * s;
                FloatVector fl = FloatVector.fromArray(F, lanes, f), fh = FloatVector.fromArray(F, lanes, f + 16);
                // Pair sums written out: as a helper, C2 stopped inlining it (NodeCountInliningCutoff) and boxed.
                IntVector t = l0.reinterpretAsInts();
                acc0 = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(fl.mul(xd[xb + s]), acc0);
                t = h0.reinterpretAsInts();
                acc0 = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(fh.mul(xd[xb + s + 1]), acc0);
                t = l1.reinterpretAsInts();
                acc1 = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(fl.mul(xd[xb + nb + s]), acc1);
                t = h1.reinterpretAsInts();
                acc1 = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(fh.mul(xd[xb + nb + s + 1]), acc1);
                t = l2.reinterpretAsInts();
                acc2 = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(fl.mul(xd[xb + 2 * nb + s]), acc2);
                t = h2.reinterpretAsInts();
                acc2 = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(fh.mul(xd[xb + 2 * nb + s + 1]), acc2);
                t = l3.reinterpretAsInts();
                acc3 = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(fl.mul(xd[xb + 3 * nb + s]), acc3);
                t = h3.reinterpretAsInts();
                acc3 = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(fh.mul(xd[xb + 3 * nb + s + 1]), acc3);
            }
            for (int s = 0; s < 8; s++) {
                FloatVector m = FloatVector.fromArray(F, lanes, fs + 128 + 16 * s);
                cor0 = m.fma(FloatVector.broadcast(F, x8[xb + s] * 0.125f), cor0);
                cor1 = m.fma(FloatVector.broadcast(F, x8[xb + nb + s] * 0.125f), cor1);
                cor2 = m.fma(FloatVector.broadcast(F, x8[xb + 2 * nb + s] * 0.125f), cor2);
                cor3 = m.fma(FloatVector.broadcast(F, x8[xb + 3 * nb + s] * 0.125f), cor3);
            }
        }
        acc0.sub(cor0).intoArray(out, o);
        acc1.sub(cor1).intoArray(out, o + stride);
        acc2.sub(cor2).intoArray(out, o + 2 * stride);
        acc3.sub(cor3).intoArray(out, o + 3 * stride);
    }

    /**
     * A pair group's super-block at {@code h}: {@code lanes[at + 16s ..]} = the 16 rows' {@code d·sc[s]} and
     * {@code lanes[at + 128 + 16s ..]} = their {@code dmin·m[s]}, for sub-blocks {@code s < 8} ({@link #unpackScales}).
     * {@code d} and {@code dmin} (32 halves in a row) are widened by {@link #widenHalves} into {@code lanes[0 .. 32)}.
     */
    private void pairGroupFactors(long h, float[] lanes, int at, MemorySegment six) {
        widenHalves(h, 32, lanes, 0);
        FloatVector d = FloatVector.fromArray(F, lanes, 0), dmin = FloatVector.fromArray(F, lanes, 16);
        unpackScales(h, six);
        for (int s = 0; s < 8; s++) {
            d.mul((FloatVector) ByteVector.fromMemorySegment(B, six, 16 * s, LE).convertShape(ZERO_EXTEND_B2I, I16, 0).convert(I2F, 0)).intoArray(lanes, at + 16 * s);
            dmin.mul((FloatVector) ByteVector.fromMemorySegment(B, six, 128 + 16 * s, LE).convertShape(ZERO_EXTEND_B2I, I16, 0).convert(I2F, 0)).intoArray(lanes, at + 128 + 16 * s);
        }
    }

    /**
     * Per thread: {@link #unpackScales}' bytes, native and 64-byte aligned. In a heap {@code byte[]} the 64-byte
     * stores and the 16-byte loads landed wherever the array did: in some processes (2 of 10) 4B Q4_K_M decode then
     * ran at 3.7-8.6 tok/s instead of 11-11.6, with {@code dot16Int} 64% of the profile instead of 30%.
     */
    private static final ThreadLocal<MemorySegment> SIX = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(256, 64));

    /**
     * The 6-bit scales and mins of a pair group's super-block at {@code h} as {@link #scaleMin} unpacks them, one
     * byte each: row {@code j}'s scale {@code s} at {@code six[16s + j]}, its min at {@code six[128 + 16s + j]}.
     * The group's 12 packed bytes of 16 rows are 3 vectors of 64 bytes (bytes 0-3, 4-7 and 8-11 of every row), and
     * 2 to 5 int operations on them unpack 64 values at a time: byte shifts are not intrinsified
     * ({@code ByteVector.lanewise(LSHR)} falls back to Java code), but an int shift whose bits crossing into a
     * neighbouring byte are masked off is one. The factors unpacked 16 values at a time (3 widening loads and 7
     * operations per 16 of sub-blocks 4-7) were 13% of a 4B Q4_K_M decode profile.
     */
    private void unpackScales(long h, MemorySegment six) {
        long sc = h + 64;
        IntVector b03 = ByteVector.fromMemorySegment(B64, data, sc, LE).reinterpretAsInts();
        IntVector b47 = ByteVector.fromMemorySegment(B64, data, sc + 64, LE).reinterpretAsInts();
        IntVector b811 = ByteVector.fromMemorySegment(B64, data, sc + 128, LE).reinterpretAsInts();
        // Sub-blocks 0-3: the low 6 bits of bytes 0-3 (scales) and 4-7 (mins). Sub-blocks 4-7: the low (scales) or
        // high (mins) nibbles of bytes 8-11, with the top 2 bits of bytes 0-3 or 4-7 as bits 4-5 ((b >> 6) << 4).
        b03.and(0x3F3F3F3F).reinterpretAsBytes().intoMemorySegment(six, 0, LE);
        b811.and(0x0F0F0F0F).or(b03.lanewise(LSHR, 2).and(0x30303030)).reinterpretAsBytes().intoMemorySegment(six, 64, LE);
        b47.and(0x3F3F3F3F).reinterpretAsBytes().intoMemorySegment(six, 128, LE);
        b811.lanewise(LSHR, 4).and(0x0F0F0F0F).or(b47.lanewise(LSHR, 2).and(0x30303030)).reinterpretAsBytes().intoMemorySegment(six, 192, LE);
    }

    /**
     * Sub-block {@code s} (0..7) scale (low 8 bits of the result) and min (next 8 bits). Sub-blocks 0..3 keep
     * their 6-bit scale/min in the low 6 bits of bytes {@code s} / {@code s+4}; sub-blocks 4..7 take their low 4 bits
     * from the nibbles of byte {@code s+4} (scale low, min high) and their top 2 bits from the spare top bits of
     * bytes {@code s-4} (scale) and {@code s} (min).
     */
    static int scaleMin(MemorySegment seg, long scales, int s) {
        int sc;
        int m;
        if (s < 4) {
            sc = u8(seg, scales + s) & 63;
            m = u8(seg, scales + s + 4) & 63;
        } else {
            int b = u8(seg, scales + s + 4);
            sc = (b & 0x0F) | ((u8(seg, scales + s - 4) >> 6) << 4);
            m = (b >> 4) | ((u8(seg, scales + s) >> 6) << 4);
        }
        return sc | (m << 8);
    }

    private static int u8(MemorySegment seg, long off) {
        return seg.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    @Override
    void dot4(int r, float[] x, int xOff, float[] out, int o, float[] lanes, long ahead) {
        if (L != 16) {
            super.dot4(r, x, xOff, out, o, lanes, ahead);
            return;
        }
        if (groupedRows == 0) {
            dot2(r, x, xOff, lanes, 0);
            dot2(r + 2, x, xOff, lanes, 2 * L);
        } else if ((r & 3) == 0 && r + 4 <= groupedRows) {
            long base = r * rowBytes;
            int f = 5 * L;
            int perRow = 16 * blocksPerRow;
            for (int i = 0; i < 4 * blocksPerRow; i++) factors(base + 16L * i, lanes, f + perRow * (i & 3) + 16 * (i >> 2));
            dot4Grouped(base + 64L * blocksPerRow, x, xOff, lanes, f, perRow);
        } else {
            super.dot4(r, x, xOff, out, o, lanes, ahead);
            return;
        }
        sums4(lanes, out, o);
    }

    /**
     * The 4 rows of a group: chunk {@code c} (64 elements) of row {@code k} is the 32 bytes at
     * {@code q + 128c + 32k}; the 4 factors of its two sub-blocks are at {@code lanes[f + k·perRow + 4c ..]}
     * ({@link #factors}). One loop over the row, every address linear in the chunk index: C2 then checks
     * bounds once, before the loop.
     */
    private void dot4Grouped(long q, float[] x, int xOff, float[] lanes, int f, int perRow) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int c = 0, chunks = 4 * blocksPerRow; c < chunks; c++) {
            long p = q + 128L * c;
            int xj = xOff + 64 * c, t = f + 4 * c;
            FloatVector x0 = FloatVector.fromArray(F, x, xj), x1 = FloatVector.fromArray(F, x, xj + 16);
            FloatVector x2 = FloatVector.fromArray(F, x, xj + 32), x3 = FloatVector.fromArray(F, x, xj + 48);
            IntVector lo = K16.fma(lanes[t], lanes[t + 2]).reinterpretAsInts();
            IntVector hi = K16.fma(lanes[t + 1], lanes[t + 3]).reinterpretAsInts();
            IntVector qa = (IntVector) ByteVector.fromMemorySegment(B, data, p, LE).convertShape(B2I, I16, 0);
            IntVector qb = (IntVector) ByteVector.fromMemorySegment(B, data, p + 16, LE).convertShape(B2I, I16, 0);
            a0 = qa.selectFrom(lo).reinterpretAsFloats().fma(x0, a0);
            a0 = qb.selectFrom(lo).reinterpretAsFloats().fma(x1, a0);
            a0 = qa.lanewise(ASHR, 4).selectFrom(hi).reinterpretAsFloats().fma(x2, a0);
            a0 = qb.lanewise(ASHR, 4).selectFrom(hi).reinterpretAsFloats().fma(x3, a0);
            lo = K16.fma(lanes[t + perRow], lanes[t + perRow + 2]).reinterpretAsInts();
            hi = K16.fma(lanes[t + perRow + 1], lanes[t + perRow + 3]).reinterpretAsInts();
            qa = (IntVector) ByteVector.fromMemorySegment(B, data, p + 32, LE).convertShape(B2I, I16, 0);
            qb = (IntVector) ByteVector.fromMemorySegment(B, data, p + 48, LE).convertShape(B2I, I16, 0);
            a1 = qa.selectFrom(lo).reinterpretAsFloats().fma(x0, a1);
            a1 = qb.selectFrom(lo).reinterpretAsFloats().fma(x1, a1);
            a1 = qa.lanewise(ASHR, 4).selectFrom(hi).reinterpretAsFloats().fma(x2, a1);
            a1 = qb.lanewise(ASHR, 4).selectFrom(hi).reinterpretAsFloats().fma(x3, a1);
            lo = K16.fma(lanes[t + 2 * perRow], lanes[t + 2 * perRow + 2]).reinterpretAsInts();
            hi = K16.fma(lanes[t + 2 * perRow + 1], lanes[t + 2 * perRow + 3]).reinterpretAsInts();
            qa = (IntVector) ByteVector.fromMemorySegment(B, data, p + 64, LE).convertShape(B2I, I16, 0);
            qb = (IntVector) ByteVector.fromMemorySegment(B, data, p + 80, LE).convertShape(B2I, I16, 0);
            a2 = qa.selectFrom(lo).reinterpretAsFloats().fma(x0, a2);
            a2 = qb.selectFrom(lo).reinterpretAsFloats().fma(x1, a2);
            a2 = qa.lanewise(ASHR, 4).selectFrom(hi).reinterpretAsFloats().fma(x2, a2);
            a2 = qb.lanewise(ASHR, 4).selectFrom(hi).reinterpretAsFloats().fma(x3, a2);
            lo = K16.fma(lanes[t + 3 * perRow], lanes[t + 3 * perRow + 2]).reinterpretAsInts();
            hi = K16.fma(lanes[t + 3 * perRow + 1], lanes[t + 3 * perRow + 3]).reinterpretAsInts();
            qa = (IntVector) ByteVector.fromMemorySegment(B, data, p + 96, LE).convertShape(B2I, I16, 0);
            qb = (IntVector) ByteVector.fromMemorySegment(B, data, p + 112, LE).convertShape(B2I, I16, 0);
            a3 = qa.selectFrom(lo).reinterpretAsFloats().fma(x0, a3);
            a3 = qb.selectFrom(lo).reinterpretAsFloats().fma(x1, a3);
            a3 = qa.lanewise(ASHR, 4).selectFrom(hi).reinterpretAsFloats().fma(x2, a3);
            a3 = qb.lanewise(ASHR, 4).selectFrom(hi).reinterpretAsFloats().fma(x3, a3);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        a2.intoArray(lanes, 2 * L);
        a3.intoArray(lanes, 3 * L);
    }

    /**
     * The file's layout ({@code --no-repack}): two rows decoded in registers, their accumulators left at
     * {@code lanes[at ..]}. Per super-block, each row's 8 scales and 8 mins are unpacked 16 at a time
     * ({@link #factors}); a sub-block's 16 possible values {@code d*sc*k - dmin*m} ({@code k < 16}) form one vector,
     * computed with {@link #decodeRow}'s fused multiply-add, and the nibbles index it with one lane permute
     * (indices wrap modulo 16, so the high nibble needs only a shift). Column order and values are {@link #decodeRow}'s, so results equal the batched path's bit for bit.
     * Two rows per call, everything written out: with the nibble loads in a helper, C2 did not inline it ("callee
     * uses too much stack") and boxed every vector (9.4 GFLOP/s, 1024x2560 in cache, one core); with four rows in
     * this loop nest it reached its inlining node limit ({@code NodeCountInliningCutoff}) and did the same.
     */
    private void dot2(int r, float[] x, int xOff, float[] lanes, int at) {
        long r0 = r * rowBytes, r1 = r0 + rowBytes;
        int f = 5 * L;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int sb = 0; sb < blocksPerRow; sb++) {
            long s0 = r0 + sb * 144L, s1 = s0 + rowBytes;
            factors(s0, lanes, f);
            factors(s1, lanes, f + 16);
            for (int j = 0; j < 4; j++) {
                int xj = xOff + 256 * sb + 64 * j, c = f + 4 * j;
                long q = 16 + 32 * j;
                FloatVector x0 = FloatVector.fromArray(F, x, xj), x1 = FloatVector.fromArray(F, x, xj + 16);
                FloatVector x2 = FloatVector.fromArray(F, x, xj + 32), x3 = FloatVector.fromArray(F, x, xj + 48);
                IntVector lo = K16.fma(lanes[c], lanes[c + 2]).reinterpretAsInts();
                IntVector hi = K16.fma(lanes[c + 1], lanes[c + 3]).reinterpretAsInts();
                IntVector qa = (IntVector) ByteVector.fromMemorySegment(B, data, s0 + q, LE).convertShape(B2I, I16, 0);
                IntVector qb = (IntVector) ByteVector.fromMemorySegment(B, data, s0 + q + 16, LE).convertShape(B2I, I16, 0);
                a0 = qa.selectFrom(lo).reinterpretAsFloats().fma(x0, a0);
                a0 = qb.selectFrom(lo).reinterpretAsFloats().fma(x1, a0);
                a0 = qa.lanewise(ASHR, 4).selectFrom(hi).reinterpretAsFloats().fma(x2, a0);
                a0 = qb.lanewise(ASHR, 4).selectFrom(hi).reinterpretAsFloats().fma(x3, a0);
                lo = K16.fma(lanes[c + 16], lanes[c + 18]).reinterpretAsInts();
                hi = K16.fma(lanes[c + 17], lanes[c + 19]).reinterpretAsInts();
                qa = (IntVector) ByteVector.fromMemorySegment(B, data, s1 + q, LE).convertShape(B2I, I16, 0);
                qb = (IntVector) ByteVector.fromMemorySegment(B, data, s1 + q + 16, LE).convertShape(B2I, I16, 0);
                a1 = qa.selectFrom(lo).reinterpretAsFloats().fma(x0, a1);
                a1 = qb.selectFrom(lo).reinterpretAsFloats().fma(x1, a1);
                a1 = qa.lanewise(ASHR, 4).selectFrom(hi).reinterpretAsFloats().fma(x2, a1);
                a1 = qb.lanewise(ASHR, 4).selectFrom(hi).reinterpretAsFloats().fma(x3, a1);
            }
        }
        a0.intoArray(lanes, at);
        a1.intoArray(lanes, at + L);
    }

    /** With 8 lanes (the file's layout) and in 16-row pair groups. */
    @Override
    public boolean int8Decode() {
        return L == 8 || pairGroups();
    }

    /**
     * 4 rows with int8 activations ({@link BlockMatrix#int8Decode}), the file's layout. A sub-block of 32 is one
     * activation block: its dot is {@code d·sc·dx·sum(n·q) - dmin·m·dx·sum(q)}. Per chunk of 64, the 32 bytes are
     * widened to shorts; low nibbles times the first 32 activations, high nibbles times the next 32, each pair of
     * 16-bit sums added as ints (as in {@link Q4_0Matrix#dot4Int}) and scaled by the sub-block's
     * {@code d·sc·dx} ({@link #subBlockFactors}); the mins' part is summed in a scalar per row and subtracted at the
     * end. The float path decodes rows one by one into a buffer first: 1024x2560 in cache, one Zen 1 core, 2.1 ->
     * 5.2 GFLOP/s.
     */
    @Override
    void dot4Int(int r, Int8Activations a, int token, float[] out, int o, float[] lanes) {
        long r0 = r * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
        short[] xq = a.q;
        int f = 5 * L, xb = token * (cols / 32), xs = token * cols;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        float c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        for (int sb = 0; sb < blocksPerRow; sb++, xb += 8) {
            long h = sb * 144L;
            c0 = subBlockFactors(r0 + h, a, xb, lanes, f, c0);
            c1 = subBlockFactors(r1 + h, a, xb, lanes, f + 8, c1);
            c2 = subBlockFactors(r2 + h, a, xb, lanes, f + 16, c2);
            c3 = subBlockFactors(r3 + h, a, xb, lanes, f + 24, c3);
            for (int j = 0; j < 4; j++) {
                int xo = xs + 256 * sb + 64 * j, t = f + 2 * j;
                long q = h + 16 + 32 * j;
                ShortVector x0 = ShortVector.fromArray(S, xq, xo), x1 = ShortVector.fromArray(S, xq, xo + 16);
                ShortVector x2 = ShortVector.fromArray(S, xq, xo + 32), x3 = ShortVector.fromArray(S, xq, xo + 48);
                ShortVector u = (ShortVector) ByteVector.fromMemorySegment(B, data, r0 + q, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B, data, r0 + q + 16, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
                IntVector lo = u.and((short) 15).mul(x0).add(v.and((short) 15).mul(x1)).reinterpretAsInts();
                IntVector hi = u.lanewise(LSHR, 4).mul(x2).add(v.lanewise(LSHR, 4).mul(x3)).reinterpretAsInts();
                a0 = ((FloatVector) lo.lanewise(LSHL, 16).add(lo).lanewise(ASHR, 16).convert(I2F, 0)).fma(FloatVector.broadcast(F, lanes[t]), a0);
                a0 = ((FloatVector) hi.lanewise(LSHL, 16).add(hi).lanewise(ASHR, 16).convert(I2F, 0)).fma(FloatVector.broadcast(F, lanes[t + 1]), a0);
                u = (ShortVector) ByteVector.fromMemorySegment(B, data, r1 + q, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
                v = (ShortVector) ByteVector.fromMemorySegment(B, data, r1 + q + 16, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
                lo = u.and((short) 15).mul(x0).add(v.and((short) 15).mul(x1)).reinterpretAsInts();
                hi = u.lanewise(LSHR, 4).mul(x2).add(v.lanewise(LSHR, 4).mul(x3)).reinterpretAsInts();
                a1 = ((FloatVector) lo.lanewise(LSHL, 16).add(lo).lanewise(ASHR, 16).convert(I2F, 0)).fma(FloatVector.broadcast(F, lanes[t + 8]), a1);
                a1 = ((FloatVector) hi.lanewise(LSHL, 16).add(hi).lanewise(ASHR, 16).convert(I2F, 0)).fma(FloatVector.broadcast(F, lanes[t + 9]), a1);
                u = (ShortVector) ByteVector.fromMemorySegment(B, data, r2 + q, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
                v = (ShortVector) ByteVector.fromMemorySegment(B, data, r2 + q + 16, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
                lo = u.and((short) 15).mul(x0).add(v.and((short) 15).mul(x1)).reinterpretAsInts();
                hi = u.lanewise(LSHR, 4).mul(x2).add(v.lanewise(LSHR, 4).mul(x3)).reinterpretAsInts();
                a2 = ((FloatVector) lo.lanewise(LSHL, 16).add(lo).lanewise(ASHR, 16).convert(I2F, 0)).fma(FloatVector.broadcast(F, lanes[t + 16]), a2);
                a2 = ((FloatVector) hi.lanewise(LSHL, 16).add(hi).lanewise(ASHR, 16).convert(I2F, 0)).fma(FloatVector.broadcast(F, lanes[t + 17]), a2);
                u = (ShortVector) ByteVector.fromMemorySegment(B, data, r3 + q, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
                v = (ShortVector) ByteVector.fromMemorySegment(B, data, r3 + q + 16, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
                lo = u.and((short) 15).mul(x0).add(v.and((short) 15).mul(x1)).reinterpretAsInts();
                hi = u.lanewise(LSHR, 4).mul(x2).add(v.lanewise(LSHR, 4).mul(x3)).reinterpretAsInts();
                a3 = ((FloatVector) lo.lanewise(LSHL, 16).add(lo).lanewise(ASHR, 16).convert(I2F, 0)).fma(FloatVector.broadcast(F, lanes[t + 24]), a3);
                a3 = ((FloatVector) hi.lanewise(LSHL, 16).add(hi).lanewise(ASHR, 16).convert(I2F, 0)).fma(FloatVector.broadcast(F, lanes[t + 25]), a3);
            }
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        a2.intoArray(lanes, 2 * L);
        a3.intoArray(lanes, 3 * L);
        sums4(lanes, out, o);
        out[o] -= c0;
        out[o + 1] -= c1;
        out[o + 2] -= c2;
        out[o + 3] -= c3;
    }

    /**
     * For the super-block whose header is at {@code sb} and the activation blocks {@code xb ..}: writes each
     * sub-block's {@code d·sc·dx} to {@code lanes[at ..]} and returns {@code c} plus the sub-blocks'
     * {@code dmin·m·dx·sum(q)}. The 12 scale bytes are read as one long and one int and unpacked as
     * {@link #scaleMin} does: byte by byte through {@code scaleMin}, the kernel ran at 3.9 GFLOP/s (1024x2560 in
     * cache, one Zen 1 core).
     */
    private float subBlockFactors(long sb, Int8Activations a, int xb, float[] lanes, int at, float c) {
        float d = f16(data, sb), dmin = f16(data, sb + 2);
        long b03 = data.get(ValueLayout.JAVA_LONG_UNALIGNED, sb + 4);
        int b8 = data.get(ValueLayout.JAVA_INT_UNALIGNED, sb + 12);
        float[] dx = a.scale, x8 = a.offset8;
        for (int s = 0; s < 4; s++) {
            int lo = (int) (b03 >>> (8 * s)) & 0xFF, hi = (int) (b03 >>> (8 * s + 32)) & 0xFF, top = (b8 >>> (8 * s)) & 0xFF;
            // offset8 is 8·dx·sum(q): an exact eighth of it
            lanes[at + s] = d * (lo & 63) * dx[xb + s];
            c = Math.fma(dmin * (hi & 63), x8[xb + s] * 0.125f, c);
            lanes[at + s + 4] = d * ((top & 15) | (lo >> 6) << 4) * dx[xb + s + 4];
            c = Math.fma(dmin * ((top >> 4) | (hi >> 6) << 4), x8[xb + s + 4] * 0.125f, c);
        }
        return c;
    }

    /**
     * A super-block's 8 scales and 8 mins in chunk order: lanes {@code 4j .. 4j+3} are chunk {@code j}'s
     * {@code sc[2j], sc[2j+1], m[2j], m[2j+1]}, from the 12 scale bytes {@code b} as {@link #scaleMin} reads them:
     * {@code (b[A] >> SHIFT & MASK) | (b[H] >> 6 << 4 & HIGH_MASK)}.
     */
    private static final int[] SCALE_LANES = {0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 8, 9, 10, 11, 10, 11};
    private static final int[] HIGH_LANES = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 4, 5, 2, 3, 6, 7};
    private static final VectorSpecies<Integer> I16 = IntVector.SPECIES_512;
    private static final VectorShuffle<Integer> SCALE_SHUFFLE = VectorShuffle.fromArray(I16, SCALE_LANES, 0);
    private static final VectorShuffle<Integer> HIGH_SHUFFLE = VectorShuffle.fromArray(I16, HIGH_LANES, 0);
    private static final IntVector SHIFT = IntVector.fromArray(I16, new int[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 0, 0, 4, 4}, 0);
    private static final IntVector MASK = IntVector.fromArray(I16, new int[] {63, 63, 63, 63, 63, 63, 63, 63, 15, 15, 15, 15, 15, 15, 15, 15}, 0);
    private static final IntVector HIGH_MASK = IntVector.fromArray(I16, new int[] {0, 0, 0, 0, 0, 0, 0, 0, 48, 48, 48, 48, 48, 48, 48, 48}, 0);
    private static final VectorMask<Float> MINS = L == 16 ? VectorMask.fromLong(F, 0xCCCCL) : null;

    /**
     * {@code f[off + 4j ..]} = chunk {@code j}'s {@code d*sc[2j], d*sc[2j+1], -dmin*m[2j], -dmin*m[2j+1]} for the
     * super-block whose header ({@code d}, {@code dmin}, 12 scale bytes) is at {@code sb}, as {@link #decodeRow}
     * computes them (16-lane vectors only): the 12 scale bytes (and 4 bytes after them, unused) as 16 ints,
     * rearranged and masked as {@link #scaleMin} reads them. A row's factors thus run in chunk order.
     */
    private void factors(long sb, float[] f, int off) {
        FloatVector dm = FloatVector.broadcast(F, Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, sb)))
                .blend(-Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, sb + 2)), MINS);
        IntVector b = ((IntVector) ByteVector.fromMemorySegment(B, data, sb + 4, LE).convertShape(B2I, I16, 0)).and(0xFF);
        IntVector v = b.rearrange(SCALE_SHUFFLE).lanewise(VectorOperators.LSHR, SHIFT).and(MASK)
                .or(b.rearrange(HIGH_SHUFFLE).lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4).and(HIGH_MASK));
        ((FloatVector) v.convert(VectorOperators.I2F, 0)).mul(dm).intoArray(f, off);
    }

    /** {@code k} for {@code k < 16} (16-lane vectors only). */
    private static final FloatVector K16 = L == 16 ? FloatVector.fromArray(F, new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 0) : null;

    @Override
    void decodeRow(long rowOffset, float[] dst, int off, int step) {
        int r = (int) (rowOffset / rowBytes);
        if (r < groupedRows && chunkBytes == 2) {
            decodeGroupedRow(r, dst, off, step);
            return;
        }
        long head = scaleAt(r), quants = quantsAt(r), headStep = scaleStep(r), quantStep = quantStep(r), chunkStep = chunkStep(r);
        for (int blk = 0; blk < blocksPerRow; blk++, head += headStep, quants += quantStep) {
            decodeSuperBlock(data, quants, chunkStep, f16(data, head), f16(data, head + 2), data, head + 4, dst, off, blk, step);
        }
    }

    /**
     * Row {@code r} of a 16-row pair group: per super-block the group's quants back in rows ({@link #ungroup}) and
     * the row's 12 scale bytes gathered, then decoded as in the file's layout (only embedding lookups and tests read
     * single rows of this layout: prefill takes the integer kernel).
     */
    private void decodeGroupedRow(int r, float[] dst, int off, int step) {
        MemorySegment rows = ROW_BYTES.get(), scales = SCALES.get();
        long[] w = PAIRS.get();
        int g = r - r % 16, j = r % 16;
        for (int blk = 0; blk < blocksPerRow; blk++) {
            long h = ungroup(g, blk, rows, w);
            for (int i = 0; i < 12; i++) scales.set(ValueLayout.JAVA_BYTE, i, data.get(ValueLayout.JAVA_BYTE, h + 64 + 16L * i + j));
            decodeSuperBlock(rows, 128L * j, 32, f16(data, h + 2L * j), f16(data, h + 32 + 2L * j), scales, 0, dst, off, blk, step);
        }
    }

    /** One super-block: quants at {@code qs[quants ..]} (chunk {@code j} at {@code + j·chunkStep}), scales at {@code sc[scales ..]}. */
    private static void decodeSuperBlock(MemorySegment qs, long quants, long chunkStep, float d, float dmin, MemorySegment sc,
            long scales, float[] dst, int off, int blk, int step) {
        for (int j = 0; j < 4; j++) {
            int sm1 = scaleMin(sc, scales, 2 * j);
            int sm2 = scaleMin(sc, scales, 2 * j + 1);
            float a1 = d * (sm1 & 0xFF), b1 = -dmin * (sm1 >> 8);
            float a2 = d * (sm2 & 0xFF), b2 = -dmin * (sm2 >> 8);
            int base = 256 * blk + 64 * j;
            for (int e = 0; e < 32; e += BYTES.length()) {
                ByteVector q = ByteVector.fromMemorySegment(BYTES, qs, quants + chunkStep * j + e, LE);
                ByteVector lo = q.and((byte) 0x0F);
                ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F);
                for (int p = 0; p < BYTE_PARTS; p++) {
                    ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).fma(a1, b1)
                            .intoArray(dst, at(off, base + e + p * L, step));
                    ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).fma(a2, b2)
                            .intoArray(dst, at(off, base + 32 + e + p * L, step));
                }
            }
        }
    }

    /** Per thread, for {@link #decodeGroupedRow}: the row's scale bytes. */
    private static final ThreadLocal<MemorySegment> SCALES = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(16, 16));
}
