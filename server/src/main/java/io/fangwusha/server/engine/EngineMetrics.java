package io.fangwusha.server.engine;

import java.util.concurrent.atomic.AtomicLong;

/** Counters and gauges the scheduler keeps for {@code /metrics}; read from any thread. */
public final class EngineMetrics {
    final AtomicLong running = new AtomicLong();
    final AtomicLong waiting = new AtomicLong();
    final AtomicLong kvCacheBytes = new AtomicLong();
    final AtomicLong kvCaches = new AtomicLong();
    final AtomicLong steps = new AtomicLong();
    final AtomicLong stepTokens = new AtomicLong();
    final AtomicLong promptTokens = new AtomicLong();
    final AtomicLong generatedTokens = new AtomicLong();
    final AtomicLong finished = new AtomicLong();
    final AtomicLong cancelled = new AtomicLong();
    final AtomicLong contentFiltered = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong maxDecodeBatch = new AtomicLong();
    final AtomicLong ttftNanosSum = new AtomicLong();
    final AtomicLong ttftCount = new AtomicLong();

    /** Sequences in the running batch (prefilling or decoding). */
    public long running() {
        return running.get();
    }

    /** Requests waiting for a slot. */
    public long waiting() {
        return waiting.get();
    }

    /** Bytes of KV cache held by running sequences. */
    public long kvCacheBytes() {
        return kvCacheBytes.get();
    }

    public long kvCaches() {
        return kvCaches.get();
    }

    /** The most sequences that decoded in one step so far. */
    public long maxDecodeBatch() {
        return maxDecodeBatch.get();
    }

    public long cancelled() {
        return cancelled.get();
    }

    /** Prometheus text exposition (version 0.0.4). */
    public String prometheus() {
        StringBuilder b = new StringBuilder();
        gauge(b, "fangwusha_running_sequences", "Sequences in the running batch", running.get());
        gauge(b, "fangwusha_waiting_requests", "Requests waiting for a slot", waiting.get());
        gauge(b, "fangwusha_kv_cache_bytes", "Bytes of KV cache held by running sequences", kvCacheBytes.get());
        gauge(b, "fangwusha_kv_caches", "KV caches held by running sequences", kvCaches.get());
        counter(b, "fangwusha_steps_total", "Batched forward steps", steps.get());
        counter(b, "fangwusha_step_tokens_total", "Tokens fed through forward steps (prefill and decode)", stepTokens.get());
        gauge(b, "fangwusha_max_decode_batch", "Most sequences decoded together in one step so far", maxDecodeBatch.get());
        counter(b, "fangwusha_prompt_tokens_total", "Prompt tokens prefilled", promptTokens.get());
        counter(b, "fangwusha_generation_tokens_total", "Tokens generated", generatedTokens.get());
        counter(b, "fangwusha_sequences_finished_total", "Sequences finished normally", finished.get());
        counter(b, "fangwusha_sequences_cancelled_total", "Sequences cancelled (client went away)", cancelled.get());
        counter(b, "fangwusha_sequences_content_filtered_total", "Sequences stopped by the content filter", contentFiltered.get());
        counter(b, "fangwusha_requests_rejected_total", "Requests refused because the queue was full", rejected.get());
        b.append("# HELP fangwusha_time_to_first_token_seconds Time from submission to the first token\n");
        b.append("# TYPE fangwusha_time_to_first_token_seconds summary\n");
        b.append("fangwusha_time_to_first_token_seconds_sum ").append(ttftNanosSum.get() / 1e9).append('\n');
        b.append("fangwusha_time_to_first_token_seconds_count ").append(ttftCount.get()).append('\n');
        return b.toString();
    }

    private static void gauge(StringBuilder b, String name, String help, long v) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ').append(v).append('\n');
    }

    private static void counter(StringBuilder b, String name, String help, long v) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" counter\n").append(name).append(' ').append(v).append('\n');
    }
}
