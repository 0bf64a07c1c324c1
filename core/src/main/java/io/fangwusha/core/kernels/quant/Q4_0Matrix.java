package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
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
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.S2I;
import static jdk.incubator.vector.VectorOperators.ZERO_EXTEND_B2S;

/**
 * ggml Q4_0: blocks of 32 elements, {@code f16 d} then 16 bytes; byte {@code j} holds element {@code j} in its low
 * nibble and element {@code j+16} in its high nibble; value = {@code (nibble - 8) * d}.
 *
 * <p>With 8- or 16-float vectors, decode and (16 lanes) prefill quantise the activations to int8 blocks and run
 * integer kernels ({@link #dot8Int}, {@link #dot16Int}, {@link #dot16Int4}), as llama.cpp does. For them the rows
 * are copied on load into groups of as many rows as lanes ({@link BlockMatrix#group} with 2-byte chunks): per
 * block, the group's f16 scales, then 8 chunks, chunk {@code k} holding byte pair {@code k} of every row. A group
 * is then one sequential stream: with the scales of all blocks first and the quants after them (two streams a
 * group apart), the hardware prefetchers did not keep up, and the 16-lane kernel read 7 GB/s from DRAM against
 * 19 in cache (one Zen 4 core, 131072x1024).
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
    /** 32 bytes widened to 32 shorts: byte pair {@code k} of 16 rows ({@link #dot16Int}). */
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S32 = ShortVector.SPECIES_512;

    Q4_0Matrix(Tensor t, boolean repack) {
        super(t, DType.Q4_0, groupSize(t, repack), 2, L >= 8 ? 2 : 16);
    }

    /**
     * Groups of 8 or 16 rows (the lanes), for a matrix whose row count is a multiple of that (every real one);
     * others, and fewer lanes, keep the file's layout.
     */
    private static int groupSize(Tensor t, boolean repack) {
        long rows = t.shape().length == 1 ? 1 : t.rows();
        return !repack || L < 8 || rows % L != 0 ? 0 : L;
    }

    /** Elements {@code 16h + pL ..} of a block (vector lengths other than 16), dequantised as {@link #decodeRow} does. */
    private static FloatVector w(ByteVector q, int h, int p, float d) {
        ByteVector n = (h == 0 ? q.and((byte) 0x0F) : q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F)).sub((byte) 8);
        return ((FloatVector) n.convertShape(VectorOperators.B2F, F, p)).mul(d);
    }

    /**
     * Decode with float activations: only with fewer than 8 lanes (e.g. NEON's 4), where the integer kernels'
     * 256- and 512-bit vectors are not native; 4 rows at a time, each block widened to floats in registers.
     */
    @Override
    void dot4(int r, float[] x, int xOff, float[] out, int o, float[] lanes, long ahead) {
        if (L >= 8) {
            // Not reached: with 8 or 16 lanes decode takes the integer kernels (int8Decode).
            super.dot4(r, x, xOff, out, o, lanes, ahead);
            return;
        }
        dot4Parts(r, x, xOff, out, o, lanes);
    }

    /** With 16 lanes and 16-row groups. */
    @Override
    public boolean int8Batches() {
        return groupSize == 16 && groupedRows > 0;
    }

    /** With 8 or 16 lanes. */
    @Override
    public boolean int8Decode() {
        return L >= 8;
    }

    @Override
    void dotGroupInt(int r, Int8Activations a, int token, float[] out, int o, float[] lanes) {
        if (groupSize == 16) dot16Int(r, a, token, out, o, lanes);
        else dot8Int(r, a, token, out, o, lanes);
    }

    @Override
    void dotGroupInt4(int r, Int8Activations a, int token, float[] out, int o, int stride, float[] lanes) {
        dot16Int4(r, a, token, out, o, stride, lanes);
    }

    @Override
    boolean pairsGroups() {
        return int8Batches();
    }

    /** The scales of both groups of {@link #dot32Int4}, widened once per batch: 32 floats per block from 5·L. */
    @Override
    void prepareGroupsInt4(int r, int groups, float[] lanes) {
        if (groups != 2) return;
        long base0 = r * rowBytes, base1 = base0 + 16 * rowBytes;
        for (int b = 0, sc = 5 * L; b < blocksPerRow; b++) {
            widenHalves(base0 + 288L * b, 16, lanes, sc + 32 * b);
            widenHalves(base1 + 288L * b, 16, lanes, sc + 32 * b + 16);
        }
    }

    @Override
    void dotGroupPairInt4(int r, Int8Activations a, int token, float[] out, int o, int stride, float[] lanes) {
        dot32Int4(r, a, token, out, o, stride, lanes);
    }

    /**
     * 8 rows of the 8-row layout with int8 activations ({@link BlockMatrix#int8Decode}): llama.cpp's AVX2 Q4_0
     * arithmetic as far as the Vector API reaches (it has no widening multiply-add, {@code vpmaddubsw} and
     * {@code vpmaddwd}), with the reductions spread over 8 rows. In a group the rows' 16 bytes of a block are
     * interleaved two by two ({@link BlockMatrix#group} with 2-byte chunks), so one 16-byte load widened to 16
     * shorts holds bytes {@code 2k, 2k+1} of all 8 rows: their low nibbles multiply columns {@code 2k, 2k+1} (one
     * int of activation pairs broadcast to every lane), their high nibbles columns {@code 16+2k, 16+2k+1}. Each
     * lane sums 16 products of a raw nibble in {@code [0, 15]} and an activation in {@code [-127, 127]}; instead of
     * subtracting 8 from every nibble, the even lanes start at {@code -8·sum(q_x)} ({@link Int8Activations#neg8}).
     * A partial sum may wrap, but the block's sum {@code sum((n-8)·q_x)} of 32 products is within {@code ±32512},
     * so the pair sum taken modulo 2^16 and sign-extended is exact ({@code ((t << 16) + t) >> 16} of the int
     * {@code t} holding the pair: its high half is the two shorts' sum modulo 2^16): each row's exact integer
     * block sum in its own int lane, as llama.cpp's {@code sumi}. Then one conversion and one multiply-add per block serve 8 rows, with
     * the 8 rows' scales widened together: per row and block {@code acc = fma(sumi, d_w·d_x, acc)}, which
     * {@link #dot4Int} (the file's layout), {@link #dot16Int} and {@link #dot16Int4} compute bit for bit.
     * 1024x1024 in cache, one Zen 1 core: 15 GFLOP/s in a standalone loop against 10 for the 4-row file-layout
     * kernel this replaced.
     */
    private void dot8Int(int r, Int8Activations a, int token, float[] out, int o, float[] lanes) {
        long base = r * rowBytes;
        int[] xp = a.pairs, x8 = a.neg8;
        float[] xd = a.scale;
        int xo = token * cols / 2, db = token * blocksPerRow;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocksPerRow; b++, xo += 16, db++) {
            long h = base + 144L * b, p = h + 16;
            ShortVector s = IntVector.broadcast(I8, x8[db]).reinterpretAsShorts();
            for (int k = 0; k < 8; k++) {
                ShortVector n = (ShortVector) ByteVector.fromMemorySegment(B, data, p + 16 * k, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
                s = s.add(n.and((short) 15).mul(IntVector.broadcast(I8, xp[xo + k]).reinterpretAsShorts()))
                        .add(n.lanewise(LSHR, 4).mul(IntVector.broadcast(I8, xp[xo + 8 + k]).reinterpretAsShorts()));
            }
            IntVector t = s.reinterpretAsInts();
            t = t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16);
            // The scales as widenScales does: exact for finite halves; a vector with an infinity or NaN one by one.
            IntVector bits = (IntVector) ShortVector.fromMemorySegment(S8, data, h, LE).convertShape(S2I, I8, 0);
            FloatVector d;
            if (bits.and(0x7C00).compare(VectorOperators.EQ, 0x7C00).anyTrue()) {
                for (int k = 0; k < 8; k++) lanes[k] = f16(data, h + 2 * k);
                d = FloatVector.fromArray(F, lanes, 0);
            } else {
                d = bits.lanewise(LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            }
            acc = ((FloatVector) t.convert(I2F, 0)).fma(d.mul(xd[db]), acc);
        }
        acc.intoArray(out, o);
    }

    /**
     * {@link #dot8Int} for 16 lanes, on 16-row groups: a chunk is byte pair {@code k} of 16 rows, 32 bytes widened
     * to 32 shorts, so each 512-bit multiply serves 16 rows and one conversion and one multiply-add per block
     * serve all 16. The same arithmetic per row and block as {@link #dot8Int} and {@link #dot4Int}, bit for bit.
     */
    private void dot16Int(int r, Int8Activations a, int token, float[] out, int o, float[] lanes) {
        long base = r * rowBytes;
        int[] xp = a.pairs, x8 = a.neg8;
        float[] xd = a.scale;
        int xo = token * cols / 2, db = token * blocksPerRow;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocksPerRow; b++, xo += 16, db++) {
            long h = base + 288L * b, p = h + 32;
            ShortVector s = IntVector.broadcast(I16, x8[db]).reinterpretAsShorts();
            for (int k = 0; k < 8; k++) {
                ShortVector n = (ShortVector) ByteVector.fromMemorySegment(B32, data, p + 32 * k, LE).convertShape(ZERO_EXTEND_B2S, S32, 0);
                s = s.add(n.and((short) 15).mul(IntVector.broadcast(I16, xp[xo + k]).reinterpretAsShorts()))
                        .add(n.lanewise(LSHR, 4).mul(IntVector.broadcast(I16, xp[xo + 8 + k]).reinterpretAsShorts()));
            }
            IntVector t = s.reinterpretAsInts();
            t = t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16);
            // The 16 scales as widenScales widens them, written out in each kernel rather than shared: a helper
            // returning the vector was left out of line by C2 (NodeCountInliningCutoff) and boxed it (Q4_K: 4B tg
            // 2.5 instead of 8 tok/s).
            IntVector bits = (IntVector) ShortVector.fromMemorySegment(S, data, h, LE).convertShape(S2I, I16, 0);
            FloatVector d;
            if (bits.and(0x7C00).compare(VectorOperators.EQ, 0x7C00).anyTrue()) {
                for (int k = 0; k < 16; k++) lanes[k] = f16(data, h + 2 * k);
                d = FloatVector.fromArray(F, lanes, 0);
            } else {
                d = bits.lanewise(LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            }
            acc = ((FloatVector) t.convert(I2F, 0)).fma(d.mul(xd[db]), acc);
        }
        acc.intoArray(out, o);
    }

    /**
     * {@link #dot16Int} for 4 tokens at once ({@code token .. token+3}, token {@code j}'s results at
     * {@code out[o + j·stride ..]}): each chunk's nibbles are split once and multiplied with the 4 tokens'
     * activations, and each block's scales widened once. Per token the arithmetic is {@link #dot16Int}'s, so a
     * token gets the same bits in any batch. Prefill takes {@link #dot32Int4} where two whole groups are in range.
     */
    private void dot16Int4(int r, Int8Activations a, int token, float[] out, int o, int stride, float[] lanes) {
        long base = r * rowBytes;
        int[] xp = a.pairs, x8 = a.neg8;
        float[] xd = a.scale;
        int half = cols / 2, xo = token * half, db = token * blocksPerRow, nb = blocksPerRow;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocksPerRow; b++, xo += 16, db++) {
            long h = base + 288L * b, p = h + 32;
            ShortVector s0 = IntVector.broadcast(I16, x8[db]).reinterpretAsShorts();
            ShortVector s1 = IntVector.broadcast(I16, x8[db + nb]).reinterpretAsShorts();
            ShortVector s2 = IntVector.broadcast(I16, x8[db + 2 * nb]).reinterpretAsShorts();
            ShortVector s3 = IntVector.broadcast(I16, x8[db + 3 * nb]).reinterpretAsShorts();
            for (int k = 0; k < 8; k++) {
                ShortVector n = (ShortVector) ByteVector.fromMemorySegment(B32, data, p + 32 * k, LE).convertShape(ZERO_EXTEND_B2S, S32, 0);
                ShortVector lo = n.and((short) 15), hi = n.lanewise(LSHR, 4);
                int x = xo + k;
                s0 = s0.add(lo.mul(IntVector.broadcast(I16, xp[x]).reinterpretAsShorts()))
                        .add(hi.mul(IntVector.broadcast(I16, xp[x + 8]).reinterpretAsShorts()));
                s1 = s1.add(lo.mul(IntVector.broadcast(I16, xp[x + half]).reinterpretAsShorts()))
                        .add(hi.mul(IntVector.broadcast(I16, xp[x + half + 8]).reinterpretAsShorts()));
                s2 = s2.add(lo.mul(IntVector.broadcast(I16, xp[x + 2 * half]).reinterpretAsShorts()))
                        .add(hi.mul(IntVector.broadcast(I16, xp[x + 2 * half + 8]).reinterpretAsShorts()));
                s3 = s3.add(lo.mul(IntVector.broadcast(I16, xp[x + 3 * half]).reinterpretAsShorts()))
                        .add(hi.mul(IntVector.broadcast(I16, xp[x + 3 * half + 8]).reinterpretAsShorts()));
            }
            IntVector bits = (IntVector) ShortVector.fromMemorySegment(S, data, h, LE).convertShape(S2I, I16, 0);
            FloatVector d;
            if (bits.and(0x7C00).compare(VectorOperators.EQ, 0x7C00).anyTrue()) {
                for (int k = 0; k < 16; k++) lanes[k] = f16(data, h + 2 * k);
                d = FloatVector.fromArray(F, lanes, 0);
            } else {
                d = bits.lanewise(LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            }
            // Pair sums written out: as a helper, C2 stopped inlining it (NodeCountInliningCutoff) and boxed.
            IntVector t0 = s0.reinterpretAsInts(), t1 = s1.reinterpretAsInts(), t2 = s2.reinterpretAsInts(), t3 = s3.reinterpretAsInts();
            t0 = t0.lanewise(LSHL, 16).add(t0).lanewise(ASHR, 16);
            t1 = t1.lanewise(LSHL, 16).add(t1).lanewise(ASHR, 16);
            t2 = t2.lanewise(LSHL, 16).add(t2).lanewise(ASHR, 16);
            t3 = t3.lanewise(LSHL, 16).add(t3).lanewise(ASHR, 16);
            acc0 = ((FloatVector) t0.convert(I2F, 0)).fma(d.mul(xd[db]), acc0);
            acc1 = ((FloatVector) t1.convert(I2F, 0)).fma(d.mul(xd[db + nb]), acc1);
            acc2 = ((FloatVector) t2.convert(I2F, 0)).fma(d.mul(xd[db + 2 * nb]), acc2);
            acc3 = ((FloatVector) t3.convert(I2F, 0)).fma(d.mul(xd[db + 3 * nb]), acc3);
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + stride);
        acc2.intoArray(out, o + 2 * stride);
        acc3.intoArray(out, o + 3 * stride);
    }

    /**
     * {@link #dot16Int4} for the two groups of rows {@code r .. r+31}: each broadcast of an activation pair serves
     * 32 rows instead of 16. In prefill the broadcasts were a third of the kernel's vector operations (one per
     * multiply of 32 shorts), and on Zen 4 a broadcast costs about what the multiply does (a loop of 512-bit
     * short multiplies and adds: 280 Gop/s on one core; with one broadcast per multiply 166). The scales of both
     * groups are in {@code lanes}, widened once per batch by {@link #prepareGroupsInt4}. Per row and token the
     * arithmetic is {@link #dot16Int}'s, bit for bit. The 8 pair sums are written out, not a helper: C2 leaves a
     * helper that takes or returns vectors out of line in a method this large and boxes them.
     */
    private void dot32Int4(int r, Int8Activations a, int token, float[] out, int o, int stride, float[] lanes) {
        long base0 = r * rowBytes, base1 = base0 + 16 * rowBytes;
        int[] xp = a.pairs, x8 = a.neg8;
        float[] xd = a.scale;
        int half = cols / 2, xo = token * half, db = token * blocksPerRow, nb = blocksPerRow, sc = 5 * L;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        for (int b = 0; b < nb; b++, xo += 16, db++) {
            long p0 = base0 + 288L * b + 32, p1 = base1 + 288L * b + 32;
            ShortVector s00 = IntVector.broadcast(I16, x8[db]).reinterpretAsShorts(), s10 = s00;
            ShortVector s01 = IntVector.broadcast(I16, x8[db + nb]).reinterpretAsShorts(), s11 = s01;
            ShortVector s02 = IntVector.broadcast(I16, x8[db + 2 * nb]).reinterpretAsShorts(), s12 = s02;
            ShortVector s03 = IntVector.broadcast(I16, x8[db + 3 * nb]).reinterpretAsShorts(), s13 = s03;
            for (int k = 0; k < 8; k++) {
                ShortVector n0 = (ShortVector) ByteVector.fromMemorySegment(B32, data, p0 + 32 * k, LE).convertShape(ZERO_EXTEND_B2S, S32, 0);
                ShortVector n1 = (ShortVector) ByteVector.fromMemorySegment(B32, data, p1 + 32 * k, LE).convertShape(ZERO_EXTEND_B2S, S32, 0);
                ShortVector lo0 = n0.and((short) 15), hi0 = n0.lanewise(LSHR, 4), lo1 = n1.and((short) 15), hi1 = n1.lanewise(LSHR, 4);
                int x = xo + k;
                ShortVector xl = IntVector.broadcast(I16, xp[x]).reinterpretAsShorts(), xh = IntVector.broadcast(I16, xp[x + 8]).reinterpretAsShorts();
                s00 = s00.add(lo0.mul(xl)).add(hi0.mul(xh));
                s10 = s10.add(lo1.mul(xl)).add(hi1.mul(xh));
                x += half;
                xl = IntVector.broadcast(I16, xp[x]).reinterpretAsShorts();
                xh = IntVector.broadcast(I16, xp[x + 8]).reinterpretAsShorts();
                s01 = s01.add(lo0.mul(xl)).add(hi0.mul(xh));
                s11 = s11.add(lo1.mul(xl)).add(hi1.mul(xh));
                x += half;
                xl = IntVector.broadcast(I16, xp[x]).reinterpretAsShorts();
                xh = IntVector.broadcast(I16, xp[x + 8]).reinterpretAsShorts();
                s02 = s02.add(lo0.mul(xl)).add(hi0.mul(xh));
                s12 = s12.add(lo1.mul(xl)).add(hi1.mul(xh));
                x += half;
                xl = IntVector.broadcast(I16, xp[x]).reinterpretAsShorts();
                xh = IntVector.broadcast(I16, xp[x + 8]).reinterpretAsShorts();
                s03 = s03.add(lo0.mul(xl)).add(hi0.mul(xh));
                s13 = s13.add(lo1.mul(xl)).add(hi1.mul(xh));
            }
            FloatVector d0 = FloatVector.fromArray(F, lanes, sc + 32 * b), d1 = FloatVector.fromArray(F, lanes, sc + 32 * b + 16);
            float x0 = xd[db], x1 = xd[db + nb], x2 = xd[db + 2 * nb], x3 = xd[db + 3 * nb];
            IntVector t;
            t = s00.reinterpretAsInts();
            a00 = ((FloatVector) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).convert(I2F, 0)).fma(d0.mul(x0), a00);
            t = s01.reinterpretAsInts();
            a01 = ((FloatVector) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).convert(I2F, 0)).fma(d0.mul(x1), a01);
            t = s02.reinterpretAsInts();
            a02 = ((FloatVector) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).convert(I2F, 0)).fma(d0.mul(x2), a02);
            t = s03.reinterpretAsInts();
            a03 = ((FloatVector) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).convert(I2F, 0)).fma(d0.mul(x3), a03);
            t = s10.reinterpretAsInts();
            a10 = ((FloatVector) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).convert(I2F, 0)).fma(d1.mul(x0), a10);
            t = s11.reinterpretAsInts();
            a11 = ((FloatVector) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).convert(I2F, 0)).fma(d1.mul(x1), a11);
            t = s12.reinterpretAsInts();
            a12 = ((FloatVector) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).convert(I2F, 0)).fma(d1.mul(x2), a12);
            t = s13.reinterpretAsInts();
            a13 = ((FloatVector) t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).convert(I2F, 0)).fma(d1.mul(x3), a13);
        }
        a00.intoArray(out, o);
        a01.intoArray(out, o + stride);
        a02.intoArray(out, o + 2 * stride);
        a03.intoArray(out, o + 3 * stride);
        a10.intoArray(out, o + 16);
        a11.intoArray(out, o + stride + 16);
        a12.intoArray(out, o + 2 * stride + 16);
        a13.intoArray(out, o + 3 * stride + 16);
    }

    /**
     * {@link #dot8Int}'s arithmetic on the file's layout ({@code --no-repack}, or a row count that is not a
     * multiple of the group size), 4 rows at a time: per block, the 16 bytes widened to shorts, low nibbles times the
     * activations' first 16 shorts, high nibbles times the last 16 ({@code |n·q| <= 1905}, so two products and
     * then a pair of those fit 16 bits), the 8 int lanes summed to the block's {@code sum(n·q)}, then
     * {@code -8·sum(q)} added: the exact {@code sumi} of {@link #dot8Int}.
     */
    @Override
    void dot4Int(int r, Int8Activations a, int token, float[] out, int o, float[] lanes) {
        long r0 = r * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
        short[] xq = a.q;
        int[] x8 = a.neg8;
        float[] xd = a.scale;
        int xo = token * cols, db = token * blocksPerRow;
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (int b = 0; b < blocksPerRow; b++, xo += 32, db++) {
            long bo = b * 18L;
            ShortVector lo = ShortVector.fromArray(S, xq, xo), hi = ShortVector.fromArray(S, xq, xo + 16);
            float dx = xd[db];
            int off = (short) x8[db];
            float d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, r0 + bo));
            ShortVector n = (ShortVector) ByteVector.fromMemorySegment(B, data, r0 + bo + 2, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
            IntVector t = n.and((short) 15).mul(lo).add(n.lanewise(LSHR, 4).mul(hi)).reinterpretAsInts();
            a0 = Math.fma((float) (t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).reduceLanes(ADD) + off), d * dx, a0);
            d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, r1 + bo));
            n = (ShortVector) ByteVector.fromMemorySegment(B, data, r1 + bo + 2, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
            t = n.and((short) 15).mul(lo).add(n.lanewise(LSHR, 4).mul(hi)).reinterpretAsInts();
            a1 = Math.fma((float) (t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).reduceLanes(ADD) + off), d * dx, a1);
            d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, r2 + bo));
            n = (ShortVector) ByteVector.fromMemorySegment(B, data, r2 + bo + 2, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
            t = n.and((short) 15).mul(lo).add(n.lanewise(LSHR, 4).mul(hi)).reinterpretAsInts();
            a2 = Math.fma((float) (t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).reduceLanes(ADD) + off), d * dx, a2);
            d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, r3 + bo));
            n = (ShortVector) ByteVector.fromMemorySegment(B, data, r3 + bo + 2, LE).convertShape(ZERO_EXTEND_B2S, S, 0);
            t = n.and((short) 15).mul(lo).add(n.lanewise(LSHR, 4).mul(hi)).reinterpretAsInts();
            a3 = Math.fma((float) (t.lanewise(LSHL, 16).add(t).lanewise(ASHR, 16).reduceLanes(ADD) + off), d * dx, a3);
        }
        out[o] = a0;
        out[o + 1] = a1;
        out[o + 2] = a2;
        out[o + 3] = a3;
    }

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
        if (r < groupedRows && chunkBytes == 2) {
            decodePairRow(r, dst, off, step);
            return;
        }
        long scale = scaleAt(r), nib = quantsAt(r), scaleStep = scaleStep(r), nibStep = quantStep(r);
        for (int blk = 0; blk < blocksPerRow; blk++, scale += scaleStep, nib += nibStep) {
            decodeQuants(data, nib, f16(data, scale), dst, off, blk, step);
        }
    }

    /** Block {@code blk} of a row, its 16 quant bytes at {@code src[nib ..]}, into the row at {@code dst[off ..]}. */
    @Override
    void decodeQuants(MemorySegment src, long nib, float d, float[] dst, int off, int blk, int step) {
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
}
