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
import io.fangwusha.core.model.MatrixFactory;
import io.fangwusha.core.weights.HfCheckpoint;
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
    private final Path source;
    private final AutoCloseable resources;

    public LanguageModel(Qwen3Model model, Tokenizer tokenizer, GenerationDefaults defaults, Path source, AutoCloseable resources) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.defaults = defaults;
        this.source = source;
        this.resources = resources;
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
        model.pool().close();
        try {
            if (resources != null) resources.close();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    /**
     * Loads a Hugging Face checkpoint directory (config.json, safetensors, tokenizer.json). Weights stay
     * memory-mapped; nothing is copied to the heap unless {@code options.quant()} asks for re-quantisation.
     */
    public static LanguageModel load(Path path, LoadOptions options) {
        if (!Files.exists(path)) throw new FangwushaException(path + ": no such file or directory");
        HfCheckpoint checkpoint = HfCheckpoint.open(path);
        ThreadPool pool = null;
        try {
            Tokenizer tokenizer = Tokenizer.load(checkpoint.tokenizerJson());
            pool = new ThreadPool(options.threads());
            Qwen3Model model = Qwen3Model.load(checkpoint.config(), checkpoint.weights(), matrixFactory(options), pool);
            return new LanguageModel(model, tokenizer, checkpoint.generation(), path, checkpoint);
        } catch (RuntimeException | Error e) {
            if (pool != null) pool.close();
            checkpoint.close();
            throw e;
        }
    }

    static MatrixFactory matrixFactory(LoadOptions options) {
        if (options.quant() == null) return MatrixFactory.DENSE;
        throw new FangwushaException("--quant: unknown type '" + options.quant() + "' (expected q8_0 or q4_0)");
    }
}
