package io.fangwusha.cli;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.LanguageModel;
import io.fangwusha.eval.Perplexity;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code perplexity}: strided-window perplexity of a text file (the model card's first metric). */
@Command(name = "perplexity", mixinStandardHelpOptions = true, description = "Strided-window perplexity of a UTF-8 text file.")
final class PerplexityCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = "--file", required = true, paramLabel = "TEXT_FILE")
    Path file;

    @Option(names = "--context", paramLabel = "N", description = "Window length in tokens (default: min(max_position_embeddings, 2048)).")
    Integer context;

    @Option(names = "--stride", paramLabel = "S", description = "Window step (default: context / 2).")
    Integer stride;

    @Option(names = "--json", description = "Print {perplexity, tokens, mean_nll} as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        String text = readText(file);
        try (LanguageModel lm = modelOptions.load()) {
            int ctx = context != null ? context : Math.min(lm.config().maxPositionEmbeddings(), 2048);
            int st = stride != null ? stride : Math.max(1, ctx / 2);
            int[] ids = lm.encode(text);
            try (ProgressBar bar = ProgressBar.forTokens("perplexity", Math.max(0, ids.length - 1), ids.length > 4 * ctx)) {
                Perplexity.Result r = Perplexity.compute(lm.model(), ids, ctx, st, bar::update);
                bar.finish();
                if (json) {
                    System.out.printf("{\"perplexity\": %s, \"tokens\": %d, \"mean_nll\": %s}%n",
                            Double.toString(r.perplexity()), r.tokens(), Double.toString(r.meanNll()));
                } else {
                    System.out.printf("perplexity %.4f over %d tokens (mean NLL %.6f; context %d, stride %d)%n",
                            r.perplexity(), r.tokens(), r.meanNll(), ctx, st);
                }
            }
        }
        return 0;
    }

    static String readText(Path file) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (java.nio.file.NoSuchFileException e) {
            throw new FangwushaException(file + ": no such file");
        } catch (CharacterCodingException e) {
            throw new FangwushaException(file + ": not valid UTF-8 text");
        } catch (IOException e) {
            throw new FangwushaException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }
}
