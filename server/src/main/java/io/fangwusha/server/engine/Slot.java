package io.fangwusha.server.engine;

import io.fangwusha.core.generate.FinishReason;
import io.fangwusha.core.generate.SamplingParams;
import io.fangwusha.core.generate.Sequence;
import io.fangwusha.core.model.KvCache;
import io.fangwusha.core.tokenizer.Tokenizer;
import io.fangwusha.server.filter.ContentFilter;
import io.fangwusha.server.filter.FilterStream;

/**
 * One choice of a job while the scheduler runs it: its sequence, how much of the prompt is in the cache, and the
 * content filter over its output. Touched by one thread at a time (the scheduler, or one pool worker while
 * sampling).
 */
final class Slot {
    final Job job;
    final int index;
    private Sequence seq;
    private KvCache cache;
    private final FilterStream filter;
    private final long cacheBytes;
    private int prefilled;
    private int generated;
    private FinishReason reason;
    private String shownText = "";

    Slot(Job job, int index, StepModel model, Tokenizer tokenizer, ContentFilter contentFilter) {
        this.job = job;
        this.index = index;
        SamplingParams p = job.choices().get(index);
        int capacity = job.prompt().length + Math.max(1, p.maxNewTokens());
        this.cache = model.newCache(capacity);
        this.cacheBytes = cache.bytes();
        this.filter = contentFilter.newStream();
        // top log-probabilities are computed here (raw logits) so that they can stream with each token.
        this.seq = new Sequence(job.prompt(), p.withTopLogprobs(0), tokenizer, cache, this::onToken);
    }

    long cacheBytes() {
        return cacheBytes;
    }

    boolean prefilling() {
        return prefilled < job.prompt().length;
    }

    int prefillRemaining() {
        return job.prompt().length - prefilled;
    }

    /** Appends up to {@code n} prompt tokens to the step's batch; returns how many. */
    int addPrefill(Batch b, int n) {
        int take = Math.min(n, prefillRemaining());
        for (int i = 0; i < take; i++) b.add(job.prompt()[prefilled + i], prefilled + i, cache);
        prefilled += take;
        return take;
    }

    void addDecode(Batch b) {
        b.add(seq.lastToken(), seq.nextPosition(), cache);
    }

    /** Samples the next token from its logits row and reports it; runs on a pool worker. */
    void accept(float[] logits, int off, int vocab) {
        int id = seq.accept(logits, off, vocab); // calls onToken, which sets shownText
        // The chosen id is known only after sampling; the sampler does not modify the logits.
        TokenLogprobs lp = job.logprobs() >= 0 ? TokenLogprobs.of(logits, off, vocab, id, job.logprobs()) : null;
        generated++;
        job.emit(new JobEvent.Token(index, id, shownText, lp));
        if (seq.finished()) {
            String tail = filter.finish();
            if (!tail.isEmpty()) job.emit(new JobEvent.Token(index, -1, tail, null));
            finish(filter.blocked() ? FinishReason.CONTENT_FILTER : seq.result(0, 0).finishReason());
        }
    }

    private boolean onToken(int id, String delta) {
        shownText = filter.push(delta);
        if (filter.blocked()) seq.finish(FinishReason.CONTENT_FILTER);
        if (job.firstTokenNanos == 0) job.firstTokenNanos = System.nanoTime();
        return !job.cancelled();
    }

    /** Ends the choice (if not already) and lets go of its cache. */
    void finish(FinishReason r) {
        if (reason != null) return;
        reason = r;
        job.emit(new JobEvent.Finished(index, r, generated));
        release();
    }

    void fail(String message) {
        if (reason != null) return;
        reason = FinishReason.CANCELLED;
        job.emit(new JobEvent.Failed(index, message));
        release();
    }

    boolean done() {
        return reason != null;
    }

    FinishReason reason() {
        return reason;
    }

    /** For max_tokens 0: the sequence is finished before it starts. */
    boolean finishedAtStart() {
        return seq.finished();
    }

    private void release() {
        seq = null;
        cache = null;
    }
}
