package io.fangwusha.core.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.Fixtures;
import io.fangwusha.core.generate.Generator;
import io.fangwusha.core.model.KvCache;
import io.fangwusha.core.model.Qwen3Model;
import io.fangwusha.core.testing.ReferenceCases;
import io.fangwusha.core.weights.Tensor;
import io.fangwusha.core.weights.WeightStore;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ObjIntConsumer;

/** Test helpers: teacher-forced decoding, reference subsets, and a dequantised copy of a weight store. */
final class Trajectories {
    private Trajectories() {}

    /**
     * Feeds {@code prompt} then {@code forced} one token at a time, handing the logits before each forced token
     * (step 0 = after the prompt) to {@code sink}: both models see the same context even where their argmax differs.
     */
    static void teacherForced(Qwen3Model m, int[] prompt, int[] forced, ObjIntConsumer<float[]> sink) {
        KvCache cache = m.newCache(prompt.length + forced.length);
        float[] logits = Generator.prefill(m, cache, prompt);
        for (int step = 0; step < forced.length; step++) {
            sink.accept(logits, step);
            if (step + 1 < forced.length) {
                logits = m.forward(new int[] {forced[step]}, new int[] {prompt.length + step}, new KvCache[] {cache}, new int[] {0});
            }
        }
    }

    /**
     * {@link #teacherForced} as one forward pass over the prompt and the forced tokens, the logits of every step
     * from one batch: the kernels' batched (float) path, whatever the decode path is.
     */
    static void teacherForcedInOneBatch(Qwen3Model m, int[] prompt, int[] forced, ObjIntConsumer<float[]> sink) {
        int n = prompt.length + forced.length - 1, vocab = m.config().vocabSize();
        KvCache cache = m.newCache(n);
        int[] tokens = new int[n], positions = new int[n], rows = new int[forced.length];
        KvCache[] caches = new KvCache[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = i < prompt.length ? prompt[i] : forced[i - prompt.length];
            positions[i] = i;
            caches[i] = cache;
        }
        for (int s = 0; s < forced.length; s++) rows[s] = prompt.length - 1 + s;
        float[] logits = m.forward(tokens, positions, caches, rows);
        for (int s = 0; s < forced.length; s++) sink.accept(java.util.Arrays.copyOfRange(logits, s * vocab, (s + 1) * vocab), s);
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    /** Model-A records of a reference file, optionally only one {@code variant} (llamacpp-variants.jsonl). */
    static List<ReferenceCases> modelA(String file, String variant) {
        Path src = Fixtures.fixtures().resolve("reference").resolve(file);
        ObjectMapper om = new ObjectMapper();
        try {
            List<String> keep = new ArrayList<>();
            for (String line : Files.readAllLines(src)) {
                if (line.isBlank()) continue;
                JsonNode r = om.readTree(line);
                if (!r.get("model").asText().equals("A")) continue;
                if (variant != null && !variant.equals(r.path("variant").asText())) continue;
                keep.add(line);
            }
            Path tmp = Files.createTempFile("ref-" + (variant == null ? "all" : variant), ".jsonl");
            try {
                Files.write(tmp, keep);
                return ReferenceCases.read(tmp);
            } finally {
                Files.delete(tmp);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Every quantised tensor of {@code src} decoded to F32 (exactly, by the dequantiser) in {@code arena}. */
    static WeightStore dequantized(WeightStore src, Arena arena) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String n : src.names()) {
            Tensor t = src.tensor(n);
            out.put(n, t.dtype().quantized() ? QuantizedMatrix.quantize(t, io.fangwusha.core.weights.DType.F32, arena) : t);
        }
        return new WeightStore() {
            @Override
            public Tensor tensor(String name) {
                Tensor t = out.get(name);
                if (t == null) throw new IllegalArgumentException(name);
                return t;
            }

            @Override
            public boolean contains(String name) {
                return out.containsKey(name);
            }

            @Override
            public Set<String> names() {
                return out.keySet();
            }

            @Override
            public String source() {
                return "dequantized " + src.source();
            }

            @Override
            public void close() {}
        };
    }
}
