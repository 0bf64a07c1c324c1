package io.fangwusha.core.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One persistent pool of worker threads for all kernels of a model. {@link #parallelFor} splits a range into one
 * contiguous chunk per thread; the caller runs chunk 0 itself. Workers spin briefly before parking, because decode
 * issues hundreds of short parallel steps per token and a park/unpark round trip per step would dominate.
 * Not re-entrant: one parallelFor at a time (the model's forward pass is single-threaded at the top).
 */
public final class ThreadPool implements AutoCloseable {

    /** Work on the half-open range {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    private static final int SPIN_LIMIT = 20_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long epoch;
    private volatile boolean closed;
    private volatile RangeTask task;
    private volatile int rangeStart;
    private volatile int rangeEnd;
    private volatile Throwable failure;

    public ThreadPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            final int index = i + 1;
            Thread t = new Thread(() -> workerLoop(index), "fangwusha-kernel-" + index);
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

    /** Runs {@code task} over {@code [start, end)} split evenly into one chunk per thread, and waits for all. */
    public void parallelFor(int start, int end, RangeTask task) {
        int n = end - start;
        if (n <= 0) return;
        if (threads == 1 || n == 1) {
            task.run(start, end);
            return;
        }
        this.task = task;
        this.rangeStart = start;
        this.rangeEnd = end;
        this.failure = null;
        pending.set(workers.length);
        epoch++; // publishes the fields above
        for (Thread w : workers) LockSupport.unpark(w);
        Throwable mine = null;
        try {
            runChunk(0);
        } catch (Throwable t) {
            mine = t;
        }
        int spins = 0;
        while (pending.get() != 0) {
            if (++spins < SPIN_LIMIT) Thread.onSpinWait();
            else Thread.yield();
        }
        this.task = null;
        Throwable f = mine != null ? mine : failure;
        if (f instanceof RuntimeException re) throw re;
        if (f instanceof Error e) throw e;
        if (f != null) throw new RuntimeException(f);
    }

    private void runChunk(int index) {
        int start = rangeStart, end = rangeEnd;
        long n = end - start;
        int s = start + (int) (n * index / threads);
        int e = start + (int) (n * (index + 1) / threads);
        if (s < e) task.run(s, e);
    }

    private void workerLoop(int index) {
        long seen = 0;
        while (true) {
            int spins = 0;
            while (epoch == seen && !closed) {
                if (++spins < SPIN_LIMIT) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            if (closed) return;
            seen = epoch;
            try {
                runChunk(index);
            } catch (Throwable t) {
                failure = t;
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
