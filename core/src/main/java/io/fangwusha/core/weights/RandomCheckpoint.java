package io.fangwusha.core.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.model.Qwen3Config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes a randomly initialised Qwen3 checkpoint in Hugging Face layout: weights (deterministic from the seed, see
 * {@link CounterRng}), {@code config.json}, {@code generation_config.json} (Qwen3's), {@code random_init.json} (how it
 * was made) and the tokenizer files. Everything is written into a hidden temporary directory beside the output,
 * which is renamed into place only when complete, so a failure never leaves a half checkpoint that looks whole.
 */
public final class RandomCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double HF_STD = 0.02;
    private static final double SCALED_EMBED_STD = 0.02, SCALED_NORM_STD = 0.05, SCALED_FINAL_NORM_MEAN = 16.0;

    private RandomCheckpoint() {}

    /** What was written. {@code bytes} counts tensor data; {@code seconds} the whole write. */
    public record Result(Path dir, Qwen3Config config, long parameters, long bytes, int weightFiles, double seconds) {
        public String summary() {
            return String.format("%s: %,d parameters, %,d bytes of weights in %d file%s, %.1f s", dir, parameters,
                    bytes, weightFiles, weightFiles == 1 ? "" : "s", seconds);
        }
    }

    /** The weights of {@code spec} for {@code seed}: name, shape, and the (mean, std) each element is drawn with. */
    public static List<TensorOut> tensors(RandomModelSpec spec, long seed) {
        List<TensorOut> out = new ArrayList<>();
        for (Qwen3Layout.Expected e : Qwen3Layout.expected(spec.config())) {
            double[] ms = meanStd(spec.init(), e);
            long key = CounterRng.key(seed, e.name());
            double mean = ms[0], std = ms[1];
            DType dt = spec.dtype();
            out.add(new TensorOut(e.name(), dt, e.shape(),
                    (first, count, dst) -> CounterRng.fill(key, mean, std, dt, first, count, dst)));
        }
        return out;
    }

    static double[] meanStd(RandomModelSpec.Init init, Qwen3Layout.Expected e) {
        return switch (init) {
            case HF -> switch (e.role()) {
                case EMBEDDING, LINEAR, LM_HEAD -> new double[] {0, HF_STD};
                case NORM, FINAL_NORM -> new double[] {1, 0};
                case BIAS -> new double[] {0, 0};
            };
            case SCALED -> switch (e.role()) {
                case EMBEDDING, LM_HEAD -> new double[] {0, SCALED_EMBED_STD};
                case LINEAR -> new double[] {0, 1.0 / Math.sqrt(e.fanIn())};
                case NORM -> new double[] {1, SCALED_NORM_STD};
                case FINAL_NORM -> new double[] {SCALED_FINAL_NORM_MEAN, SCALED_NORM_STD * SCALED_FINAL_NORM_MEAN};
                case BIAS -> new double[] {0, 0};
            };
        };
    }

    /**
     * Writes the checkpoint to {@code out}, which must not exist or be an empty directory. {@code tokenizerDir} must
     * hold tokenizer.json and tokenizer_config.json; vocab.json and merges.txt are copied too when present.
     */
    public static Result write(RandomModelSpec spec, long seed, Path tokenizerDir, Path out, long maxShardBytes,
                               SafetensorsWriter writer) {
        long t0 = System.nanoTime();
        spec.validated();
        if (maxShardBytes <= 0) throw new FangwushaException("--max-shard-size must be positive, got " + maxShardBytes);
        for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
            if (!Files.isRegularFile(tokenizerDir.resolve(f))) {
                throw new FangwushaException("--tokenizer " + tokenizerDir + ": no " + f);
            }
        }
        Path target = out.toAbsolutePath().normalize();
        if (Files.exists(target) && !isEmptyDirectory(target)) {
            throw new FangwushaException("--out " + out + ": exists and is not an empty directory");
        }
        Path parent = target.getParent();
        Path tmp = parent.resolve("." + target.getFileName() + ".partial-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(parent);
            deleteTree(tmp);
            Files.createDirectory(tmp);
            List<TensorOut> tensors = tensors(spec, seed);
            SafetensorsWriter.Written w = writer.writeCheckpoint(tmp, tensors, maxShardBytes);
            for (String f : List.of("tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt")) {
                Path src = tokenizerDir.resolve(f);
                if (Files.isRegularFile(src)) {
                    // copy the bytes only: the source may be read-only, the copy should not be
                    try (InputStream in = Files.newInputStream(src)) {
                        Files.copy(in, tmp.resolve(f));
                    }
                }
            }
            Qwen3Config config = spec.config();
            long params = 0;
            for (TensorOut t : tensors) params += t.elements();
            SafetensorsWriter.writeJsonAtomically(tmp.resolve("random_init.json"), provenance(spec, seed, params, w));
            SafetensorsWriter.writeJsonAtomically(tmp.resolve(HfConfigs.GENERATION_CONFIG), generationConfigJson());
            SafetensorsWriter.writeJsonAtomically(tmp.resolve(HfConfigs.CONFIG), configJson(config));
            if (Files.exists(target)) Files.delete(target); // an empty directory, checked above
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            int weightFiles = w.files().size() == 1 ? 1 : w.files().size() - 1; // the index is not a weight file
            return new Result(target, config, params, w.totalBytes(), weightFiles, (System.nanoTime() - t0) / 1e9);
        } catch (IOException e) {
            deleteTreeQuietly(tmp);
            throw new FangwushaException("--out " + out + ": cannot write: " + e, e);
        } catch (RuntimeException | Error e) {
            deleteTreeQuietly(tmp);
            throw e;
        }
    }

    /** config.json with transformers' field names (keys sorted, as transformers writes them). */
    public static ObjectNode configJson(Qwen3Config c) {
        ObjectNode n = JSON.createObjectNode();
        n.putArray("architectures").add("Qwen3ForCausalLM");
        n.put("attention_bias", c.attentionBias());
        n.put("attention_dropout", 0.0);
        n.put("bos_token_id", c.bosTokenId());
        if (c.eosTokenIds().size() == 1) {
            n.put("eos_token_id", c.eosTokenIds().get(0));
        } else {
            ArrayNode eos = n.putArray("eos_token_id");
            c.eosTokenIds().forEach(eos::add);
        }
        n.put("head_dim", c.headDim());
        n.put("hidden_act", "silu");
        n.put("hidden_size", c.hiddenSize());
        n.put("initializer_range", HF_STD);
        n.put("intermediate_size", c.intermediateSize());
        n.put("max_position_embeddings", c.maxPositionEmbeddings());
        n.put("max_window_layers", c.numLayers());
        n.put("model_type", "qwen3");
        n.put("num_attention_heads", c.numHeads());
        n.put("num_hidden_layers", c.numLayers());
        n.put("num_key_value_heads", c.numKvHeads());
        n.put("rms_norm_eps", c.rmsNormEps());
        n.putNull("rope_scaling");
        // HF writes an integral theta as an int (1000000); keep that spelling.
        if (c.ropeTheta() == Math.rint(c.ropeTheta()) && Math.abs(c.ropeTheta()) < 1e15) {
            n.put("rope_theta", (long) c.ropeTheta());
        } else {
            n.put("rope_theta", c.ropeTheta());
        }
        n.putNull("sliding_window");
        n.put("tie_word_embeddings", c.tieWordEmbeddings());
        n.put("torch_dtype", c.torchDtype());
        n.put("transformers_version", "4.51.0");
        n.put("use_cache", true);
        n.put("use_sliding_window", false);
        n.put("vocab_size", c.vocabSize());
        return n;
    }

    /** Qwen3's released generation_config.json. */
    public static ObjectNode generationConfigJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("bos_token_id", RandomModelSpec.BOS);
        n.put("do_sample", true);
        n.putArray("eos_token_id").add(RandomModelSpec.EOS).add(RandomModelSpec.BOS);
        n.put("pad_token_id", RandomModelSpec.BOS);
        n.put("temperature", 0.6);
        n.put("top_k", 20);
        n.put("top_p", 0.95);
        n.put("transformers_version", "4.51.0");
        return n;
    }

    private static ObjectNode provenance(RandomModelSpec spec, long seed, long params, SafetensorsWriter.Written w) {
        ObjectNode n = JSON.createObjectNode();
        n.put("generator", CounterRng.VERSION);
        n.put("seed", seed);
        n.put("init", spec.init().name().toLowerCase(java.util.Locale.ROOT));
        n.put("dtype", spec.dtype().name());
        ObjectNode ts = n.putObject("tensors");
        for (Qwen3Layout.Expected e : Qwen3Layout.expected(spec.config())) {
            double[] ms = meanStd(spec.init(), e);
            ObjectNode t = ts.putObject(e.name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape()) shape.add(d);
            t.put("mean", ms[0]).put("std", ms[1]);
        }
        n.put("n_params", params);
        n.put("total_bytes", w.totalBytes());
        return n;
    }

    private static boolean isEmptyDirectory(Path p) {
        if (!Files.isDirectory(p)) return false;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
            return !ds.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }

    private static void deleteTreeQuietly(Path p) {
        try {
            deleteTree(p);
        } catch (IOException ignored) {
            // best effort; the hidden .partial name never passes for a finished checkpoint
        }
    }
}
