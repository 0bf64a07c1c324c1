package io.fangwusha.server.engine;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.generate.FinishReason;
import io.fangwusha.core.generate.Generator;
import io.fangwusha.core.model.Qwen3Model;
import io.fangwusha.core.tokenizer.Tokenizer;
import io.fangwusha.server.filter.ContentFilter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous batching: one thread owns the model and runs steps. Each step feeds one token of every decoding
 * sequence plus up to a chunk of prompt tokens of sequences still prefilling through a single
 * {@link Qwen3Model#forward} call, so each weight matrix is read once per step for the whole batch; then samples
 * the decoding sequences' next tokens in parallel on the model's pool. Requests wait in a bounded FIFO queue until
 * enough slots are free for all their choices; finished and cancelled sequences leave at the next step and their
 * KV caches are dropped. A row's logits do not depend on what else is in the batch (the dense kernels compute each
 * row alone), so a request's output is the same whether it runs alone or batched.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

    private final StepModel model;
    private final Tokenizer tokenizer;
    private final ContentFilter filter;
    private final EngineOptions options;
    private final EngineMetrics metrics = new EngineMetrics();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final ArrayDeque<Job> waiting = new ArrayDeque<>();
    private final List<Slot> running = new ArrayList<>();
    private float[] logitsBuffer; // the step thread's, reused by every step
    private final Batch batch = new Batch();
    private final Thread thread;
    private volatile boolean closed;

    public Scheduler(Qwen3Model model, Tokenizer tokenizer, ContentFilter filter, EngineOptions options) {
        this(StepModel.of(model), tokenizer, filter, options);
    }

    public Scheduler(StepModel model, Tokenizer tokenizer, ContentFilter filter, EngineOptions options) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.filter = filter;
        this.options = options;
        this.thread = Thread.ofPlatform().name("fangwusha-scheduler").daemon(true).unstarted(this::loop);
        thread.start();
    }

    public EngineMetrics metrics() {
        return metrics;
    }

    public EngineOptions options() {
        return options;
    }

    /**
     * Queues a request. Throws {@link QueueFullException} when the waiting queue is full, and
     * {@link FangwushaException} when the request could never run (more choices than slots).
     */
    public Job submit(Job job) {
        if (job.choices().size() > options.maxConcurrent()) {
            throw new FangwushaException("n: " + job.choices().size() + " choices exceed the server's --max-concurrent "
                    + options.maxConcurrent());
        }
        long need = cacheBytes(job);
        if (need > options.kvCacheBytes()) {
            throw new FangwushaException("max_tokens: the request needs " + (need >> 20) + " MiB of KV cache (prompt + max_tokens"
                    + " for " + job.choices().size() + " choice(s)), more than the server's budget of "
                    + (options.kvCacheBytes() >> 20) + " MiB; lower max_tokens or n");
        }
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("scheduler is closed");
            if (waiting.size() >= options.maxWaiting() && !(waiting.isEmpty() && freeSlots() >= job.choices().size())) {
                metrics.rejected.incrementAndGet();
                throw new QueueFullException("server busy: " + running.size() + " sequences running and "
                        + waiting.size() + " requests waiting; retry later");
            }
            waiting.add(job);
            metrics.waiting.set(waiting.size());
            work.signal();
        } finally {
            lock.unlock();
        }
        return job;
    }

    /** KV cache bytes a job's sequences will hold: prompt + max_tokens positions each. */
    private long cacheBytes(Job job) {
        var c = model.config();
        long perPosition = 2L * c.numLayers() * c.kvDim() * model.kvCacheType().bytes(); // as KvCache.bytes()
        long total = 0;
        for (var p : job.choices()) total += perPosition * (job.prompt().length + Math.max(1, p.maxNewTokens()));
        return total;
    }

    private int freeSlots() {
        return options.maxConcurrent() - running.size();
    }

    private void loop() {
        while (!closed) {
            try {
                if (!admitOrWait()) continue;
                step();
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                // A failed step leaves the caches of everything in it in an unknown state: fail those requests.
                log.error("generation step failed", t);
                String msg = "internal error during generation: " + t;
                for (Slot s : running) s.fail(msg);
                retireDone();
            }
        }
    }

    /** Moves waiting requests into the batch while slots are free; blocks while there is nothing to do. */
    private boolean admitOrWait() throws InterruptedException {
        List<Job> admitted = new ArrayList<>();
        lock.lock();
        try {
            while (running.isEmpty() && waiting.isEmpty() && !closed) work.await();
            if (closed) return false;
            int free = freeSlots();
            long memory = options.kvCacheBytes() - metrics.kvCacheBytes.get();
            for (Job head; (head = waiting.peek()) != null; ) {
                if (head.cancelled()) {
                    waiting.poll();
                    continue;
                }
                // FIFO: a request that does not fit yet waits, and so do those behind it (no starvation).
                long need = cacheBytes(head);
                if (head.choices().size() > free || need > memory) break;
                waiting.poll();
                free -= head.choices().size();
                memory -= need;
                admitted.add(head);
            }
            metrics.waiting.set(waiting.size());
        } finally {
            lock.unlock();
        }
        // Allocate caches outside the lock: submit() must not wait for memory zeroing.
        for (Job job : admitted) {
            for (int i = 0; i < job.choices().size(); i++) {
                Slot s = new Slot(job, i, model, tokenizer, filter);
                running.add(s);
                metrics.kvCacheBytes.addAndGet(s.cacheBytes());
                metrics.kvCaches.incrementAndGet();
                if (s.finishedAtStart()) s.finish(FinishReason.LENGTH);
            }
        }
        retireDone();
        return !running.isEmpty();
    }

    private void step() {
        batch.clear();
        List<Slot> sampling = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        int decoding = 0;
        for (Slot s : running) {
            if (s.done() || s.prefilling()) continue;
            rows.add(batch.size());
            s.addDecode(batch);
            sampling.add(s);
            decoding++;
        }
        metrics.maxDecodeBatch.accumulateAndGet(decoding, Math::max);
        int budget = decoding > 0 ? options.prefillChunk() : Generator.PREFILL_CHUNK;
        int prefillTokens = 0;
        for (Slot s : running) {
            if (budget == 0) break;
            if (s.done() || !s.prefilling()) continue;
            int took = s.addPrefill(batch, budget);
            budget -= took;
            prefillTokens += took;
            if (!s.prefilling()) {
                rows.add(batch.size() - 1);
                sampling.add(s);
            }
        }
        if (batch.size() == 0) return;
        int[] logitRows = rows.stream().mapToInt(Integer::intValue).toArray();
        float[] logits = model.forward(batch.tokens(), batch.positions(), batch.caches(), logitRows, logitsBuffer);
        logitsBuffer = logits;
        metrics.steps.incrementAndGet();
        metrics.stepTokens.addAndGet(batch.size());
        metrics.promptTokens.addAndGet(prefillTokens);
        metrics.generatedTokens.addAndGet(sampling.size());
        int vocab = model.config().vocabSize();
        // Sampling is O(vocab) per sequence and independent across sequences.
        model.pool().parallelFor(0, sampling.size(), (a, b) -> {
            for (int j = a; j < b; j++) sampling.get(j).accept(logits, j * vocab, vocab);
        });
        batch.clear();
        retireDone();
    }

    /** Drops finished and cancelled sequences and accounts for their caches. */
    private void retireDone() {
        for (int i = running.size() - 1; i >= 0; i--) {
            Slot s = running.get(i);
            if (!s.done()) {
                if (!s.job.cancelled()) continue;
                s.finish(FinishReason.CANCELLED);
            }
            switch (s.reason()) {
                case CONTENT_FILTER -> metrics.contentFiltered.incrementAndGet();
                case CANCELLED -> metrics.cancelled.incrementAndGet();
                default -> metrics.finished.incrementAndGet();
            }
            if (s.index == 0 && s.job.firstTokenNanos != 0) {
                metrics.ttftNanosSum.addAndGet(s.job.timeToFirstTokenNanos());
                metrics.ttftCount.incrementAndGet();
            }
            running.remove(i);
            metrics.kvCacheBytes.addAndGet(-s.cacheBytes());
            metrics.kvCaches.decrementAndGet();
        }
        metrics.running.set(running.size());
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            for (Job j : waiting) j.cancel();
            work.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Slot s : running) s.fail("server is shutting down");
        for (Job j : waiting) j.emit(new JobEvent.Failed(0, "server is shutting down"));
    }
}
