package io.fangwusha.eval;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.generate.Scorer;
import io.fangwusha.core.model.Qwen3Model;
import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Strided-window perplexity as in transformers' perplexity guide: windows {@code [begin, min(begin+context, N))}
 * for begin = 0, stride, 2·stride, …, each scoring only the targets not scored before,
 * {@code [max(prevEnd, begin+1), end)}, so every token after the first is scored exactly once with as much left
 * context as the window gives. The mean is over tokens (not over windows).
 */
public final class Perplexity {
    private Perplexity() {}

    public record Result(double perplexity, long tokens, double meanNll) {}

    /** @param progress told the number of tokens scored so far after each window */
    public static Result compute(Qwen3Model model, int[] ids, int context, int stride, IntConsumer progress) {
        if (context < 2) throw new FangwushaException("context: must be at least 2, got " + context);
        if (stride < 1 || stride > context) throw new FangwushaException("stride: must be in [1, context], got " + stride);
        if (context > model.config().maxPositionEmbeddings()) {
            throw new FangwushaException("context: " + context + " exceeds max_position_embeddings " + model.config().maxPositionEmbeddings());
        }
        if (ids.length < 2) throw new FangwushaException("text has " + ids.length + " tokens; perplexity needs at least 2");
        int n = ids.length;
        double total = 0;
        long scored = 0;
        int prevEnd = 0;
        for (int begin = 0; begin < n; begin += stride) {
            int end = Math.min(begin + context, n);
            int from = Math.max(prevEnd, begin + 1);
            if (from < end) {
                double[] nll = Scorer.nll(model, Arrays.copyOfRange(ids, begin, end), from - begin);
                for (double v : nll) total += v;
                scored += nll.length;
            }
            prevEnd = end;
            if (progress != null) progress.accept((int) scored);
            if (end == n) break;
        }
        double mean = total / scored;
        return new Result(Math.exp(mean), scored, mean);
    }
}
