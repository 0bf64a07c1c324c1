package io.fangwusha.cli;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.gguf.GgufExporter;
import io.fangwusha.core.weights.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fangwusha quantize}: writes a checkpoint as a GGUF file that llama.cpp loads (architecture qwen3), with
 * every 2-D weight in the chosen type and the norms in F32. The summary line goes to stderr so stdout stays clean.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Export a Hugging Face checkpoint (or re-encode a GGUF file) as GGUF: q8_0, q4_0, f16, bf16 or f32.")
public final class QuantizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "Checkpoint directory (Hugging Face layout) or .gguf file.")
    Path model;

    @Option(names = "--type", required = true, paramLabel = "TYPE", description = "q8_0, q4_0, f16, bf16 or f32")
    String type;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output .gguf file (replaced atomically).")
    Path out;

    @Option(names = "--name", paramLabel = "NAME",
            description = "general.name (default: the directory name, or the input GGUF's general.name)")
    String name;

    @Override
    public Integer call() {
        DType target = GgufExporter.parseTarget(type);
        if (!Files.exists(model)) throw new FangwushaException(model + ": no such file or directory");
        if (Files.isDirectory(out)) throw new FangwushaException(out + ": is a directory (--out names the .gguf file)");
        Path parent = out.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new FangwushaException(out + ": directory " + parent + " does not exist");
        }
        long t0 = System.nanoTime();
        GgufExporter.Summary s = GgufExporter.exportModel(model, target, name, out);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.err.printf(Locale.ROOT, "quantize: %s -> %s: %d tensors, %s, %,d bytes in %.1f s (%.0f MB/s)%n",
                model, out, s.tensors(), target.name().toLowerCase(Locale.ROOT), s.fileBytes(), seconds,
                s.fileBytes() / 1e6 / Math.max(seconds, 1e-9));
        System.err.flush();
        return 0;
    }
}
