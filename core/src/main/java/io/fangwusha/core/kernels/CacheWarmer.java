package io.fangwusha.core.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Pulls a range of weight bytes into cache, one load per 64-byte line, right before a kernel computes on it.
 *
 * <p>Why: on the AMD EPYC (Zen 5) machines we benchmark on, a decode kernel streaming its rows from DRAM ran at
 * ~5 GB/s per core, a seventh of what a bare load loop reads there (36 GB/s). The hardware prefetchers do not run
 * ahead of it, so the misses in flight are only the few that fit in the reorder buffer between a kernel's ~40
 * instructions per cache line. Java has no prefetch instruction, but a loop of nothing but loads keeps dozens of
 * lines in flight. Warming ~4 KB and then computing on it from L1 ran the Q8_0 row kernel at 22.4 GFLOP/s instead
 * of 9.5 (one core, 151936x1024, mmapped), and 4B Q8_0 decode at 4.6 tok/s instead of 2.2. (Session 4 found
 * 2-16 KB within noise; session 5, with faster quantised kernels, measured 64 KB ahead for them: see
 * {@link #BLOCK_QUANT_CHUNK_BYTES}.) BF16 decode had its own touch-ahead of the next rows inside the loop;
 * warming instead ran 0.6B at 22.6-26.7 tok/s instead of 20.2 (2 threads) and 4B at 3.7-4.4 instead of 3.4
 * (both together were slower than either). The F32/F16 kernels do not warm: no model we ship runs on them.
 * Q8_0 and Q4_0 decode of rows up to 2 KB touches the next rows in address order while computing instead
 * (io.fangwusha.core.kernels.quant.BlockMatrix#multiplyStreaming): one sequential stream, which the hardware
 * prefetchers do follow, unlike the kernel's 4 interleaved row streams.
 */
public final class CacheWarmer {
    /**
     * Bytes warmed at a time by the BF16 decode kernel: small enough to stay in L1 until the kernel reaches them.
     * 0.6B BF16 tg, 4 / 16 / 64 KB: 29.4 / 26.4 / 23.6 tok/s (2 threads; 4B within noise).
     */
    public static final long CHUNK_BYTES = 4096;
    /**
     * Bytes warmed at a time by the block-quantised decode kernels, which read half or a quarter of BF16's bytes
     * per multiply-add and so keep up from L2: a longer burst keeps more lines in flight per restart. 2 threads,
     * tg tok/s, 4 / 16 / 64 KB: 0.6B Q8_0 29.5 / 34.2 / 35.6, 4B Q8_0 5.4 / 5.4 / 6.2, 0.6B Q4_0 37.2 / 39.3 / 42.2,
     * 4B Q4_0 7.05 / 6.84 / 7.58 (256 KB: no better, with byte loads). One core, 151936x1024 Q8_0 warmed then
     * computed: 4 KB 9.7-10.1 GB/s, 64 KB 11.6-12.1; warming alone, 4 KB 22 GB/s, 64 KB 37. Since the warm loop
     * loads vectors, 256 KB beats 64 KB (rows longer than {@code BlockMatrix.TOUCH_MAX_ROW_BYTES} only), 3 rounds
     * alternating: 4B Q8_0 6.34, 6.54, 6.00, 7.06, 5.95, 5.90 / 7.04, 6.98, 7.36, 6.79, 6.07, 7.06; 0.6B Q8_0 41.4,
     * 38.4, 47.3, 46.2 / 48.5, 46.3, 42.0, 47.2; 4B Q4_0 8.85, 8.94, 8.92, 8.91 / 9.05, 8.26, 9.59, 8.70.
     */
    public static final long BLOCK_QUANT_CHUNK_BYTES = 262144;
    private static final long LINE = 64;
    /** At most one cache line: each load touches exactly one line when the range is line-aligned. */
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.vectorByteSize() <= 64
            ? IntVector.SPECIES_PREFERRED : IntVector.SPECIES_512;
    @SuppressWarnings("unused")
    private static volatile long sink;

    private CacheWarmer() {}

    /**
     * Loads every cache line in {@code [from, to)} of {@code s}: one vector load per line, summed into a vector,
     * then one byte per line where a whole vector would pass {@code to}. Byte loads cost ~9 instructions per line
     * in C2's code (a bounds check each for {@code p + 64}, {@code p + 128}, ..., the sum moved through xmm
     * registers, a safepoint poll); this loop ~3, so more lines are in flight. 2 threads, tg tok/s, byte / vector
     * loads, alternating: 4B Q8_0 6.25, 6.26, 6.39, 5.90 / 6.64, 6.27, 6.84, 6.42; 4B Q4_0 8.68, 8.62 / 9.40, 9.03
     * (their long rows then decoded in 64 KB warm bursts); 0.6B BF16 (4 KB bursts) within noise.
     */
    public static void warm(MemorySegment s, long from, long to) {
        IntVector acc = IntVector.zero(I);
        long p = from;
        for (long last = to - I.vectorByteSize(); p <= last; p += LINE) {
            acc = acc.add(IntVector.fromMemorySegment(I, s, p, ByteOrder.nativeOrder()));
        }
        long t = acc.reduceLanes(VectorOperators.ADD);
        for (; p < to; p += LINE) t += s.get(ValueLayout.JAVA_BYTE, p);
        if (to > from) t += s.get(ValueLayout.JAVA_BYTE, to - 1);
        keep(t);
    }

    /**
     * Keeps touch loads alive: pass their sum, which is never {@code Long.MIN_VALUE} (an int plus at most 128 per
     * line), but C2 cannot know it, so the loads must stay.
     */
    public static void keep(long touched) {
        if (touched == Long.MIN_VALUE) sink = touched;
    }

    /** Rows per warmed group: a multiple of {@code multiple}, at least one multiple, about {@code chunkBytes}. */
    public static int rowsPerChunk(long rowBytes, int multiple, long chunkBytes) {
        long rowsInChunk = Math.max(1, chunkBytes / Math.max(1, rowBytes));
        return (int) Math.max(multiple, Math.min(1 << 20, rowsInChunk - rowsInChunk % multiple));
    }
}
