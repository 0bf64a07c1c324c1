package io.fangwusha.cli;

import io.fangwusha.core.FangwushaException;
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
 * tokens per second, mean ± stddev over R repetitions after warm-up runs, plus load time and peak RSS. As
 * llama-bench's {@code -p P -n G}, the two are separate tests, each from a cache holding only the D tokens of
 * {@code --depth} (llama-bench's {@code -d}, default 0): tg is G single-token steps from position D, not after the
 * prompt.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure prefill and decode speed.")
final class BenchCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = "--prompt-tokens", paramLabel = "P", defaultValue = "128")
    int promptTokens;

    @Option(names = "--gen-tokens", paramLabel = "G", defaultValue = "64")
    int genTokens;

    @Option(names = "--depth", paramLabel = "D", defaultValue = "0",
            description = "Tokens in the cache before each test, as llama-bench's -d (default 0).")
    int depth;

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

    /**
     * One llama-bench style run: the prompt into a cache holding only the depth tokens, then, from that cache again,
     * {@code genTokens} single-token steps.
     */
    private static final class Repetition {
        private final Qwen3Model model;
        private final KvCache cache;
        private final int[] depth, prompt, tok = new int[1], pos = new int[1], row = {0};
        private final KvCache[] caches;
        private final int genTokens, vocab;
        private float[] logits; // reused, as a decode loop should
        long prefillNanos, decodeNanos;

        Repetition(Qwen3Model model, KvCache cache, int[] depth, int[] prompt, int genTokens, int vocab) {
            this.model = model;
            this.cache = cache;
            this.depth = depth;
            this.prompt = prompt;
            this.caches = new KvCache[] {cache};
            this.genTokens = genTokens;
            this.vocab = vocab;
        }

        void once() {
            toDepth();
            long a = System.nanoTime();
            if (prompt.length > 0) Generator.prefill(model, cache, prompt);
            prefillNanos = System.nanoTime() - a;
            toDepth();
            int token = prompt.length > 0 ? prompt[0] : 1;
            long b = System.nanoTime();
            for (int i = 0; i < genTokens; i++) {
                tok[0] = token;
                pos[0] = depth.length + i;
                logits = model.forward(tok, pos, caches, row, logits);
                token = (token * 31 + 7) % vocab;
            }
            decodeNanos = System.nanoTime() - b;
        }

        /** Empties the cache and fills in the depth tokens (untimed; llama-bench restores a saved state instead). */
        private void toDepth() {
            cache.truncate(0);
            if (depth.length > 0) Generator.prefill(model, cache, depth);
        }
    }

    @Override
    public Integer call() {
        if (promptTokens < 0) throw new FangwushaException("--prompt-tokens: must be >= 0, got " + promptTokens);
        if (genTokens < 0) throw new FangwushaException("--gen-tokens: must be >= 0, got " + genTokens);
        if (promptTokens + genTokens == 0) throw new FangwushaException("--prompt-tokens and --gen-tokens: nothing to measure, both are 0");
        if (depth < 0) throw new FangwushaException("--depth: must be >= 0, got " + depth);
        if (repetitions < 1) throw new FangwushaException("--repetitions: must be >= 1, got " + repetitions);
        long t0 = System.nanoTime();
        try (LanguageModel lm = modelOptions.load()) {
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            Qwen3Model model = lm.model();
            int context = model.config().maxPositionEmbeddings(), needed = depth + Math.max(promptTokens, genTokens);
            if (needed > context) {
                throw new FangwushaException("--depth + max(--prompt-tokens, --gen-tokens) = " + needed
                        + " is longer than the model's context of " + context + " positions");
            }
            SplittableRandom rnd = new SplittableRandom(42);
            int vocab = Math.min(model.config().vocabSize(), 151_000);
            int[] prompt = rnd.ints(promptTokens, 0, vocab).toArray(), atDepth = rnd.ints(depth, 0, vocab).toArray();
            double[] pp = new double[repetitions], tg = new double[repetitions];
            // One cache, emptied before each repetition (as llama-bench clears its context): a fresh cache per
            // repetition left the earlier ones as garbage in the old generation, up to 4x the cache in peak RSS.
            KvCache cache = model.newCache(depth + Math.max(promptTokens, genTokens) + 1);
            Repetition run = new Repetition(model, cache, atDepth, prompt, genTokens, vocab);
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
                pp[rep] = promptTokens == 0 ? 0 : promptTokens / (run.prefillNanos / 1e9);
                tg[rep] = genTokens == 0 ? 0 : genTokens / (run.decodeNanos / 1e9);
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
