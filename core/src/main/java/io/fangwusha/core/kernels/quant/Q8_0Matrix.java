package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.kernels.CacheWarmer;
import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.MemorySegment;
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
import static jdk.incubator.vector.VectorOperators.B2S;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.S2I;

/** ggml Q8_0: blocks of 32 elements, {@code f16 d} then 32 {@code int8 q}; value = {@code q * d}. */
final class Q8_0Matrix extends BlockMatrix {
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S32 = ShortVector.SPECIES_512;
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I16 = IntVector.SPECIES_512;

    Q8_0Matrix(Tensor t, boolean repack) {
        super(t, DType.Q8_0, groupSize(t, repack), 2, groupSize(t, repack) == 16 ? 2 : 32);
    }

    /**
     * 16 lanes: 16-row groups of byte pairs for the integer decode kernel ({@link #dot16Int}), for a multiple of 16
     * rows (every real matrix); other row counts keep the file's layout and float activations ({@link #dot4}). 8
     * lanes: 4-row groups ({@link #dot4GroupedEight}).
     */
    private static int groupSize(Tensor t, boolean repack) {
        long rows = t.shape().length == 1 ? 1 : t.rows();
        return !repack ? 0 : L == 16 ? (rows % 16 == 0 ? 16 : 0) : L == 8 ? 4 : 0;
    }

    /**
     * In 16-row groups decode rounds the activations to int8 blocks, as llama.cpp's Q8_0 x Q8_0 dot does: 0.6B Q8_0
     * tg 27.2, 27.9 -> 42.6, 37.7 tok/s (2 threads, Zen 4, alternating). Prefill keeps float activations: there the
     * float tile's multiply-adds beat the integer kernel's 16-bit products and pair sums (one Zen 4 core, batch 64,
     * 1024x1024: 94 against 60 GFLOP/s).
     */
    @Override
    public boolean int8Decode() {
        return groupedRows > 0 && chunkBytes == 2;
    }

    @Override
    void dotGroupInt(int r, Int8Activations a, int token, float[] out, int o, float[] lanes) {
        dot16Int(r, a, token, out, o, lanes);
    }

    /**
     * 16 rows of the 16-row layout with int8 activations, as llama.cpp's Q8_0 x Q8_0 dot: per block
     * {@code d_w·d_x·sum(q_w·q_x)} with the integer sum exact. A chunk is byte pair {@code k} of the 16 rows, 32
     * bytes sign-extended to 32 shorts and multiplied with activation pair {@code k} broadcast to every lane. A
     * product is at most {@code 128·127 = 16256}, so two chunks' products add in 16 bits before each lane pair is
     * summed into the row's int lane. Then one conversion and one multiply-add per block serve 16 rows.
     */
    private void dot16Int(int r, Int8Activations a, int token, float[] out, int o, float[] lanes) {
        long base = r * rowBytes;
        int[] xp = a.pairs;
        float[] xd = a.scale;
        int xo = token * cols / 2, db = token * blocksPerRow;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocksPerRow; b++, xo += 16, db++) {
            long h = base + 544L * b, p = h + 32;
            IntVector sum = IntVector.zero(I16);
            for (int k = 0; k < 16; k += 2) {
                ShortVector n0 = (ShortVector) ByteVector.fromMemorySegment(B32, data, p + 32 * k, LE).convertShape(B2S, S32, 0);
                ShortVector n1 = (ShortVector) ByteVector.fromMemorySegment(B32, data, p + 32 * k + 32, LE).convertShape(B2S, S32, 0);
                IntVector t = n0.mul(IntVector.broadcast(I16, xp[xo + k]).reinterpretAsShorts())
                        .add(n1.mul(IntVector.broadcast(I16, xp[xo + k + 1]).reinterpretAsShorts())).reinterpretAsInts();
                sum = sum.add(t.lanewise(LSHL, 16).lanewise(ASHR, 16)).add(t.lanewise(ASHR, 16));
            }
            IntVector bits = (IntVector) ShortVector.fromMemorySegment(S16, data, h, LE).convertShape(S2I, I16, 0);
            FloatVector d;
            if (bits.and(0x7C00).compare(VectorOperators.EQ, 0x7C00).anyTrue()) {
                for (int k = 0; k < 16; k++) lanes[k] = f16(data, h + 2 * k);
                d = FloatVector.fromArray(F, lanes, 0);
            } else {
                d = bits.lanewise(LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            }
            acc = ((FloatVector) sum.convert(I2F, 0)).fma(d.mul(xd[db]), acc);
        }
        acc.intoArray(out, o);
    }

