package io.fangwusha.cli;

import io.fangwusha.core.LanguageModel;
import io.fangwusha.core.LoadOptions;
import io.fangwusha.core.kernels.ThreadPool;
import io.fangwusha.core.model.KvCacheType;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by every command that loads a model. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "PATH", description = "Checkpoint directory (Hugging Face layout) or .gguf file.")
    Path model;

    @Option(names = "--threads", paramLabel = "N", description = "Kernel threads (default: all cores).")
    Integer threads;

    @Option(names = "--quant", paramLabel = "TYPE", description = "Quantise weights on load: q8_0 or q4_0.")
    String quant;

    @Option(names = "--kv-type", paramLabel = "TYPE", defaultValue = "f32",
            description = "KV cache element type: f32 (exact, default), f16 or bf16 (half the memory).")
    String kvType;

    @Option(names = "--no-repack", description = "Keep Q4_0/Q4_K/Q8_0 weights in the file's layout instead of copying them "
            + "into the decode kernels' row groups on load: faster loading and no extra memory while loading, slower decode.")
    boolean noRepack;

    LoadOptions loadOptions() {
        return new LoadOptions(threads != null ? threads : ThreadPool.defaultThreads(), quant, KvCacheType.parse(kvType), !noRepack);
    }

    LanguageModel load() {
        return LanguageModel.load(model, loadOptions());
    }
}
