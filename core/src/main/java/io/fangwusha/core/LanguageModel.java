package io.fangwusha.core;

import io.fangwusha.core.generate.GenerationDefaults;
import io.fangwusha.core.generate.GenerationResult;
import io.fangwusha.core.generate.Generator;
import io.fangwusha.core.generate.SamplingParams;
import io.fangwusha.core.generate.Scorer;
import io.fangwusha.core.generate.TokenListener;
import io.fangwusha.core.kernels.ThreadPool;
import io.fangwusha.core.model.Qwen3Config;
import io.fangwusha.core.model.Qwen3Model;
import io.fangwusha.core.tokenizer.Tokenizer;
import io.fangwusha.core.gguf.GgufFile;
import io.fangwusha.core.gguf.GgufVocab;
import io.fangwusha.core.model.MatrixFactory;
import io.fangwusha.core.template.ChatTemplate;
import io.fangwusha.core.weights.HfCheckpoint;
import io.fangwusha.core.weights.WeightStore;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The library API that the CLI, the server and the evaluator use: a loaded model with its tokenizer and the
 * checkpoint's generation defaults. Generation on one instance is serialised (the model has one workspace); the
 * server's scheduler batches sequences through {@link #model()} instead.
 *
 * <pre>{@code
 * try (LanguageModel lm = LanguageModel.load(Path.of("Qwen3Fangwusha4B"), LoadOptions.defaults())) {
 *     int[] prompt = lm.encode("你好");
 *     lm.generate(prompt, lm.defaultSampling(128), (id, text) -> { System.out.print(text); return true; });
 * }
 * }</pre>
 */
public final class LanguageModel implements AutoCloseable {
    private final Qwen3Model model;
    private final Tokenizer tokenizer;
    private final GenerationDefaults defaults;
    private final java.util.function.Supplier<ChatTemplate> chatTemplate;
    private final Path source;
    private final AutoCloseable resources;

    /** @param chatTemplate compiles the checkpoint's template on first use; returns null when there is none */
    public LanguageModel(Qwen3Model model, Tokenizer tokenizer, GenerationDefaults defaults,
                         java.util.function.Supplier<ChatTemplate> chatTemplate,
                         Path source, AutoCloseable resources) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.defaults = defaults;
        this.chatTemplate = memoize(chatTemplate);
        this.source = source;
        this.resources = resources;
    }

    /** The checkpoint's chat template (tokenizer_config.json, or the GGUF's), or a clear error when it has none. */
    public ChatTemplate chatTemplate() {
        ChatTemplate t = chatTemplate.get();
        if (t == null) throw new FangwushaException(source + ": the checkpoint has no chat template");
        return t;
    }

    private static java.util.function.Supplier<ChatTemplate> memoize(java.util.function.Supplier<ChatTemplate> s) {
        return new java.util.function.Supplier<>() {
            private ChatTemplate value;
            private boolean done;

            @Override
            public synchronized ChatTemplate get() {
                if (!done) {
                    value = s == null ? null : s.get();
                    done = true;
                }
                return value;
            }
        };
    }

    public Qwen3Model model() {
        return model;
    }

    public Qwen3Config config() {
        return model.config();
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public GenerationDefaults generationDefaults() {
        return defaults;
    }

    public Path source() {
        return source;
    }

    /** Encodes text with special tokens recognised, as transformers' tokenizer does by default. */
    public int[] encode(String text) {
        return tokenizer.encode(text);
    }

    /** The checkpoint's sampling defaults with {@code maxNewTokens}. */
    public SamplingParams defaultSampling(int maxNewTokens) {
        return SamplingParams.from(defaults, maxNewTokens);
    }

    public synchronized GenerationResult generate(int[] prompt, SamplingParams params, TokenListener listener) {
        return new Generator(model, tokenizer).generate(prompt, params, listener);
    }

    /** Negative log-likelihood of each token of {@code ids} from index {@code from} on, given what precedes it. */
    public synchronized double[] score(int[] ids, int from) {
        return Scorer.nll(model, ids, from);
    }

    @Override
    public void close() {
        try {
            if (resources != null) resources.close();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    /**
     * Loads a Hugging Face checkpoint directory (config.json, safetensors, tokenizer.json) or a GGUF file. Weights
     * stay memory-mapped; nothing is copied to the heap. {@code options.quant()} re-quantises float matrices
     * off-heap at load time (as {@code llama-quantize} would, without writing a file); {@code options.kvType()}
     * is the element type of the KV caches the model creates.
     */
    public static LanguageModel load(Path path, LoadOptions options) {
        if (!Files.exists(path)) throw new FangwushaException(path + ": no such file or directory");
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            Qwen3Config config;
            WeightStore store;
            Tokenizer tokenizer;
            GenerationDefaults defaults;
            java.util.function.Supplier<ChatTemplate> template;
            if (Files.isRegularFile(path)) {
                GgufFile gguf = GgufFile.open(path);
                resources.add(gguf);
                config = gguf.qwen3Config();
                store = gguf.weights();
                GgufVocab v = gguf.vocab();
                tokenizer = Tokenizer.fromGguf(v.tokens(), v.merges(), v.tokenTypes(), v.pre());
                defaults = GenerationDefaults.transformersDefaults(config.eosTokenIds());
                // the template supplier lives as long as the model: it keeps the template text and bos/eos strings,
                // not the vocabulary (300k strings)
                String templateText = v.chatTemplate();
                java.util.Map<String, Object> specialTokens = ggufSpecialTokens(v);
                template = () -> templateText == null ? null : ChatTemplate.of(templateText, specialTokens);
                gguf.releaseMetadata();
            } else {
                HfCheckpoint checkpoint = HfCheckpoint.open(path);
                resources.add(checkpoint);
                config = checkpoint.config();
                store = checkpoint.weights();
                tokenizer = Tokenizer.load(checkpoint.tokenizerJson());
                defaults = checkpoint.generation();
                Path tokenizerConfig = checkpoint.tokenizerConfig();
                template = () -> Files.isRegularFile(tokenizerConfig) ? ChatTemplate.fromTokenizerConfig(tokenizerConfig) : null;
            }
            ThreadPool pool = new ThreadPool(options.threads());
            resources.add(pool);
            Qwen3Model model = Qwen3Model.load(config, store, MatrixFactory.requantizing(options.quant(), options.repack()), pool,
                    options.kvType());
            // Building the tokenizer (300k strings and map entries, or Jackson's tree of tokenizer.json) outlives
            // young collections, so ~50 MB of it is promoted and its pages stay resident. A full collection now,
            // before the first forward pages the weights in, lets the collector shrink the heap and hand them back.
            System.gc();
            return new LanguageModel(model, tokenizer, defaults, template, path, () -> closeAll(resources));
        } catch (RuntimeException | Error e) {
            closeAll(resources);
            throw e;
        }
    }

    /** bos/eos strings for templates that use them, from the GGUF's special ids. */
    private static java.util.Map<String, Object> ggufSpecialTokens(GgufVocab v) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        if (v.bosId() != null && v.bosId() < v.tokens().size()) m.put("bos_token", v.tokens().get(v.bosId()));
        if (v.eosId() != null && v.eosId() < v.tokens().size()) m.put("eos_token", v.tokens().get(v.eosId()));
        return m;
    }

    private static void closeAll(List<AutoCloseable> resources) {
        RuntimeException first = null;
        for (AutoCloseable r : resources.reversed()) {
            try {
                r.close();
            } catch (Exception e) {
                if (first == null) first = new RuntimeException(e);
            }
        }
        resources.clear();
        if (first != null) throw first;
    }

}
