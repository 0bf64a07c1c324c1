package io.fangwusha.core.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One persistent pool of worker threads for all kernels of a model. {@link #parallelFor} hands out a range in
 * chunks of {@code grain} from one atomic counter; the caller works too. Dynamic chunks matter on a shared machine:
 * when a worker is descheduled the others take its chunks instead of waiting for it (a static split waits a whole
 * scheduler quantum). Workers spin briefly before parking, because decode issues hundreds of short parallel steps
 * per token and a park/unpark round trip per step would dominate. No allocation per call.
 * Not re-entrant: one parallelFor at a time (the model's forward pass is single-threaded at the top).
 *
 * <p>Protocol: {@code state} packs (job epoch, next index). A participant claims a chunk by CAS only while the
 * epoch is the one whose task it read, and counts itself in {@code inflight} around the claim, so the caller can
 * tell when every claimed chunk is finished. A finished job is sealed (next index = MAX) before the next one's
 * fields are written, so a late worker's claim on an old epoch fails harmlessly.
 */
public final class ThreadPool implements AutoCloseable {

    /** Work on the half-open range {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    /** Spin iterations (~50 µs) before a waiting worker parks. */
    private static final int SPIN_LIMIT = 2_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicLong state = new AtomicLong();
    private final AtomicInteger inflight = new AtomicInteger();
    private volatile boolean closed;
    private volatile RangeTask task;
    private volatile int rangeEnd;
    private volatile int grain;
    private volatile Throwable failure;

    public ThreadPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workerLoop, "fangwusha-kernel-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code task} over {@code [start, end)} in about 4 chunks per thread, and waits for all. */
    public void parallelFor(int start, int end, RangeTask task) {
        parallelFor(start, end, Math.max(1, (end - start + 4 * threads - 1) / (4 * threads)), task);
    }

    /**
     * Runs {@code task} over {@code [start, end)} in chunks of {@code grain} (chunk boundaries at
     * {@code start + k*grain}, so callers can keep blocks aligned), and waits for all.
     */
    public void parallelFor(int start, int end, int grain, RangeTask task) {
        parallelFor(start, end, grain, false, task);
    }

    /**
     * As {@link #parallelFor(int, int, int, RangeTask)}, but with {@code guided} each claim takes a share of what
     * is left ({@code 1/(2·threads)} of it, rounded up to a multiple of {@code grain}, at least {@code grain}):
     * large chunks first, {@code grain}-sized ones at the end, so the threads finish within a small chunk of each
     * other while few chunks are started in all.
     */
    public void parallelFor(int start, int end, int grain, boolean guided, RangeTask task) {
        int n = end - start;
        if (n <= 0) return;
        if (threads == 1 || n <= grain) {
            task.run(start, end);
            return;
        }
        this.task = task;
        this.rangeEnd = end;
        int claim = guided ? -grain : grain;
        this.grain = claim;
        this.failure = null;
        long epoch = (state.get() >>> 32) + 1;
        state.set(epoch << 32 | start); // publishes the fields above
        for (Thread w : workers) LockSupport.unpark(w);
        Throwable mine = null;
        try {
            work(epoch, task, end, claim);
        } catch (Throwable t) {
            mine = t;
        }
        int spins = 0;
        while (inflight.get() != 0) {
            if (++spins < SPIN_LIMIT) Thread.onSpinWait();
            else Thread.yield();
        }
        // Seal the job before the fields are reused: a late worker that still holds this epoch can claim nothing,
        // whatever end/grain it reads next.
        state.set(epoch << 32 | Integer.MAX_VALUE);
        this.task = null;
        Throwable f = mine != null ? mine : failure;
        if (f instanceof RuntimeException re) throw re;
        if (f instanceof Error e) throw e;
        if (f != null) throw new RuntimeException(f);
    }

    /** Claims and runs chunks of job {@code epoch} until none are left; a negative {@code grain} claims guided. */
    private void work(long epoch, RangeTask t, int end, int grain) {
        while (true) {
            inflight.incrementAndGet();
            try {
                long cur = state.get();
                int next = (int) cur;
                if (cur >>> 32 != epoch || next >= end) return;
                int size = grain;
                if (grain < 0) { // guided: a share of what is left, in whole multiples of -grain
                    int g = -grain, share = (end - next + 2 * threads - 1) / (2 * threads);
                    size = (int) Math.min(end - next, Math.max(g, ((long) share + g - 1) / g * g));
                }
                if (!state.compareAndSet(cur, cur + size)) continue;
                t.run(next, (int) Math.min(end, (long) next + size));
            } finally {
                inflight.decrementAndGet();
            }
        }
    }

    private void workerLoop() {
        long seen = 0;
        while (true) {
            int spins = 0;
            long cur;
            while ((cur = state.get()) >>> 32 == seen && !closed) {
                if (++spins < SPIN_LIMIT) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            if (closed) return;
            seen = cur >>> 32;
            RangeTask t = task;
            int end = rangeEnd, g = grain;
            if (t == null) continue; // job already finished
            try {
                work(seen, t, end, g);
            } catch (Throwable e) {
                failure = e;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
