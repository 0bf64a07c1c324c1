package io.fangwusha.core.kernels;

import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * BF16 weights. A bf16 is the upper half of a float32, so a full-width int load of 2·L bf16 values gives two
 * exact float vectors without any lane conversion: the even elements ({@code bits << 16}) and the odd ones
 * ({@code bits & 0xffff0000}). The activation is split the same way once per call (per 2·L chunk: evens then
 * odds), so the inner loop is load, shift, and, two FMAs.
 *
 * <p>Canonical order per (row, token), whatever the block shape: one accumulator, per chunk the even FMA then the
 * odd FMA, a lane reduction, then the scalar tail — batch-invariant like every dense kernel.
 */
public final class Bf16Matrix extends DenseMatrix {
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = F.length();
    private static final int CHUNK = 2 * L;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ThreadLocal<float[][]> SPLIT = ThreadLocal.withInitial(() -> new float[1][0]);
    /**
     * From this batch size on, rows are widened once into a float tile ({@link PackedTile}); below it the register
     * blocks (2x4, 4x2, 4x1) are faster: widening is a separate pass that nothing overlaps, worth it only once
     * enough tokens reuse the panel (3072x1024, 1 thread, GFLOP/s blocks / packed: batch 16 61.5 / 49, batch 32
     * 48 / 50). An in-register 4x4 block (each row loaded once, even halves then odd) was tried: C2 boxes its
     * vectors and it ran at 13 GFLOP/s.
     */
    private static final int PACK_MIN_BATCH = 32;
    /**
     * Widest rows that decode with {@link #multiplyOneToken}. Qwen3-0.6B, tg tok/s, 2 threads, 4-row blocks / one
     * loop, alternating: all matrices 29.6, 26.7 / 35.0, 34.3; with this limit (its 3072-column {@code down_proj}
     * back on 4-row blocks) 25.5, 26.1 / 32.2, 31.6. Qwen3-4B (2560, 4096 and 9728 columns) all on one loop lost:
     * 4.70, 6.13, 6.06, 4.79 / 4.29, 4.43, 4.09, 4.49. One row at a time reads each activation vector once per
     * row instead of once per 4 rows, and 4B's are 10-38 KB, so they leave L1. Up to 2560 columns (4B's q, k, v,
     * gate and up, 10 KB of activations) it pays (Zen 4, 4B tg32 tok/s, 4-row blocks / one loop up to 2560,
     * alternating: 3.45, 3.54, 3.17 / 4.02, 3.69, 3.38; one core, 9728x2560 from DRAM, GB/s, 4 forks each: 13.6,
     * 18.1, 16.9, 15.6 / 22.0, 14.7, 20.7, 23.9); with 4B's o_proj (4096) or everything on it too, 4B tg fell
     * again (3.57, 4.14 / 3.42, 3.62 / 3.35, 3.25).
     */
    private static final int ONE_LOOP_MAX_COLS = 2560;

    private final MemorySegment data;
    private final int chunkCols;

    Bf16Matrix(Tensor t) {
        super(t);
        this.data = t.data();
        this.chunkCols = cols - cols % CHUNK;
    }

    @Override
    protected FloatVector load(long index) {
        throw new UnsupportedOperationException("Bf16Matrix multiplies with its own split kernel");
    }

    @Override
    protected float scalar(long index) {
        return Float.intBitsToFloat((data.get(LE_SHORT, index * 2) & 0xffff) << 16);
    }

    @Override
    public void readRow(int row, float[] dst, int offset) {
        long base = (long) row * cols;
        for (int c = 0; c < cols; c++) dst[offset + c] = scalar(base + c);
    }

    @Override
    public void multiply(float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        if (batch >= PACK_MIN_BATCH) {
            multiplyPacked(x, batch, out, rowStart, rowEnd);
            return;
        }
        float[] xs = split(x, batch, chunkCols);
        if (batch == 1 && chunkCols == cols && cols <= ONE_LOOP_MAX_COLS) {
            multiplyOneToken(xs, out, rowStart, rowEnd);
            return;
        }
        int step = CacheWarmer.rowsPerChunk(2L * cols, 4, CacheWarmer.CHUNK_BYTES);
        int r = rowStart;
        for (; r + 4 <= rowEnd; r += 4) {
            if ((r - rowStart) % step == 0) {
                long from = 2L * r * cols;
                CacheWarmer.warm(data, from, from + 2L * cols * Math.min(step, (rowEnd - r) & ~3));
            }
            // 4 rows stay in L1 while every token passes over them, 4, 2 or 1 tokens per register block.
            int b = 0;
            for (; b + 4 <= batch; b += 4) {
                float[] lanes = LANES.get();
                block2x4(xs, b, r, lanes, 0);
                block2x4(xs, b, r + 2, lanes, 2);
                finishLanes(lanes, out, b, r, x, 4);
            }
            for (; b + 2 <= batch; b += 2) block4x2(xs, x, b, out, r);
            for (; b < batch; b++) block4x1(xs, x, b, out, r);
        }
        for (; r < rowEnd; r++) {
            for (int b = 0; b < batch; b++) out[b * rows + r] = dot1(xs, x, b, r, LANES.get());
        }
    }