    /**
     * 4 rows in flight in one loop, the block counted by an int and each half-block written out: C2 spilled the
     * offsets of a long-counted loop over nested half-block loops to the stack (~150 instructions per block of
     * 4 rows). 2048x1024 Q8_0 mapped from a file, in cache, 1 Zen 5 core: 35 -> 43 GFLOP/s. The loads and
     * conversions are spelled out rather than put in a helper: 8 call sites of one made C2 stop inlining
     * ({@code NodeCountInliningCutoff}) and box vectors, halving decode speed. On the Intel Xeon of sessions 2-3,
     * two 2-row loops beat one 4-row loop; on Zen 5 the 4-row loop wins.
     */
    @Override
    boolean streamsGroups() {
        return true;
    }

    @Override
    void dot4(int r, float[] x, int xOff, float[] out, int o, float[] lanes, long ahead) {
        if (groupedRows > 0) {
            if ((r & 3) != 0 || r + 4 > groupedRows) super.dot4(r, x, xOff, out, o, lanes, ahead);
            else dot4GroupedEight(r, x, xOff, out, o, lanes);
            return;
        }
        long r0 = r * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int touched = 0;
        // Each touch as loop-invariant base + b * 136: C2 hoists the bounds checks of that form; written as
        // (ahead + b * 136) + 64 it kept two checks per block in the loop (~100 -> ~85 instructions per block).
        long ahead64 = ahead + 64, ahead128 = ahead + 128;
        for (int b = 0; b < blocksPerRow; b++) {
            // 136 bytes of the next group per block of this one (4 x 34): a line at +0, +64 and +128 covers them.
            long t = b * 136L;
            touched += data.get(ValueLayout.JAVA_BYTE, ahead + t) + data.get(ValueLayout.JAVA_BYTE, ahead64 + t) + data.get(ValueLayout.JAVA_BYTE, ahead128 + t);
            long q = b * 34L + 2;
            int xo = xOff + 32 * b;
            // Read inline, not through f16(): one call level less for C2's inlining depth (see Q4_0Matrix.dot4).
            float d0 = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, r0 + q - 2));
            float d1 = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, r1 + q - 2));
            float d2 = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, r2 + q - 2));
            float d3 = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, r3 + q - 2));
            // With 16 lanes each half-block is one load and one vector (e = 0, p = 0), as before; with fewer,
            // BYTES-sized loads (see BlockMatrix.BYTES).
            for (int e = 0; e < 16; e += BYTES.length()) {
                for (int p = 0; p < BYTE_PARTS; p++) {
                    FloatVector xv = FloatVector.fromArray(F, x, xo + e + p * L);
                    a0 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r0 + q + e, LE).convertShape(B2F, F, p)).mul(d0).fma(xv, a0);
                    a1 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r1 + q + e, LE).convertShape(B2F, F, p)).mul(d1).fma(xv, a1);
                    a2 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r2 + q + e, LE).convertShape(B2F, F, p)).mul(d2).fma(xv, a2);
                    a3 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r3 + q + e, LE).convertShape(B2F, F, p)).mul(d3).fma(xv, a3);
                }
            }
            for (int e = 16; e < 32; e += BYTES.length()) {
                for (int p = 0; p < BYTE_PARTS; p++) {
                    FloatVector xv = FloatVector.fromArray(F, x, xo + e + p * L);
                    a0 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r0 + q + e, LE).convertShape(B2F, F, p)).mul(d0).fma(xv, a0);
                    a1 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r1 + q + e, LE).convertShape(B2F, F, p)).mul(d1).fma(xv, a1);
                    a2 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r2 + q + e, LE).convertShape(B2F, F, p)).mul(d2).fma(xv, a2);
                    a3 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r3 + q + e, LE).convertShape(B2F, F, p)).mul(d3).fma(xv, a3);
                }
            }
        }
        CacheWarmer.keep(touched);
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        a2.intoArray(lanes, 2 * L);
        a3.intoArray(lanes, 3 * L);
        sums4(lanes, out, o);
    }

    /**
     * 8 float lanes (AVX2), one group of 4 rows: the order and the results are {@link #dot4}'s. Every row is
     * grouped with 8 lanes: in the file's layout, with 16 segment loads per block of 4 rows, C2 kept a bounds
     * check per load in the loop (cmov chains, ~1000 stack accesses in the method) and ran at 6.5 GFLOP/s on a
     * Zen 1 core (1024x1024 in cache). Here the loop counts the byte offset itself, a long induction variable
     * with constant displacements, the form whose checks C2 hoists.
     */
    private void dot4GroupedEight(int r, float[] x, int xOff, float[] out, int o, float[] lanes) {
        long base = r * rowBytes, quants = base + 8L * blocksPerRow, end = quants + 128L * blocksPerRow;
        int s = 5 * L;
        widenScales(base, lanes, s);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (long q = quants; q < end; q += 128, xOff += 32, s += 4) {
            FloatVector x0 = FloatVector.fromArray(F, x, xOff), x1 = FloatVector.fromArray(F, x, xOff + 8);
            FloatVector x2 = FloatVector.fromArray(F, x, xOff + 16), x3 = FloatVector.fromArray(F, x, xOff + 24);
            float d = lanes[s];
            a0 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, q, LE).convertShape(B2F, F, 0)).mul(d).fma(x0, a0);
            a0 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, q + 8, LE).convertShape(B2F, F, 0)).mul(d).fma(x1, a0);
            a0 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, q + 16, LE).convertShape(B2F, F, 0)).mul(d).fma(x2, a0);
            a0 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, q + 24, LE).convertShape(B2F, F, 0)).mul(d).fma(x3, a0);
            d = lanes[s + 1];
            a1 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, q + 32, LE).convertShape(B2F, F, 0)).mul(d).fma(x0, a1);
            a1 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, q + 40, LE).convertShape(B2F, F, 0)).mul(d).fma(x1, a1);
            a1 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, q + 48, LE).convertShape(B2F, F, 0)).mul(d).fma(x2, a1);
            a1 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, q + 56, LE).convertShape(B2F, F, 0)).mul(d).fma(x3, a1);
            d = lanes[s + 2];
            a2 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, q + 64, LE).convertShape(B2F, F, 0)).mul(d).fma(x0, a2);
            a2 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, q + 72, LE).convertShape(B2F, F, 0)).mul(d).fma(x1, a2);
            a2 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, q + 80, LE).convertShape(B2F, F, 0)).mul(d).fma(x2, a2);
            a2 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, q + 88, LE).convertShape(B2F, F, 0)).mul(d).fma(x3, a2);
            d = lanes[s + 3];
            a3 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, q + 96, LE).convertShape(B2F, F, 0)).mul(d).fma(x0, a3);
            a3 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, q + 104, LE).convertShape(B2F, F, 0)).mul(d).fma(x1, a3);
            a3 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, q + 112, LE).convertShape(B2F, F, 0)).mul(d).fma(x2, a3);
            a3 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, q + 120, LE).convertShape(B2F, F, 0)).mul(d).fma(x3, a3);
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
        long scale = scaleAt(r), src = quantsAt(r), scaleStep = scaleStep(r), quantStep = quantStep(r);
        for (int blk = 0; blk < blocksPerRow; blk++, scale += scaleStep, src += quantStep) {
            decodeQuants(data, src, f16(data, scale), dst, off, blk, step);
        }
    }

    @Override
    void decodeQuants(MemorySegment src, long at, float d, float[] dst, int off, int blk, int step) {
        for (int e = 0; e < 32; e += BYTES.length()) {
            ByteVector q = ByteVector.fromMemorySegment(BYTES, src, at + e, LE);
            for (int p = 0; p < BYTE_PARTS; p++) {
                ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, at(off, 32 * blk + e + p * L, step));
            }
        }
    }

    /**
     * A block of a 16-row group back in rows with 2-input lane permutes ({@code vpermi2w}) instead of
     * {@link BlockMatrix#ungroup}'s long arithmetic: the block's 16 chunks (pair {@code c} of rows 0-15) are a 16x16
     * matrix of shorts in 8 vectors of two chunks; three rounds of 8 permutes transpose it, each round swapping a
     * bit of the vector index (a bit of {@code c}) with a bit of the lane index (a bit of the row), into 8 vectors
     * of two rows each. Scalar transposes held the 0.6B Q8_0 prefill to 121-138 tok/s at 128 tokens and 47 at 16.
     */
    @Override
    long ungroup(int g, int blk, MemorySegment rowsOf, long[] w) {
        if (L != 16) return super.ungroup(g, blk, rowsOf, w);
        long heads = g * rowBytes + 544L * blk, at = heads + 32;
        ShortVector v0 = ShortVector.fromMemorySegment(S32, data, at, LE), v1 = ShortVector.fromMemorySegment(S32, data, at + 64, LE);
        ShortVector v2 = ShortVector.fromMemorySegment(S32, data, at + 128, LE), v3 = ShortVector.fromMemorySegment(S32, data, at + 192, LE);
        ShortVector v4 = ShortVector.fromMemorySegment(S32, data, at + 256, LE), v5 = ShortVector.fromMemorySegment(S32, data, at + 320, LE);
        ShortVector v6 = ShortVector.fromMemorySegment(S32, data, at + 384, LE), v7 = ShortVector.fromMemorySegment(S32, data, at + 448, LE);
        // Round 1: vectors m, m+1 (chunk bit 1) swap with lane bit 1 (row bit 1).
        ShortVector x0 = LO0.selectFrom(v0, v1), x1 = HI0.selectFrom(v0, v1);
        ShortVector x2 = LO0.selectFrom(v2, v3), x3 = HI0.selectFrom(v2, v3);
        ShortVector x4 = LO0.selectFrom(v4, v5), x5 = HI0.selectFrom(v4, v5);
        ShortVector x6 = LO0.selectFrom(v6, v7), x7 = HI0.selectFrom(v6, v7);
        // Round 2: vectors m, m+2 (chunk bit 2) with lane bit 2 (row bit 2).
        v0 = LO1.selectFrom(x0, x2);
        v2 = HI1.selectFrom(x0, x2);
        v1 = LO1.selectFrom(x1, x3);
        v3 = HI1.selectFrom(x1, x3);
        v4 = LO1.selectFrom(x4, x6);
        v6 = HI1.selectFrom(x4, x6);
        v5 = LO1.selectFrom(x5, x7);
        v7 = HI1.selectFrom(x5, x7);
        // Round 3: vectors m, m+4 (chunk bit 3) with lane bit 3 (row bit 3), lanes put in row order: vector m then
        // holds rows 2m (lanes 0-15) and 2m+1, their pairs 0-15 in order.
        LO2.selectFrom(v0, v4).intoMemorySegment(rowsOf, 0, LE);
        LO2.selectFrom(v1, v5).intoMemorySegment(rowsOf, 64, LE);
        LO2.selectFrom(v2, v6).intoMemorySegment(rowsOf, 128, LE);
        LO2.selectFrom(v3, v7).intoMemorySegment(rowsOf, 192, LE);
        HI2.selectFrom(v0, v4).intoMemorySegment(rowsOf, 256, LE);
        HI2.selectFrom(v1, v5).intoMemorySegment(rowsOf, 320, LE);
        HI2.selectFrom(v2, v6).intoMemorySegment(rowsOf, 384, LE);
        HI2.selectFrom(v3, v7).intoMemorySegment(rowsOf, 448, LE);
        return heads;
    }

    /**
     * Index vectors of {@link #ungroup}'s rounds (16 lanes only): {@code LOs} builds the output with the row bit
     * {@code s+1} clear, {@code HIs} with it set; an index of 32 or more takes the second vector's lane.
     */
    private static final ShortVector LO0 = roundIndex(0, false), HI0 = roundIndex(0, true);
    private static final ShortVector LO1 = roundIndex(1, false), HI1 = roundIndex(1, true);
    private static final ShortVector LO2 = roundIndex(2, false), HI2 = roundIndex(2, true);

    private static ShortVector roundIndex(int s, boolean high) {
        if (L != 16) return null;
        short[] lo = new short[32], hi = new short[32];
        int bit = 2 << s;
        for (int l = 0; l < 32; l++) {
            if (s < 2) {
                // Lane l keeps its bits but for `bit`, which now says which vector (chunk bit) it came from.
                int from = (l & bit) != 0 ? 32 : 0;
                lo[l] = (short) (from + (l & ~bit));
                hi[l] = (short) (from + (l | bit));
            } else {
                // Before: lane = c0<<4 | j3<<3 | c2<<2 | c1<<1 | j0; after: lane = j0<<4 | c.
                int j0 = l >> 4, c = l & 15;
                int from = (c & 8) != 0 ? 32 : 0;
                int src = (c & 1) << 4 | (c & 4) | (c & 2) | j0;
                lo[l] = (short) (from + src);
                hi[l] = (short) (from + (src | 8));
            }
        }
        return ShortVector.fromArray(S32, high ? hi : lo, 0);
    }
}
