package io.fangwusha.core.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Pulls a range of weight bytes into cache, one load per 64-byte line, right before a kernel computes on it.
 *
 * <p>Why: on the AMD EPYC (Zen 5) machines we benchmark on, a decode kernel streaming its rows from DRAM ran at
 * ~5 GB/s per core, a seventh of what a bare load loop reads there (36 GB/s). The hardware prefetchers do not run
 * ahead of it, so the misses in flight are only the few that fit in the reorder buffer between a kernel's ~40
 * instructions per cache line. Java has no prefetch instruction, but a loop of nothing but loads keeps dozens of
 * lines in flight. Warming ~4 KB and then computing on it from L1 ran the Q8_0 row kernel at 22.4 GFLOP/s instead
 * of 9.5 (one core, 151936x1024, mmapped; 16 KB chunks: 19, 64 KB: 21), and 4B Q8_0 decode at 4.6 tok/s instead
 * of 2.2 (2048-8192 bytes within noise). BF16 decode had its own touch-ahead of the next rows inside the loop;
 * warming instead ran 0.6B at 22.6-26.7 tok/s instead of 20.2 (2 threads) and 4B at 3.7-4.4 instead of 3.4
 * (both together were slower than either). The F32/F16 kernels do not warm: no model we ship runs on them.
 */
public final class CacheWarmer {
    /** Bytes warmed at a time: small enough to stay in L1 until the kernel reaches them. */
    public static final long CHUNK_BYTES = 4096;
    private static final long LINE = 64;
    @SuppressWarnings("unused")
    private static volatile long sink;

    private CacheWarmer() {}

    /** Loads one byte of every cache line in {@code [from, to)} of {@code s}. */
    public static void warm(MemorySegment s, long from, long to) {
        long t = 0;
        long p = from;
        for (; p + 4 * LINE <= to; p += 4 * LINE) {
            t += s.get(ValueLayout.JAVA_BYTE, p) + s.get(ValueLayout.JAVA_BYTE, p + LINE)
                    + s.get(ValueLayout.JAVA_BYTE, p + 2 * LINE) + s.get(ValueLayout.JAVA_BYTE, p + 3 * LINE);
        }
        for (; p < to; p += LINE) t += s.get(ValueLayout.JAVA_BYTE, p);
        if (to > from) t += s.get(ValueLayout.JAVA_BYTE, to - 1);
        // Never true (|t| <= 128 per line), but C2 cannot know it: the loads must stay.
        if (t == Long.MIN_VALUE) sink = t;
    }

    /** Rows per warmed group: a multiple of {@code multiple}, at least one multiple, about {@link #CHUNK_BYTES}. */
    public static int rowsPerChunk(long rowBytes, int multiple) {
        long rowsInChunk = Math.max(1, CHUNK_BYTES / Math.max(1, rowBytes));
        return (int) Math.max(multiple, Math.min(1 << 20, rowsInChunk - rowsInChunk % multiple));
    }
}
