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
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.S2I;
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

    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S32 = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I16 = IntVector.SPECIES_512;

    /**
     * With {@code repack}, 16-float vectors and a multiple of 16 rows, the rows are copied into 16-row pair groups
     * for the integer kernels ({@link #dot16Int}); otherwise the file's layout.
     */
    Q6_KMatrix(Tensor t, boolean repack) {
        super(t, DType.Q6_K, pairGroups(t, repack) ? 16 : 0, 18, 2);
    }

    private static boolean pairGroups(Tensor t, boolean repack) {
        return repack && L == 16 && t.shape().length == 2 && t.rows() % 16 == 0;
    }

    private boolean pairGroups() {
        return groupedRows > 0;
    }

    /** In 16-row pair groups, decode and prefill alike. */
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
     * 16 rows of a pair group with int8 activations. Per super-block the group holds the 16 rows' {@code d}, then
     * scale {@code i} of the 16 rows together for each of the 16, then 96 chunks of a byte pair of the 16 rows (64
     * of {@code ql}, 32 of {@code qh}; in the order read, {@link #pairSlot}). Per half super-block and pair
     * {@code p < 16} of its 32 positions, three 32-byte loads (ql pairs {@code p} and {@code p+16}, qh pair
     * {@code p}: 96 consecutive bytes) give the 4 quants of both bytes
     * of the 16 rows, assembled with 16-bit masks and shifts, each multiplied by its activation pair and added to
     * the 16-bit sum of its sub-block (8 pairs per sub-block). The sums start at {@code -32·sum(x)}
     * ({@link Int8Activations#negSums}) instead of subtracting 32 from every quant: the partial sums may wrap, but
     * the final {@code sum((q-32)·x)} of 8 products fits 16 bits ({@code 32·127·8}), so it comes out exact. Per
     * sub-block, one pair sum, conversion and FMA with {@code d·scale·dx} serve the 16 rows.
     */
    private void dot16Int(int r, Int8Activations a, int token, float[] out, int o, float[] lanes) {
        long base = r * rowBytes;
        int[] xp = a.pairs, xs = a.negSums;
        float[] xd = a.scale;
        int xo = token * cols / 2, xb = token * (cols / 32), xn = token * (cols / 16);
        FloatVector acc = FloatVector.zero(F);
        for (int sb = 0; sb < blocksPerRow; sb++, xo += 128, xb += 8, xn += 16) {
            long h = base + 3360L * sb;
            // d widened in registers (through lanes only for a vector holding an infinity or NaN), and each
            // sub-block's d·scale formed where it is used, with pairGroupScales' multiply: a heap scratch here put
            // the kernel's speed at the mercy of where the array landed (see Q4_KMatrix.dot16Int).
            IntVector bits = (IntVector) ShortVector.fromMemorySegment(S, data, h, LE).convertShape(S2I, I16, 0);
            FloatVector dw;
            if (bits.and(0x7C00).compare(VectorOperators.EQ, 0x7C00).anyTrue()) {
                widenHalves(h, 16, lanes, 0);
                dw = FloatVector.fromArray(F, lanes, 0);
            } else {
                dw = bits.lanewise(LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            }
            for (int half = 0; half < 2; half++) {
                for (int j = 0; j < 2; j++) {
                    int s = 8 * half + j, x = xo + 64 * half + 8 * j;
                    ShortVector a1 = IntVector.broadcast(I16, xs[xn + s]).reinterpretAsShorts();
                    ShortVector a2 = IntVector.broadcast(I16, xs[xn + s + 2]).reinterpretAsShorts();
                    ShortVector a3 = IntVector.broadcast(I16, xs[xn + s + 4]).reinterpretAsShorts();
                    ShortVector a4 = IntVector.broadcast(I16, xs[xn + s + 6]).reinterpretAsShorts();
                    long p = h + 288 + 96L * (16 * half + 8 * j);
                    for (int k = 0; k < 8; k++) {
                        ShortVector la = (ShortVector) ByteVector.fromMemorySegment(B32, data, p + 96 * k, LE).convertShape(ZERO_EXTEND_B2S, S32, 0);
                        ShortVector lb = (ShortVector) ByteVector.fromMemorySegment(B32, data, p + 96 * k + 32, LE).convertShape(ZERO_EXTEND_B2S, S32, 0);
                        ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(B32, data, p + 96 * k + 64, LE).convertShape(ZERO_EXTEND_B2S, S32, 0);
                        a1 = a1.add(la.and((short) 15).or(hb.lanewise(LSHL, 4).and((short) 48)).mul(IntVector.broadcast(I16, xp[x + k]).reinterpretAsShorts()));
                        a2 = a2.add(lb.and((short) 15).or(hb.lanewise(LSHL, 2).and((short) 48)).mul(IntVector.broadcast(I16, xp[x + 16 + k]).reinterpretAsShorts()));
                        a3 = a3.add(la.lanewise(LSHR, 4).or(hb.and((short) 48)).mul(IntVector.broadcast(I16, xp[x + 32 + k]).reinterpretAsShorts()));
                        a4 = a4.add(lb.lanewise(LSHR, 4).or(hb.lanewise(LSHR, 2).and((short) 48)).mul(IntVector.broadcast(I16, xp[x + 48 + k]).reinterpretAsShorts()));
                    }
                    long sc = h + 32 + 16L * s;
                    int d = xb + 4 * half;
                    // Pair sums written out: as a helper, C2 stopped inlining it (NodeCountInliningCutoff) and boxed.
                    // Sub-blocks in the order dot16Int4 finishes them: of ql pair p (quants 1, 3), then of p+16 (2, 4).
                    IntVector t = a1.reinterpretAsInts();
                    FloatVector f = dw.mul((FloatVector) ByteVector.fromMemorySegment(B, data, sc, LE).convertShape(B2F, F, 0));
                    acc = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(f.mul(xd[d]), acc);
                    t = a3.reinterpretAsInts();
                    f = dw.mul((FloatVector) ByteVector.fromMemorySegment(B, data, sc + 64, LE).convertShape(B2F, F, 0));
                    acc = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(f.mul(xd[d + 2]), acc);
                    t = a2.reinterpretAsInts();
                    f = dw.mul((FloatVector) ByteVector.fromMemorySegment(B, data, sc + 32, LE).convertShape(B2F, F, 0));
                    acc = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(f.mul(xd[d + 1]), acc);
                    t = a4.reinterpretAsInts();
                    f = dw.mul((FloatVector) ByteVector.fromMemorySegment(B, data, sc + 96, LE).convertShape(B2F, F, 0));
                    acc = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(f.mul(xd[d + 3]), acc);
                }
            }
        }
        acc.intoArray(out, o);
    }

    /**
     * {@link #dot16Int} for 4 tokens at once (prefill), each token's results with the bits {@code dot16Int} gives
     * it: the quants are assembled once for the 4 tokens, two sub-blocks (one ql byte's nibbles) at a time.
     */
    private void dot16Int4(int r, Int8Activations a, int token, float[] out, int o, int stride, float[] lanes) {
        long base = r * rowBytes;
        int[] xp = a.pairs, xs = a.negSums;
        float[] xd = a.scale;
        int half2 = cols / 2, nb = cols / 32, ns = cols / 16;
        int xo = token * half2, xb = token * nb, xn = token * ns;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int sb = 0, fs = PREPARED; sb < blocksPerRow; sb++, xo += 128, xb += 8, xn += 16, fs += 256) {
            long h = base + 3360L * sb;
            for (int half = 0; half < 2; half++) {
                for (int j = 0; j < 2; j++) {
                    long p = h + 288 + 96L * (16 * half + 8 * j);
                    int s = 8 * half + j, x = xo + 64 * half + 8 * j;
                    // The pairs' 4 sub-blocks (quants 1-4 of the bytes) two at a time, those of one ql byte: its low
                    // nibbles (u = v) and its high ones (u = v + 2), as dot16Int sums them.
                    for (int v = 0; v < 2; v++) {
                        int lo = xn + s + 2 * v, hi = lo + 4;
                        ShortVector l0 = IntVector.broadcast(I16, xs[lo]).reinterpretAsShorts(), h0 = IntVector.broadcast(I16, xs[hi]).reinterpretAsShorts();
                        ShortVector l1 = IntVector.broadcast(I16, xs[lo + ns]).reinterpretAsShorts(), h1 = IntVector.broadcast(I16, xs[hi + ns]).reinterpretAsShorts();
                        ShortVector l2 = IntVector.broadcast(I16, xs[lo + 2 * ns]).reinterpretAsShorts(), h2 = IntVector.broadcast(I16, xs[hi + 2 * ns]).reinterpretAsShorts();
                        ShortVector l3 = IntVector.broadcast(I16, xs[lo + 3 * ns]).reinterpretAsShorts(), h3 = IntVector.broadcast(I16, xs[hi + 3 * ns]).reinterpretAsShorts();
                        long at = p + 32 * v;
                        int xl = x + 16 * v, up = 4 - 2 * v, down = 2 * v;
                        for (int k = 0; k < 8; k++) {
                            ShortVector l = (ShortVector) ByteVector.fromMemorySegment(B32, data, at + 96 * k, LE).convertShape(ZERO_EXTEND_B2S, S32, 0);
                            ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(B32, data, p + 96 * k + 64, LE).convertShape(ZERO_EXTEND_B2S, S32, 0);
                            ShortVector ql = l.and((short) 15).or(hb.lanewise(LSHL, up).and((short) 48));
                            ShortVector qu = l.lanewise(LSHR, 4).or(hb.lanewise(LSHR, down).and((short) 48));
                            int y = xl + k;
                            l0 = l0.add(ql.mul(IntVector.broadcast(I16, xp[y]).reinterpretAsShorts()));
                            h0 = h0.add(qu.mul(IntVector.broadcast(I16, xp[y + 32]).reinterpretAsShorts()));
                            l1 = l1.add(ql.mul(IntVector.broadcast(I16, xp[y + half2]).reinterpretAsShorts()));
                            h1 = h1.add(qu.mul(IntVector.broadcast(I16, xp[y + half2 + 32]).reinterpretAsShorts()));
                            l2 = l2.add(ql.mul(IntVector.broadcast(I16, xp[y + 2 * half2]).reinterpretAsShorts()));
                            h2 = h2.add(qu.mul(IntVector.broadcast(I16, xp[y + 2 * half2 + 32]).reinterpretAsShorts()));
                            l3 = l3.add(ql.mul(IntVector.broadcast(I16, xp[y + 3 * half2]).reinterpretAsShorts()));
                            h3 = h3.add(qu.mul(IntVector.broadcast(I16, xp[y + 3 * half2 + 32]).reinterpretAsShorts()));
                        }
                        FloatVector fl = FloatVector.fromArray(F, lanes, fs + 16 * (s + 2 * v)), fh = FloatVector.fromArray(F, lanes, fs + 16 * (s + 2 * v + 4));
                        int d = xb + 4 * half + v;
                        IntVector t = l0.reinterpretAsInts();
                        acc0 = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(fl.mul(xd[d]), acc0);
                        t = h0.reinterpretAsInts();
                        acc0 = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(fh.mul(xd[d + 2]), acc0);
                        t = l1.reinterpretAsInts();
                        acc1 = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(fl.mul(xd[d + nb]), acc1);
                        t = h1.reinterpretAsInts();
                        acc1 = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(fh.mul(xd[d + nb + 2]), acc1);
                        t = l2.reinterpretAsInts();
                        acc2 = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(fl.mul(xd[d + 2 * nb]), acc2);
                        t = h2.reinterpretAsInts();
                        acc2 = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(fh.mul(xd[d + 2 * nb + 2]), acc2);
                        t = l3.reinterpretAsInts();
                        acc3 = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(fl.mul(xd[d + 3 * nb]), acc3);
                        t = h3.reinterpretAsInts();
                        acc3 = ((FloatVector) t.lanewise(LSHL, 16).lanewise(ASHR, 16).add(t.lanewise(ASHR, 16)).convert(I2F, 0)).fma(fh.mul(xd[d + 3 * nb + 2]), acc3);
                    }
                }
            }
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + stride);
        acc2.intoArray(out, o + 2 * stride);
        acc3.intoArray(out, o + 3 * stride);
    }

    /**
     * A pair group's super-block at {@code h}: {@code lanes[at + 16i ..]} = the 16 rows' {@code d·scale[i]}
     * for {@code i < 16}, {@code d} widened by {@link #widenHalves} into {@code lanes[0 .. 16)}.
     */
    private void pairGroupScales(long h, float[] lanes, int at) {
        widenHalves(h, 16, lanes, 0);
        FloatVector d = FloatVector.fromArray(F, lanes, 0);
        for (int i = 0; i < 16; i++) {
            d.mul((FloatVector) ByteVector.fromMemorySegment(B, data, h + 32 + 16L * i, LE).convertShape(B2F, F, 0)).intoArray(lanes, at + 16 * i);
        }
    }

    /** Every super-block's factors of group {@code r}, super-block {@code sb}'s at {@code PREPARED + 256·sb}. */
    @Override
    void prepareGroupsInt4(int r, int groups, float[] lanes) {
        for (int sb = 0; sb < blocksPerRow; sb++) pairGroupScales(r * rowBytes + 3360L * sb, lanes, PREPARED + 256 * sb);
    }

    @Override
    void dot4(int r, float[] x, int xOff, float[] out, int o, float[] lanes, long ahead) {
        if (L != 16 || pairGroups()) {
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

    /** With 8 lanes, and in 16-row pair groups. */
    @Override
    public boolean int8Decode() {
        return L == 8 || pairGroups();
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
        int r = (int) (rowOffset / rowBytes);
        if (r < groupedRows) {
            decodeGroupedRow(r, dst, off, step);
            return;
        }
        for (int blk = 0; blk < blocksPerRow; blk++) decodeBlock(data, rowOffset + 210L * blk, dst, off, blk, step);
    }

    /**
     * Row {@code r} of a 16-row pair group: per super-block the group's quants back in rows ({@link #ungroup}),
     * the row's block reassembled in the file's layout in a per-thread buffer and decoded (embedding lookups and
     * tests read single rows of this layout; matmuls take the integer kernels).
     */
    private void decodeGroupedRow(int r, float[] dst, int off, int step) {
        MemorySegment rowsOf = ROW_BYTES.get(), block = BLOCK.get();
        long[] w = PAIRS.get();
        int g = r - r % 16, j = r % 16;
        for (int blk = 0; blk < blocksPerRow; blk++) {
            long h = ungroup(g, blk, rowsOf, w);
            MemorySegment.copy(rowsOf, 192L * j, block, 0, 192);
            for (int i = 0; i < 16; i++) block.set(ValueLayout.JAVA_BYTE, 192 + i, data.get(ValueLayout.JAVA_BYTE, h + 32 + 16L * i + j));
            block.set(ValueLayout.JAVA_SHORT_UNALIGNED, 208, data.get(ValueLayout.JAVA_SHORT_UNALIGNED, h + 2L * j));
            decodeBlock(block, 0, dst, off, blk, step);
        }
    }

    /** Per thread, for {@link #decodeGroupedRow}: one block in the file's layout. */
    private static final ThreadLocal<MemorySegment> BLOCK = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(224, 16));

    /** Block {@code blk} of a row, in the file's layout at {@code seg[src ..]}, into the row at {@code dst[off ..]}. */
    private static void decodeBlock(MemorySegment seg, long src, float[] dst, int off, int blk, int step) {
        float d = f16(seg, src + 208);
        for (int half = 0; half < 2; half++) {
            // 16 quants per h, read in BlockMatrix.BYTES-sized pieces g (one piece with 16 lanes).
            for (int hg = 0; hg < 32; hg += BYTES.length()) {
                int h = hg / 16, g = hg % 16;
                long ql = src + 64L * half + 16L * h + g;
                IntVector la = ByteVector.fromMemorySegment(BYTES, seg, ql, LE).reinterpretAsInts();
                IntVector lb = ByteVector.fromMemorySegment(BYTES, seg, ql + 32, LE).reinterpretAsInts();
                IntVector qh = ByteVector.fromMemorySegment(BYTES, seg, src + 128 + 32L * half + 16L * h + g, LE).reinterpretAsInts();
                int e = 128 * half + 16 * h, b = 256 * blk + e + g;
                float a;
                ByteVector q = la.and(LOW).or(qh.lanewise(LSHL, 4).and(HIGH)).reinterpretAsBytes().sub((byte) 32);
                a = d * seg.get(ValueLayout.JAVA_BYTE, src + 192 + e / 16);
                for (int p = 0; p < BYTE_PARTS; p++) ((FloatVector) q.convertShape(B2F, F, p)).mul(a).intoArray(dst, at(off, b + p * L, step));
                q = lb.and(LOW).or(qh.lanewise(LSHL, 2).and(HIGH)).reinterpretAsBytes().sub((byte) 32);
                a = d * seg.get(ValueLayout.JAVA_BYTE, src + 192 + e / 16 + 2);
                for (int p = 0; p < BYTE_PARTS; p++) ((FloatVector) q.convertShape(B2F, F, p)).mul(a).intoArray(dst, at(off, b + 32 + p * L, step));
                q = la.lanewise(LSHR, 4).and(LOW).or(qh.and(HIGH)).reinterpretAsBytes().sub((byte) 32);
                a = d * seg.get(ValueLayout.JAVA_BYTE, src + 192 + e / 16 + 4);
                for (int p = 0; p < BYTE_PARTS; p++) ((FloatVector) q.convertShape(B2F, F, p)).mul(a).intoArray(dst, at(off, b + 64 + p * L, step));
                q = lb.lanewise(LSHR, 4).and(LOW).or(qh.lanewise(LSHR, 2).and(HIGH)).reinterpretAsBytes().sub((byte) 32);
                a = d * seg.get(ValueLayout.JAVA_BYTE, src + 192 + e / 16 + 6);
                for (int p = 0; p < BYTE_PARTS; p++) ((FloatVector) q.convertShape(B2F, F, p)).mul(a).intoArray(dst, at(off, b + 96 + p * L, step));
            }
        }
    }
}
