package io.fangwusha.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.generate.GenerationResult;
import io.fangwusha.core.generate.SamplingParams;
import io.fangwusha.server.engine.EngineOptions;
import io.fangwusha.server.engine.Job;
import io.fangwusha.server.engine.JobEvent;
import io.fangwusha.server.engine.Scheduler;
import io.fangwusha.server.filter.ContentFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Sequences decoded together in one batched step produce exactly what they produce alone: the same token ids as the
 * single-sequence generator, with prompts prefilled in small chunks interleaved with other sequences' decodes.
 */
class BatchExactnessTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Each generated id with its log-probability's bits. */
    static List<String> run(Job job) throws InterruptedException {
        List<String> ids = new ArrayList<>();
        while (true) {
            JobEvent e = job.poll(60_000);
            if (e == null) throw new AssertionError("no event within a minute");
            if (e instanceof JobEvent.Token t && t.id() >= 0) ids.add(t.id() + "@" + Float.floatToIntBits(t.logprobs().logprob()));
            if (e instanceof JobEvent.Finished) return ids;
            if (e instanceof JobEvent.Failed f) throw new AssertionError(f.message());
        }
    }

    @Test
    void schedulerBatchMatchesTheSingleSequenceGenerator() throws Exception {
        try (TestServer s = new TestServer(null, EngineOptions.defaults(), ContentFilter.NONE)) {
            s.server.close(); // only the model is used here: one owner at a time
            String[] texts = {"你好", "The quick brown fox jumps over the lazy dog. ".repeat(6), "从前有座山，山里有座庙。".repeat(12), "1 2 3"};
            List<int[]> prompts = new ArrayList<>();
            List<SamplingParams> params = new ArrayList<>();
            List<List<String>> alone = new ArrayList<>();
            for (int i = 0; i < texts.length; i++) {
                int[] p = s.lm.encode(texts[i]);
                SamplingParams sp = s.lm.defaultSampling(24).withTemperature(0.9).withTopK(40).withSeed(100L + i).withEos(List.of());
                if (i == 3) sp = sp.withTemperature(0); // one greedy among the sampled
                GenerationResult r = s.lm.generate(p, sp.withTopLogprobs(1), null);
                List<String> ids = new ArrayList<>();
                for (int k = 0; k < r.outputIds().length; k++) ids.add(r.outputIds()[k] + "@" + Float.floatToIntBits(r.sampledLogprobs()[k]));
                prompts.add(p);
                params.add(sp);
                alone.add(ids);
            }
            assertThat(prompts.get(2).length).isGreaterThan(40);

            // Prefill chunks of 16 tokens, so long prompts are fed over several steps beside the others' decodes.
            try (Scheduler scheduler = new Scheduler(s.lm.model(), s.lm.tokenizer(), ContentFilter.NONE, new EngineOptions(8, 8, 16))) {
                List<Job> jobs = new ArrayList<>();
                for (int i = 0; i < texts.length; i++) jobs.add(scheduler.submit(new Job(prompts.get(i), List.of(params.get(i)), 0)));
                for (int i = 0; i < texts.length; i++) assertThat(run(jobs.get(i))).as("prompt " + i).isEqualTo(alone.get(i));
                assertThat(scheduler.metrics().maxDecodeBatch()).isGreaterThanOrEqualTo(3);
            }
        }
    }

    @Test
    void fourConcurrentStreamsEqualTheirSoloRuns() throws Exception {
        try (TestServer s = TestServer.start()) {
            List<String> bodies = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                bodies.add("{\"messages\":[{\"role\":\"user\",\"content\":\"第" + i + "个问题：" + "为什么".repeat(i * 5)
                        + "\"}],\"max_tokens\":32,\"ignore_eos\":true,\"stream\":true,\"temperature\":0.7,\"seed\":" + (7 + i)
                        + ",\"logprobs\":true}");
            }
            List<Streamed> solo = new ArrayList<>();
            for (String b : bodies) solo.add(streamTokens(s, b));
            assertThat(s.metric("fangwusha_max_decode_batch")).isEqualTo(1);

            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Streamed>> together = new ArrayList<>();
                for (String b : bodies) together.add(pool.submit(() -> streamTokens(s, b)));
                for (int i = 0; i < 4; i++) {
                    Streamed t = together.get(i).get(), a = solo.get(i);
                    assertThat(t.tokensAndText()).as("stream " + i).isEqualTo(a.tokensAndText());
                    // Bit for bit: a row's logits do not depend on what else is in the batch.
                    assertThat(t.logprobs()).isEqualTo(a.logprobs());
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(s.metric("fangwusha_max_decode_batch")).isGreaterThanOrEqualTo(2);
        }
    }

    record Streamed(List<String> tokensAndText, List<Double> logprobs) {}

    /** The streamed tokens (from logprobs) and text pieces, in order, and each token's log-probability. */
    static Streamed streamTokens(TestServer s, String body) throws Exception {
        List<String> out = new ArrayList<>();
        List<Double> logprobs = new ArrayList<>();
        try (RawStream r = new RawStream(s.server.baseUri(), "/v1/chat/completions", body)) {
            assertThat(r.status()).isEqualTo(200);
            for (String data; (data = r.nextData()) != null && !data.equals("[DONE]"); ) {
                JsonNode ch = JSON.readTree(data).get("choices").get(0);
                for (JsonNode t : ch.path("logprobs").path("content")) {
                    out.add("token:" + t.get("token").asText());
                    logprobs.add(t.get("logprob").asDouble());
                }
                if (ch.path("delta").has("content")) out.add("text:" + ch.get("delta").get("content").asText());
            }
        }
        assertThat(logprobs).hasSize(32);
        return new Streamed(out, logprobs);
    }
}
