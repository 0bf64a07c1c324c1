package io.fangwusha.core.generate;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.model.KvCache;
import io.fangwusha.core.model.Qwen3Model;
import io.fangwusha.core.tokenizer.Tokenizer;
import java.util.Arrays;

/** Generates one sequence: the prompt is prefilled in large batches, then one token per forward step. */
public final class Generator {
    /** Prompt tokens per prefill call: large enough to reuse each weight row many times, small enough for L2-sized work. */
    public static final int PREFILL_CHUNK = 512;

    private final Qwen3Model model;
    private final Tokenizer tokenizer;

    public Generator(Qwen3Model model, Tokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    public GenerationResult generate(int[] prompt, SamplingParams params, TokenListener listener) {
        int context = model.config().maxPositionEmbeddings();
        checkPrompt(prompt.length, context);
        int capacity = (int) Math.min(context, (long) prompt.length + Math.max(1, params.maxNewTokens()));
        KvCache cache = model.newCache(capacity);
        Sequence seq = new Sequence(prompt, params, tokenizer, cache, listener);
        if (seq.finished()) return seq.result(0, 0);

        long t0 = System.nanoTime();
        float[] logits = prefill(model, cache, prompt);
        long t1 = System.nanoTime();
        int vocab = model.config().vocabSize();
        seq.accept(logits, 0, vocab);
        KvCache[] caches = {cache};
        int[] token = new int[1], position = new int[1], row = {0};
        while (!seq.finished()) {
            token[0] = seq.lastToken();
            position[0] = seq.nextPosition();
            logits = model.forward(token, position, caches, row, logits);
            seq.accept(logits, 0, vocab);
        }
        return seq.result(t1 - t0, System.nanoTime() - t1);
    }

    public static void checkPrompt(int promptTokens, int context) {
        if (promptTokens == 0) throw new FangwushaException("prompt: the prompt is empty (0 tokens)");
        if (promptTokens >= context) {
            throw new FangwushaException("prompt: " + promptTokens + " tokens does not fit the context window of "
                    + context + " tokens (max_position_embeddings) with room to generate");
        }
    }

    /** Feeds {@code ids} into {@code cache} from its current length on; returns the logits after the last id. */
    public static float[] prefill(Qwen3Model model, KvCache cache, int[] ids) {
        float[] logits = null;
        int start = cache.length();
        for (int off = 0; off < ids.length; off += PREFILL_CHUNK) {
            int n = Math.min(PREFILL_CHUNK, ids.length - off);
            int[] tokens = Arrays.copyOfRange(ids, off, off + n);
            int[] positions = new int[n];
            KvCache[] caches = new KvCache[n];
            for (int i = 0; i < n; i++) {
                positions[i] = start + off + i;
                caches[i] = cache;
            }
            boolean last = off + n == ids.length;
            logits = model.forward(tokens, positions, caches, last ? new int[] {n - 1} : new int[0]);
        }
        return logits;
    }
}
