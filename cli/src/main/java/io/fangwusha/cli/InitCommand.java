package io.fangwusha.cli;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.RandomCheckpoint;
import io.fangwusha.core.weights.RandomModelSpec;
import io.fangwusha.core.weights.SafetensorsWriter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fangwusha init}: writes a randomly initialised Qwen3 checkpoint in Hugging Face layout. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Write a randomly initialised Qwen3 checkpoint (safetensors, config.json, tokenizer).")
public final class InitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--preset", required = true, description = "tiny, qwen3-0.6b or qwen3-4b")
    String preset;

    @Option(names = "--layers", description = "num_hidden_layers") Integer layers;
    @Option(names = "--hidden", description = "hidden_size") Integer hidden;
    @Option(names = "--heads", description = "num_attention_heads") Integer heads;
    @Option(names = "--kv-heads", description = "num_key_value_heads") Integer kvHeads;
    @Option(names = "--head-dim", description = "head_dim") Integer headDim;
    @Option(names = "--intermediate", description = "intermediate_size") Integer intermediate;
    @Option(names = "--vocab", description = "vocab_size") Integer vocab;

    @Option(names = "--tie-word-embeddings", arity = "1", paramLabel = "true|false",
            description = "tie lm_head to the embedding (presets: true)")
    Boolean tie;

    @Option(names = "--dtype", description = "bf16 (default), f16 or f32") String dtype;

    @Option(names = "--init", description = "hf (std 0.02, norms 1; default) or scaled (as shared/tools/make_random_qwen3.py)")
    String init;

    @Option(names = "--max-shard-size", defaultValue = "2GB", description = "shard above this size (default ${DEFAULT-VALUE})")
    String maxShardSize;

    @Option(names = "--seed", defaultValue = "0", description = "random seed (default ${DEFAULT-VALUE})") long seed;

    @Option(names = "--threads", description = "generator threads (default: all processors)") Integer threads;

    @Option(names = "--tokenizer", required = true, description = "directory with tokenizer.json and tokenizer_config.json")
    Path tokenizer;

    @Option(names = "--out", required = true, description = "output directory (must not exist, or be empty)")
    Path out;

    @Override
    public Integer call() {
        DType dt = dtype == null ? null : RandomModelSpec.parseDtype(dtype);
        RandomModelSpec.Init scheme = init == null ? null : parseInit(init);
        RandomModelSpec model = RandomModelSpec.preset(preset).with(new RandomModelSpec.Overrides(
                layers, hidden, heads, kvHeads, headDim, intermediate, vocab, tie, dt, scheme));
        long maxShard = SafetensorsWriter.parseSize("--max-shard-size", maxShardSize);
        if (threads != null && threads < 1) throw new FangwushaException("--threads must be positive, got " + threads);
        SafetensorsWriter writer = threads == null ? new SafetensorsWriter() : new SafetensorsWriter(threads);
        RandomCheckpoint.Result r = RandomCheckpoint.write(model, seed, tokenizer, out, maxShard, writer);
        PrintWriter w = spec == null ? new PrintWriter(System.out, true) : spec.commandLine().getOut();
        w.printf(Locale.ROOT, "init %s: %,d parameters, %,d bytes %s in %d file%s, %.1f s -> %s%n", preset,
                r.parameters(), r.bytes(), model.dtype(), r.weightFiles(), r.weightFiles() == 1 ? "" : "s",
                r.seconds(), r.dir());
        w.flush();
        return 0;
    }

    private static RandomModelSpec.Init parseInit(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "hf" -> RandomModelSpec.Init.HF;
            case "scaled" -> RandomModelSpec.Init.SCALED;
            default -> throw new FangwushaException("--init: '" + s + "' is not one of hf, scaled");
        };
    }
}
