package io.fangwusha.core.generate;

import io.fangwusha.core.model.KvCache;
import io.fangwusha.core.tokenizer.StreamDecoder;
import io.fangwusha.core.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One sequence being generated: its cache, sampler, history, stop strings and streamed text. The generation loops
 * (single-sequence {@link Generator} and the server's batch scheduler) feed it the logits of its next position
 * and it picks the token, streams the text it completes, and decides when to finish.
 */
public final class Sequence {
    private final int[] prompt;
    private final SamplingParams params;
    private final KvCache cache;
    private final TokenListener listener;
    private final Sampler sampler;
    private final TokenHistory history;
    private final StreamDecoder decoder;
    private final StopMatcher stops;
    private final StringBuilder text = new StringBuilder();
    private final List<Integer> output = new ArrayList<>();
    private final List<GenerationResult.TopLogprobs> topLogprobs = new ArrayList<>();
    private float[] sampledLogprobs = new float[0];
    private FinishReason finishReason;

    public Sequence(int[] prompt, SamplingParams params, Tokenizer tokenizer, KvCache cache, TokenListener listener) {
        this.prompt = prompt.clone();
        this.params = params;
        this.cache = cache;
        this.listener = listener == null ? TokenListener.NONE : listener;
        this.sampler = new Sampler(params);
        this.history = new TokenHistory(prompt);
        this.decoder = tokenizer.streamDecoder(true);
        this.stops = new StopMatcher(params.stop());
        if (params.maxNewTokens() == 0) finishReason = FinishReason.LENGTH;
    }

    public int[] prompt() {
        return prompt;
    }

    public KvCache cache() {
        return cache;
    }

    public boolean finished() {
        return finishReason != null;
    }

    public int outputLength() {
        return output.size();
    }

    /** The token to feed next: the last one sampled. */
    public int lastToken() {
        return output.getLast();
    }

    /** The position of the token {@link #lastToken()} when it is fed. */
    public int nextPosition() {
        return prompt.length + output.size() - 1;
    }

    /** Picks the next token from {@code logits[off .. off+vocab)} and streams its text. */
    public int accept(float[] logits, int off, int vocab) {
        if (params.topLogprobs() > 0) recordLogprobs(logits, off, vocab);
        int id = sampler.sample(logits, off, vocab, history);
        if (params.topLogprobs() > 0) sampledLogprobs[output.size()] = logprobOf(logits, off, vocab, id);
        output.add(id);
        history.addGenerated(id);
        String delta;
        if (params.eosTokenIds().contains(id)) {
            finishReason = FinishReason.STOP;
            delta = stops.push(decoder.flush()) + stops.flush();
        } else {
            delta = stops.push(decoder.push(id));
            if (stops.stopped()) finishReason = FinishReason.STOP;
            else if (output.size() >= params.maxNewTokens() || nextPosition() + 1 >= cache.capacity()) {
                finishReason = FinishReason.LENGTH;
                delta += stops.push(decoder.flush()) + stops.flush();
            }
        }
        text.append(delta);
        if (!listener.onToken(id, delta) && finishReason == null) finishReason = FinishReason.CANCELLED;
        return id;
    }

    /** Ends the sequence from outside (cancellation, content filter). */
    public void finish(FinishReason reason) {
        if (finishReason == null) finishReason = reason;
    }

    public GenerationResult result(long prefillNanos, long decodeNanos) {
        int[] ids = output.stream().mapToInt(Integer::intValue).toArray();
        return new GenerationResult(prompt, ids, text.toString(), finishReason, List.copyOf(topLogprobs),
                Arrays.copyOf(sampledLogprobs, ids.length), prefillNanos, decodeNanos);
    }

    private void recordLogprobs(float[] logits, int off, int vocab) {
        topLogprobs.add(GenerationResult.TopLogprobs.of(logits, off, vocab, params.topLogprobs(), logSumExp(logits, off, vocab)));
        if (sampledLogprobs.length <= output.size()) sampledLogprobs = Arrays.copyOf(sampledLogprobs, Math.max(16, 2 * sampledLogprobs.length));
    }

    private static float logprobOf(float[] logits, int off, int vocab, int id) {
        return logits[off + id] - logSumExp(logits, off, vocab);
    }

    /** log(sum(exp(logits))) with the max subtracted, accumulated in double. */
    public static float logSumExp(float[] logits, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(logits[off + i] - max);
        return (float) (max + Math.log(sum));
    }
}