    /**
     * Decode (one token, rows without a scalar tail): one loop over all of the range's bytes, a row at a time in
     * the canonical order, the accumulator reduced and reset where a row ends. C2 compiles a loop per row into a
     * pre-loop, an unrolled main loop and a post-loop entered anew for every 2 KB row, and that streamed far
     * worse than one long loop over the same loads: 1 GB of 1024-column rows, 2048-row matrices with a barrier
     * between them, GB/s, 1 thread / 2 threads: 4-row blocks with 4 KB warm bursts 20.0 / 33-36, this loop (no
     * warming) 27.3 / 42-46; gcc's one-row loop called through FFM 31-35 / 42-45. Only for rows up to
     * {@link #ONE_LOOP_MAX_COLS}.
     */
    private void multiplyOneToken(float[] xs, float[] out, int rowStart, int rowEnd) {
        float[] lanes = LANES.get();
        long rowBytes = 2L * cols;
        long o = rowStart * rowBytes, end = rowEnd * rowBytes, nextRow = o + rowBytes;
        int r = rowStart, c = 0;
        FloatVector a = FloatVector.zero(F);
        for (; o < end; o += 2 * CHUNK, c += CHUNK) {
            IntVector w = IntVector.fromMemorySegment(I, data, o, ByteOrder.LITTLE_ENDIAN);
            a = odd(w).fma(FloatVector.fromArray(F, xs, c + L), even(w).fma(FloatVector.fromArray(F, xs, c), a));
            if (o + 2 * CHUNK == nextRow) {
                a.intoArray(lanes, 0);
                out[r++] = VectorMath.sumLanesScalar(lanes, 0, L);
                a = FloatVector.zero(F);
                c = -CHUNK;
                nextRow += rowBytes;
            }
        }
    }

    private void multiplyPacked(float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        PackedTile.Scratch s = PackedTile.scratch();
        s.layOut(x, batch, cols, chunkCols, true);
        float[] w = s.panel(chunkCols), tails = s.tails(cols - chunkCols);
        for (int r = rowStart; r < rowEnd; r += PackedTile.PANEL_ROWS) {
            int n = Math.min(PackedTile.PANEL_ROWS, rowEnd - r);
            CacheWarmer.warm(data, 2L * r * cols, 2L * (r + n) * cols);
            for (int k = 0; k < n; k++) {
                widen(r + k, w, PackedTile.rowOffset(n, k, chunkCols), PackedTile.chunkStep(n, k), tails, k * (cols - chunkCols));
            }
            PackedTile.multiply(s, n, cols, chunkCols, x, batch, out, rows, r);
        }
    }

    /**
     * Row {@code r} as float32 in the split order of {@link #split} (evens then odds per chunk), {@code L}-float
     * chunk {@code j} at {@code w[off + j·step]}; the tail in order at {@code tails[tailOff ..]}.
     */
    private void widen(int r, float[] w, int off, int step, float[] tails, int tailOff) {
        long base = (long) r * cols;
        // Byte offsets in a long induction variable: the loop form in which C2 hoists the segment's bounds checks
        // (an int column index converted per load made this loop cost more than the FMAs of 4 tokens).
        long start = base * 2, end = start + chunkCols * 2L;
        for (long o = start; o < end; o += 2 * CHUNK, off += 2 * step) {
            IntVector bits = IntVector.fromMemorySegment(I, data, o, ByteOrder.LITTLE_ENDIAN);
            even(bits).intoArray(w, off);
            odd(bits).intoArray(w, off + step);
        }
        for (int c = chunkCols; c < cols; c++) tails[tailOff + c - chunkCols] = scalar(base + c);
    }

    /** Per activation row ({@code stride} apart) and per 2·L chunk: the even elements, then the odd ones. */
    private float[] split(float[] x, int batch, int stride) {
        float[][] holder = SPLIT.get();
        if (holder[0].length < batch * stride) holder[0] = new float[batch * stride];
        float[] xs = holder[0];
        for (int b = 0; b < batch; b++) {
            PackedTile.splitEvenOdd(x, b * cols, chunkCols, xs, b * stride, CHUNK, L);
        }
        return xs;
    }

