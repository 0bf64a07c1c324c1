package io.fangwusha.server.engine;

import io.fangwusha.core.generate.SamplingParams;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One request in the scheduler: a prompt and one {@link SamplingParams} per choice. The handler thread reads
 * {@link #poll} until every choice has finished, and calls {@link #cancel} when its client goes away; the
 * scheduler then drops the request's sequences and their KV caches at its next step.
 */
public final class Job {
    private final int[] prompt;
    private final List<SamplingParams> choices;
    private final int logprobs;
    private final BlockingQueue<JobEvent> events = new LinkedBlockingQueue<>();
    final long submittedNanos = System.nanoTime();
    private volatile boolean cancelled;
    volatile long firstTokenNanos;

    /** @param logprobs top log-probabilities to report per token, or -1 for none (0: the chosen token's only) */
    public Job(int[] prompt, List<SamplingParams> choices, int logprobs) {
        if (choices.isEmpty()) throw new IllegalArgumentException("a job needs at least one choice");
        this.prompt = prompt.clone();
        this.choices = List.copyOf(choices);
        this.logprobs = logprobs;
    }

    public int[] prompt() {
        return prompt;
    }

    public List<SamplingParams> choices() {
        return choices;
    }

    public int logprobs() {
        return logprobs;
    }

    /** Next event, or null after {@code timeoutMillis}. */
    public JobEvent poll(long timeoutMillis) throws InterruptedException {
        return events.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    public void cancel() {
        cancelled = true;
    }

    public boolean cancelled() {
        return cancelled;
    }

    /** Nanoseconds from submission to the first generated token, or -1 before it. */
    public long timeToFirstTokenNanos() {
        long f = firstTokenNanos;
        return f == 0 ? -1 : f - submittedNanos;
    }

    void emit(JobEvent e) {
        events.add(e);
    }
}
