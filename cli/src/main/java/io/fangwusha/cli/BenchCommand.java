package io.fangwusha.cli;

import io.fangwusha.core.LanguageModel;
import io.fangwusha.core.generate.Generator;
import io.fangwusha.core.model.KvCache;
import io.fangwusha.core.model.Qwen3Model;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench}, in the spirit of llama-bench: prefill of P random tokens (pp) and decode of G tokens (tg) in
 * tokens per second, mean ± stddev over R repetitions after one warm-up, plus load time and peak RSS.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure prefill and decode speed.")
final class BenchCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = "--prompt-tokens", paramLabel = "P", defaultValue = "128")
    int promptTokens;

    @Option(names = "--gen-tokens", paramLabel = "G", defaultValue = "64")
    int genTokens;

    @Option(names = "--repetitions", paramLabel = "R", defaultValue = "3")
    int repetitions;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    record Stats(int tokens, double mean, double stddev) {
        static Stats of(int tokens, double[] rates) {
            double m = 0;
            for (double r : rates) m += r;
            m /= rates.length;
            double v = 0;
            for (double r : rates) v += (r - m) * (r - m);
            return new Stats(tokens, m, rates.length > 1 ? Math.sqrt(v / (rates.length - 1)) : 0);
        }

        String json() {
            return String.format(Locale.ROOT, "{\"tokens\": %d, \"mean\": %.4f, \"stddev\": %.4f}", tokens, mean, stddev);
        }
    }

    /** Warm-up runs at most, and the compile time (ms) a warm-up run may see and still count as steady. */
    static final int MAX_WARMUPS = 8;
    static final long QUIET_COMPILE_MILLIS = 20;

    /** One llama-bench style run: the prompt into an emptied cache, then {@code genTokens} single-token steps. */
    private static final class Repetition {
        private final Qwen3Model model;
        private final KvCache cache;
        private final int[] prompt, tok = new int[1], pos = new int[1], row = {0};
        private final KvCache[] caches;
        private final int genTokens, vocab;
        private float[] logits; // reused, as a decode loop should
        long prefillNanos, decodeNanos;

        Repetition(Qwen3Model model, KvCache cache, int[] prompt, int genTokens, int vocab) {
            this.model = model;
            this.cache = cache;
            this.prompt = prompt;
            this.caches = new KvCache[] {cache};
            this.genTokens = genTokens;
            this.vocab = vocab;
        }

        void once() {
            cache.truncate(0);
            long a = System.nanoTime();
            Generator.prefill(model, cache, prompt);
            long b = System.nanoTime();
            int token = prompt[prompt.length - 1];
            for (int i = 0; i < genTokens; i++) {
                tok[0] = token;
                pos[0] = prompt.length + i;
                logits = model.forward(tok, pos, caches, row, logits);
                token = (token * 31 + 7) % vocab;
            }
            prefillNanos = b - a;
            decodeNanos = System.nanoTime() - b;
        }
    }

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        try (LanguageModel lm = modelOptions.load()) {
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            Qwen3Model model = lm.model();
            SplittableRandom rnd = new SplittableRandom(42);
            int vocab = Math.min(model.config().vocabSize(), 151_000);
            int[] prompt = rnd.ints(promptTokens, 0, vocab).toArray();
            double[] pp = new double[repetitions], tg = new double[repetitions];
            // One cache, emptied before each repetition (as llama-bench clears its context): a fresh cache per
            // repetition left the earlier ones as garbage in the old generation, up to 4x the cache in peak RSS.
            KvCache cache = model.newCache(promptTokens + genTokens + 1);
            Repetition run = new Repetition(model, cache, prompt, genTokens, vocab);
            // llama-bench warms up with one run; a JIT needs more. C2 kept compiling through the second and third
            // 0.6B pp128+tg64 runs (~400 ms of compile time in each), and those ran 10-20% slower: with -r 3 all
            // of the measured runs were warm-up. So warm up until a whole run passes without compiling.
            CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
            int warmups = 0;
            for (boolean quiet = false; !quiet && warmups < MAX_WARMUPS; warmups++) {
                long before = timed ? jit.getTotalCompilationTime() : 0;
                run.once();
                quiet = !timed || jit.getTotalCompilationTime() - before <= QUIET_COMPILE_MILLIS;
            }
            for (int rep = 0; rep < repetitions; rep++) {
                run.once();
                pp[rep] = promptTokens / (run.prefillNanos / 1e9);
                tg[rep] = genTokens / (run.decodeNanos / 1e9);
            }
            Stats p = Stats.of(promptTokens, pp), g = Stats.of(genTokens, tg);
            long rss = peakRssBytes();
            String weightType = model.weights().layers()[0].q().dtype().name();
            String kvType = model.kvCacheType().label();
            if (json) {
                System.out.printf(Locale.ROOT, "{\"model\": \"%s\", \"weight_type\": \"%s\", \"kv_type\": \"%s\", \"threads\": %d, \"pp\": %s, \"tg\": %s, \"load_seconds\": %.3f, \"peak_rss_bytes\": %d, \"warmup_runs\": %d}%n",
                        lm.source().toString().replace("\\", "\\\\").replace("\"", "\\\""), weightType, kvType, model.pool().threads(), p.json(), g.json(), loadSeconds, rss, warmups);
            } else {
                System.out.printf(Locale.ROOT, "model %s  weights %s  kv %s  threads %d  load %.2f s  peak RSS %.2f GiB  warm-up runs %d%n",
                        lm.source(), weightType, kvType, model.pool().threads(), loadSeconds, rss / (double) (1L << 30), warmups);
                System.out.printf(Locale.ROOT, "pp%d  %8.2f ± %.2f tok/s%n", promptTokens, p.mean(), p.stddev());
                System.out.printf(Locale.ROOT, "tg%d  %8.2f ± %.2f tok/s%n", genTokens, g.mean(), g.stddev());
            }
        }
        return 0;
    }

    /** VmHWM from /proc/self/status (Linux); -1 elsewhere. */
    static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