    private static FloatVector even(IntVector bits) {
        return bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static FloatVector odd(IntVector bits) {
        return bits.and(0xffff0000).reinterpretAsFloats();
    }

    private IntVector bits(long element) {
        return IntVector.fromMemorySegment(I, data, element * 2, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * 2 rows × 4 tokens: each widened weight vector feeds 4 FMAs, as in a 4x4 block, with 8 accumulators — few
     * enough that C2 keeps every vector in a register (a 4x4 in-register block got boxed: 13 GFLOP/s). All 8
     * activation vectors of a chunk are loaded first; loading the odd ones between the even and odd FMAs ran at
     * 50 instead of 70 GFLOP/s per core (3072x1024, batch 8). Leaves its accumulators at
     * {@code lanes[(4·token + k0 + row)·L]} for {@link #finishLanes}.
     */
    private void block2x4(float[] xs, int b, int r, float[] lanes, int k0) {
        long rb = cols * 2L, r0 = (long) r * rb, r1 = r0 + rb;
        int x0 = b * chunkCols, x1 = x0 + chunkCols, x2 = x1 + chunkCols, x3 = x2 + chunkCols;
        long end = chunkCols * 2L;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        for (long o = 0; o < end; o += 2 * CHUNK) {
            int xi = (int) (o >>> 1);
            IntVector w = IntVector.fromMemorySegment(I, data, r0 + o, ByteOrder.LITTLE_ENDIAN);
            IntVector v = IntVector.fromMemorySegment(I, data, r1 + o, ByteOrder.LITTLE_ENDIAN);
            FloatVector e0 = FloatVector.fromArray(F, xs, x0 + xi), e1 = FloatVector.fromArray(F, xs, x1 + xi);
            FloatVector e2 = FloatVector.fromArray(F, xs, x2 + xi), e3 = FloatVector.fromArray(F, xs, x3 + xi);
            FloatVector d0 = FloatVector.fromArray(F, xs, x0 + xi + L), d1 = FloatVector.fromArray(F, xs, x1 + xi + L);
            FloatVector d2 = FloatVector.fromArray(F, xs, x2 + xi + L), d3 = FloatVector.fromArray(F, xs, x3 + xi + L);
            FloatVector u = even(w), t = odd(w);
            a00 = t.fma(d0, u.fma(e0, a00)); a01 = t.fma(d1, u.fma(e1, a01)); a02 = t.fma(d2, u.fma(e2, a02)); a03 = t.fma(d3, u.fma(e3, a03));
            u = even(v);
            t = odd(v);
            a10 = t.fma(d0, u.fma(e0, a10)); a11 = t.fma(d1, u.fma(e1, a11)); a12 = t.fma(d2, u.fma(e2, a12)); a13 = t.fma(d3, u.fma(e3, a13));
        }
        a00.intoArray(lanes, k0 * L); a10.intoArray(lanes, (k0 + 1) * L);
        a01.intoArray(lanes, (4 + k0) * L); a11.intoArray(lanes, (5 + k0) * L);
        a02.intoArray(lanes, (8 + k0) * L); a12.intoArray(lanes, (9 + k0) * L);
        a03.intoArray(lanes, (12 + k0) * L); a13.intoArray(lanes, (13 + k0) * L);
    }

    /** Per-thread parking for a block's accumulators: 16 of them, then the 16 reduced sums of {@link #finishLanes}. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[17 * L]);

    /**
     * 4 rows × 2 tokens: each widened weight vector feeds both tokens. The accumulators leave through
     * {@code intoArray} only (passing vectors to a call C2 does not inline would box them in the loop), then
     * {@link #finishLanes} sums them in the canonical order, so results equal {@link #block4x1}'s bit for bit.
     * (A 4x4 block with the same scheme ran 3x slower: 16 accumulators plus 8 activation vectors spill.)
     */
    private void block4x2(float[] xs, float[] x, int b, float[] out, int r) {
        long rb = cols * 2L, r0 = (long) r * rb, r1 = r0 + rb, r2 = r1 + rb, r3 = r2 + rb;
        int x0 = b * chunkCols, x1 = x0 + chunkCols;
        long end = chunkCols * 2L;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (long o = 0; o < end; o += 2 * CHUNK) {
            int xi = (int) (o >>> 1);
            FloatVector e0 = FloatVector.fromArray(F, xs, x0 + xi), d0 = FloatVector.fromArray(F, xs, x0 + xi + L);
            FloatVector e1 = FloatVector.fromArray(F, xs, x1 + xi), d1 = FloatVector.fromArray(F, xs, x1 + xi + L);
            IntVector w = IntVector.fromMemorySegment(I, data, r0 + o, ByteOrder.LITTLE_ENDIAN);
            FloatVector we = even(w), wo = odd(w);
            a00 = wo.fma(d0, we.fma(e0, a00));
            a01 = wo.fma(d1, we.fma(e1, a01));
            w = IntVector.fromMemorySegment(I, data, r1 + o, ByteOrder.LITTLE_ENDIAN);
            we = even(w);
            wo = odd(w);
            a10 = wo.fma(d0, we.fma(e0, a10));
            a11 = wo.fma(d1, we.fma(e1, a11));
            w = IntVector.fromMemorySegment(I, data, r2 + o, ByteOrder.LITTLE_ENDIAN);
            we = even(w);
            wo = odd(w);
            a20 = wo.fma(d0, we.fma(e0, a20));
            a21 = wo.fma(d1, we.fma(e1, a21));
            w = IntVector.fromMemorySegment(I, data, r3 + o, ByteOrder.LITTLE_ENDIAN);
            we = even(w);
            wo = odd(w);
            a30 = wo.fma(d0, we.fma(e0, a30));
            a31 = wo.fma(d1, we.fma(e1, a31));
        }
        float[] lanes = LANES.get();
        a00.intoArray(lanes, 0);
        a10.intoArray(lanes, L);
        a20.intoArray(lanes, 2 * L);
        a30.intoArray(lanes, 3 * L);
        a01.intoArray(lanes, 4 * L);
        a11.intoArray(lanes, 5 * L);
        a21.intoArray(lanes, 6 * L);
        a31.intoArray(lanes, 7 * L);
        finishLanes(lanes, out, b, r, x, 2);
    }

    /**
     * Canonical end of a 4-row block over {@code tokens} tokens ({@code lanes} token-major, 4 rows per token):
     * {@link VectorMath#sumLanes}' tree — 16 or 4 accumulators at once where vectors have 16 lanes — then the tail.
     */
    private void finishLanes(float[] lanes, float[] out, int b, int r, float[] x, int tokens) {
        int n = 4 * tokens;
        boolean vector = VectorMath.SIXTEEN_LANES && (n == 16 || n == 4);
        if (vector && n == 16) VectorMath.sumLanesOf16(lanes, 0, lanes, 16 * L);
        if (vector && n == 4) VectorMath.sumLanesOf4(lanes, 0, lanes, 16 * L);
        for (int t = 0; t < tokens; t++) {
            for (int k = 0; k < 4; k++) {
                int a = t * 4 + k;
                float s = vector ? lanes[16 * L + a] : VectorMath.sumLanesScalar(lanes, a * L, L);
                long w0 = (long) (r + k) * cols;
                int xo = (b + t) * cols;
                for (int c = chunkCols; c < cols; c++) s += scalar(w0 + c) * x[xo + c];
                out[(b + t) * rows + r + k] = s;
            }
        }
    }


    private void block4x1(float[] xs, float[] x, int b, float[] out, int r) {
        // Byte offsets in one long induction variable (with the activation index derived from it), the form in
        // which C2 hoists the segment bounds checks out of the loop.
        long rb = cols * 2L, r0 = (long) r * rb, r1 = r0 + rb, r2 = r1 + rb, r3 = r2 + rb;
        int x0 = b * chunkCols;
        long end = chunkCols * 2L;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (long o = 0; o < end; o += 2 * CHUNK) {
            int xi = x0 + (int) (o >>> 1);
            FloatVector e = FloatVector.fromArray(F, xs, xi), od = FloatVector.fromArray(F, xs, xi + L);
            IntVector w = IntVector.fromMemorySegment(I, data, r0 + o, ByteOrder.LITTLE_ENDIAN);
            a0 = odd(w).fma(od, even(w).fma(e, a0));
            w = IntVector.fromMemorySegment(I, data, r1 + o, ByteOrder.LITTLE_ENDIAN);
            a1 = odd(w).fma(od, even(w).fma(e, a1));
            w = IntVector.fromMemorySegment(I, data, r2 + o, ByteOrder.LITTLE_ENDIAN);
            a2 = odd(w).fma(od, even(w).fma(e, a2));
            w = IntVector.fromMemorySegment(I, data, r3 + o, ByteOrder.LITTLE_ENDIAN);
            a3 = odd(w).fma(od, even(w).fma(e, a3));
        }
        float[] lanes = LANES.get();
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        a2.intoArray(lanes, 2 * L);
        a3.intoArray(lanes, 3 * L);
        finishLanes(lanes, out, b, r, x, 1);
    }

    private float dot1(float[] xs, float[] x, int b, int r, float[] lanes) {
        long w0 = (long) r * cols;
        int x0 = b * chunkCols;
        FloatVector a = FloatVector.zero(F);
        for (int c = 0; c < chunkCols; c += CHUNK) {
            IntVector w = bits(w0 + c);
            a = odd(w).fma(FloatVector.fromArray(F, xs, x0 + c + L), even(w).fma(FloatVector.fromArray(F, xs, x0 + c), a));
        }
        a.intoArray(lanes, 0);
        float s = VectorMath.sumLanesScalar(lanes, 0, L);
        for (int c = chunkCols; c < cols; c++) s += scalar(w0 + c) * x[b * cols + c];
        return s;
    }
}
