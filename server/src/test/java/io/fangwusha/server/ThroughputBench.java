package io.fangwusha.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.LanguageModel;
import io.fangwusha.core.LoadOptions;
import io.fangwusha.core.template.ChatTemplate;
import io.fangwusha.server.engine.EngineOptions;
import io.fangwusha.server.filter.ContentFilter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures (does not assert) aggregate decode tokens/s with 1, 4 and 8 concurrent streams and time to first token.
 * Runs only when {@code -Dfangwusha.bench.model=DIR} names a checkpoint, e.g. one made by
 * {@code fangwusha init --preset qwen3-0.6b --seed 1 --tokenizer ../shared/qwen3-tokenizer --out DIR}.
 */
@EnabledIfSystemProperty(named = "fangwusha.bench.model", matches = ".+")
class ThroughputBench {
    static final ObjectMapper JSON = new ObjectMapper();

    record Stream(long start, long firstToken, List<Long> tokenTimes) {}

    @Test
    void measure() throws Exception {
        Path dir = Path.of(System.getProperty("fangwusha.bench.model"));
        int tokens = Integer.getInteger("fangwusha.bench.tokens", 48);
        int threads = Integer.getInteger("fangwusha.bench.threads", Runtime.getRuntime().availableProcessors());
        try (LanguageModel lm = LanguageModel.load(dir, LoadOptions.defaults().withThreads(threads))) {
            ChatTemplate t = lm.chatTemplate();
            try (FangwushaServer server = FangwushaServer.start(lm, t::render,
                    new ServerOptions("127.0.0.1", 0, null, "bench", 1024, new EngineOptions(8, 8, 128), ContentFilter.NONE))) {
                run(server, 1, 8); // warm-up (JIT)
                System.out.printf("model %s, %d kernel threads, %d tokens per stream%n", dir.getFileName(), threads, tokens);
                double single = 0;
                for (int c : new int[] {1, 4, 8}) {
                    long t0 = System.nanoTime();
                    List<Stream> streams = run(server, c, tokens);
                    double wall = (System.nanoTime() - t0) / 1e9;
                    // Steady decode: tokens of all streams between the last first-token and the first stream's end.
                    long from = streams.stream().mapToLong(Stream::firstToken).max().orElseThrow();
                    long to = streams.stream().mapToLong(s -> s.tokenTimes().getLast()).min().orElseThrow();
                    long n = streams.stream().mapToLong(s -> s.tokenTimes().stream().filter(x -> x > from && x <= to).count()).sum();
                    double decode = to > from ? n / ((to - from) / 1e9) : Double.NaN;
                    double ttftMean = streams.stream().mapToDouble(s -> (s.firstToken() - s.start()) / 1e9).average().orElseThrow();
                    double ttftMax = streams.stream().mapToDouble(s -> (s.firstToken() - s.start()) / 1e9).max().orElseThrow();
                    int total = streams.stream().mapToInt(s -> s.tokenTimes().size()).sum();
                    if (c == 1) single = decode;
                    System.out.printf("streams %d: decode %.2f tok/s aggregate (%.2fx single), end-to-end %.2f tok/s (%d tokens in %.2f s), "
                            + "TTFT mean %.3f s max %.3f s%n", c, decode, decode / single, total / wall, total, wall, ttftMean, ttftMax);
                }
            }
        }
    }

    static List<Stream> run(FangwushaServer server, int concurrent, int tokens) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrent);
        try {
            List<Future<Stream>> fs = new ArrayList<>();
            for (int i = 0; i < concurrent; i++) {
                String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"请写一首关于春天的诗，第" + i + "首。\"}],"
                        + "\"max_tokens\":" + tokens + ",\"ignore_eos\":true,\"stream\":true,\"seed\":" + i + "}";
                fs.add(pool.submit(() -> {
                    long start = System.nanoTime();
                    List<Long> times = new ArrayList<>();
                    try (RawStream r = new RawStream(server.baseUri(), "/v1/chat/completions", body)) {
                        if (r.status() != 200) throw new AssertionError("status");
                        for (String d; (d = r.nextData()) != null && !d.equals("[DONE]"); ) {
                            JsonNode ch = JSON.readTree(d).path("choices").path(0);
                            if (ch.path("delta").has("content") && !ch.path("delta").get("content").asText().isEmpty()
                                    || ch.path("delta").has("reasoning_content")) times.add(System.nanoTime());
                        }
                    }
                    return new Stream(start, times.getFirst(), times);
                }));
            }
            List<Stream> out = new ArrayList<>();
            for (Future<Stream> f : fs) out.add(f.get());
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
