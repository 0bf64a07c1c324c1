package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.kernels.CacheWarmer;
import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.B2F;

/** ggml Q8_0: blocks of 32 elements, {@code f16 d} then 32 {@code int8 q}; value = {@code q * d}. */
final class Q8_0Matrix extends BlockMatrix {
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    Q8_0Matrix(Tensor t, boolean repack) {
        super(t, DType.Q8_0, repack && (L == 8 || L == 16 && DType.Q8_0.bytesFor(t.shape()[t.shape().length - 1]) > TOUCH_MAX_ROW_BYTES));
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
            else if (L == 8) dot4GroupedEight(r, x, xOff, out, o, lanes);
            else dot4Grouped(r, x, xOff, out, o, lanes, ahead);
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
     * One group of 4 rows ({@link BlockMatrix#group}); the order and the results are {@link #dot4}'s. Only rows
     * longer than {@link #TOUCH_MAX_ROW_BYTES}, which decode warms in bursts, are grouped: 256x1024 in cache, one
     * core, 47.7 -> 56 GFLOP/s; 4B Q8_0 (2.7 and 10 KB rows) tg 7.05, 7.35 -> 8.05, 8.43 tok/s. 0.6B's 1 KB rows,
     * streamed while touching the next group, lost when grouped (tg 44.3, 46.7 -> 38.4, 38.5 without touching,
     * 35-40 with, alternating rounds), so they keep the file's layout.
     */
    private void dot4Grouped(int r, float[] x, int xOff, float[] out, int o, float[] lanes, long ahead) {
        long base = r * rowBytes, quants = base + 8L * blocksPerRow;
        int scales = 5 * L;
        widenScales(base, lanes, scales);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < blocksPerRow; b++) {
            long q = quants + b * 128L;
            int xo = xOff + 32 * b, s = scales + 4 * b;
            FloatVector lo = FloatVector.fromArray(F, x, xo), hi = FloatVector.fromArray(F, x, xo + 16);
            float d = lanes[s];
            a0 = ((FloatVector) ByteVector.fromMemorySegment(B, data, q, LE).convertShape(B2F, F, 0)).mul(d).fma(lo, a0);
            a0 = ((FloatVector) ByteVector.fromMemorySegment(B, data, q + 16, LE).convertShape(B2F, F, 0)).mul(d).fma(hi, a0);
            d = lanes[s + 1];
            a1 = ((FloatVector) ByteVector.fromMemorySegment(B, data, q + 32, LE).convertShape(B2F, F, 0)).mul(d).fma(lo, a1);
            a1 = ((FloatVector) ByteVector.fromMemorySegment(B, data, q + 48, LE).convertShape(B2F, F, 0)).mul(d).fma(hi, a1);
            d = lanes[s + 2];
            a2 = ((FloatVector) ByteVector.fromMemorySegment(B, data, q + 64, LE).convertShape(B2F, F, 0)).mul(d).fma(lo, a2);
            a2 = ((FloatVector) ByteVector.fromMemorySegment(B, data, q + 80, LE).convertShape(B2F, F, 0)).mul(d).fma(hi, a2);
            d = lanes[s + 3];
            a3 = ((FloatVector) ByteVector.fromMemorySegment(B, data, q + 96, LE).convertShape(B2F, F, 0)).mul(d).fma(lo, a3);
            a3 = ((FloatVector) ByteVector.fromMemorySegment(B, data, q + 112, LE).convertShape(B2F, F, 0)).mul(d).fma(hi, a3);
        }
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
        long scale = scaleAt(r), src = quantsAt(r), scaleStep = scaleStep(r), quantStep = quantStep(r);
        for (int blk = 0; blk < blocksPerRow; blk++, scale += scaleStep, src += quantStep) {
            float d = f16(data, scale);
            for (int e = 0; e < 32; e += BYTES.length()) {
                ByteVector q = ByteVector.fromMemorySegment(BYTES, data, src + e, LE);
                for (int p = 0; p < BYTE_PARTS; p++) {
                    ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, at(off, 32 * blk + e + p * L, step));
                }
            }
        }
    }
}
