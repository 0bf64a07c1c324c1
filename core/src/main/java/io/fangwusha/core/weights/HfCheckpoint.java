package io.fangwusha.core.weights;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.generate.GenerationDefaults;
import io.fangwusha.core.model.Qwen3Config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A Hugging Face Qwen3 checkpoint directory: {@code config.json}, optional {@code generation_config.json}, the
 * safetensors weights (single or sharded) and the tokenizer files. {@link #open} validates every required tensor's
 * shape against the config, so a model built from it can trust the shapes.
 *
 * <p>With {@code tie_word_embeddings} the output projection IS the embedding, as transformers ties them: then
 * {@code weights().tensor("lm_head.weight")} returns the embedding even if the file also holds an lm_head.
 */
public final class HfCheckpoint implements AutoCloseable {
    private final Path dir;
    private final Qwen3Config config;
    private final GenerationDefaults generation;
    private final SafetensorsStore store;
    private final WeightStore weights;

    private HfCheckpoint(Path dir, Qwen3Config config, GenerationDefaults generation, SafetensorsStore store) {
        this.dir = dir;
        this.config = config;
        this.generation = generation;
        this.store = store;
        this.weights = config.tieWordEmbeddings() ? new Tied(store) : store;
    }

    public static HfCheckpoint open(Path dir) {
        if (!Files.isDirectory(dir)) throw new FangwushaException(dir + ": not a checkpoint directory");
        Path configFile = dir.resolve(HfConfigs.CONFIG);
        if (!Files.isRegularFile(configFile)) throw new FangwushaException(dir + ": no " + HfConfigs.CONFIG);
        Qwen3Config config = HfConfigs.readConfig(configFile);
        GenerationDefaults generation =
                HfConfigs.readGeneration(dir.resolve(HfConfigs.GENERATION_CONFIG), config.eosTokenIds());
        SafetensorsStore store = SafetensorsStore.open(dir);
        try {
            validate(config, store);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return new HfCheckpoint(dir, config, generation, store);
    }

    /** Checks that every tensor the config implies exists with exactly the implied shape. */
    public static void validate(Qwen3Config config, WeightStore store) {
        for (Qwen3Layout.Expected e : Qwen3Layout.expected(config)) {
            if (!store.contains(e.name())) {
                throw new FangwushaException(store.source() + ": missing tensor '" + e.name() + "' " + e.shapeString()
                        + " (" + e.dims() + ")");
            }
            Tensor t = store.tensor(e.name());
            if (!Arrays.equals(t.shape(), e.shape())) {
                throw new FangwushaException(e.name() + ": shape " + t.shapeString() + " but config says "
                        + e.shapeString() + " (" + e.dims() + ")");
            }
        }
    }

    public Path dir() {
        return dir;
    }

    public Qwen3Config config() {
        return config;
    }

    public GenerationDefaults generation() {
        return generation;
    }

    /** The weights; valid until {@link #close()}. */
    public WeightStore weights() {
        return weights;
    }

    /** The underlying files (without the tying view), e.g. to list the shards. */
    public SafetensorsStore store() {
        return store;
    }

    /** The output projection: the embedding when tied, else {@code lm_head.weight}. */
    public Tensor lmHead() {
        return weights.tensor(Qwen3Layout.LM_HEAD);
    }

    /** {@code tokenizer.json} in the checkpoint directory (may not exist; the tokenizer reports that). */
    public Path tokenizerJson() {
        return dir.resolve("tokenizer.json");
    }

    /** {@code tokenizer_config.json} (chat template, special tokens); may not exist. */
    public Path tokenizerConfig() {
        return dir.resolve("tokenizer_config.json");
    }

    @Override
    public void close() {
        store.close();
    }

    /** The store seen through transformers' weight tying: lm_head.weight resolves to the embedding. */
    private record Tied(WeightStore inner) implements WeightStore {
        @Override
        public Tensor tensor(String name) {
            return inner.tensor(name.equals(Qwen3Layout.LM_HEAD) ? Qwen3Layout.EMBED : name);
        }

        @Override
        public boolean contains(String name) {
            return inner.contains(name.equals(Qwen3Layout.LM_HEAD) ? Qwen3Layout.EMBED : name);
        }

        @Override
        public Set<String> names() {
            Set<String> all = new LinkedHashSet<>(inner.names());
            all.add(Qwen3Layout.LM_HEAD);
            return Collections.unmodifiableSet(all);
        }

        @Override
        public String source() {
            return inner.source();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
