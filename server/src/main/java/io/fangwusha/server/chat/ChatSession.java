package io.fangwusha.server.chat;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.LanguageModel;
import io.fangwusha.core.generate.FinishReason;
import io.fangwusha.core.generate.GenerationResult;
import io.fangwusha.core.generate.Generator;
import io.fangwusha.core.generate.SamplingParams;
import io.fangwusha.core.generate.Sequence;
import io.fangwusha.core.model.KvCache;
import io.fangwusha.core.model.Qwen3Model;
import io.fangwusha.core.template.ChatTemplate;
import io.fangwusha.core.template.ReasoningParser;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A multi-turn conversation with one model, for the terminal {@code chat} command. The conversation is re-rendered
 * with the chat template each turn; the KV cache keeps the tokens of the previous turn, so only the part of the
 * new prompt that differs from what is cached is prefilled (the template drops past reasoning, so that is usually
 * from the last answer on). When the prompt would not leave {@code minAnswerTokens} free in the context window,
 * the oldest turns are dropped (the system message stays).
 */
public final class ChatSession {
    /** What one answer produced. */
    public record Reply(String reasoning, String content, FinishReason finishReason, int promptTokens, int reusedTokens,
                        int generatedTokens, long prefillNanos, long decodeNanos, int droppedTurns) {
        public double tokensPerSecond() {
            return decodeNanos > 0 ? Math.max(0, generatedTokens - 1) / (decodeNanos / 1e9) : 0;
        }
    }

    private final LanguageModel lm;
    private final ChatTemplate template;
    private final String system;
    private final int contextTokens;
    private final int minAnswerTokens;
    private final List<Map<String, Object>> turns = new ArrayList<>();
    private KvCache cache;
    private int[] cached = new int[0];

    /**
     * @param contextTokens   the window (prompt + answer), at most the model's max_position_embeddings; the KV cache
     *                        for it is allocated once
     * @param minAnswerTokens old turns are dropped until the prompt leaves at least this much room
     */
    public ChatSession(LanguageModel lm, ChatTemplate template, String system, int contextTokens, int minAnswerTokens) {
        this.lm = lm;
        this.template = template;
        this.system = system == null || system.isBlank() ? null : system;
        this.contextTokens = Math.min(contextTokens, lm.config().maxPositionEmbeddings());
        this.minAnswerTokens = Math.min(minAnswerTokens, this.contextTokens / 2);
    }

    public void reset() {
        turns.clear();
        cached = new int[0];
        if (cache != null) cache.truncate(0);
    }

    /** Number of user and assistant messages kept. */
    public int historySize() {
        return turns.size();
    }

    public int contextTokens() {
        return contextTokens;
    }

    /**
     * Answers {@code user}, streaming each piece of reasoning and answer text to {@code sink} as it is generated.
     * {@code params.maxNewTokens()} is capped by the room left in the window.
     */
    public Reply reply(String user, boolean think, SamplingParams params, Consumer<ReasoningParser.Delta> sink) {
        turns.add(message("user", user));
        int dropped = 0;
        int[] ids;
        String prompt;
        while (true) {
            prompt = render(think);
            ids = lm.encode(prompt);
            if (ids.length + minAnswerTokens <= contextTokens) break;
            // Drop the oldest exchange (user message and its answer); never the message being answered.
            if (turns.size() <= 1) {
                turns.removeLast();
                throw new FangwushaException("message: " + ids.length + " tokens leave no room to answer in the context of "
                        + contextTokens + " tokens (--context)");
            }
            turns.removeFirst();
            if (!turns.isEmpty() && "assistant".equals(turns.getFirst().get("role"))) turns.removeFirst();
            dropped++;
        }
        Qwen3Model model = lm.model();
        if (cache == null) cache = model.newCache(contextTokens);
        // Reuse the cached prefix; at least the last prompt token is fed again for its logits.
        int reuse = Math.min(commonPrefix(cached, ids), ids.length - 1);
        cache.truncate(Math.min(reuse, cache.length()));
        int max = Math.min(params.maxNewTokens(), contextTokens - ids.length);
        ReasoningParser parser = ReasoningParser.forPrompt(prompt);
        Sequence seq = new Sequence(ids, params.withMaxNewTokens(max), lm.tokenizer(), cache, (id, text) -> {
            ReasoningParser.Delta d = parser.push(text);
            if (!d.isEmpty()) sink.accept(d);
            return true;
        });
        long t0 = System.nanoTime();
        float[] logits = Generator.prefill(model, cache, Arrays.copyOfRange(ids, reuse, ids.length));
        long t1 = System.nanoTime();
        int vocab = model.config().vocabSize();
        if (!seq.finished()) seq.accept(logits, 0, vocab);
        KvCache[] caches = {cache};
        int[] token = new int[1], position = new int[1], row = {0};
        while (!seq.finished()) {
            token[0] = seq.lastToken();
            position[0] = seq.nextPosition();
            logits = model.forward(token, position, caches, row, logits);
            seq.accept(logits, 0, vocab);
        }
        long t2 = System.nanoTime();
        ReasoningParser.Delta tail = parser.finish();
        if (!tail.isEmpty()) sink.accept(tail);

        GenerationResult r = seq.result(t1 - t0, t2 - t1);
        // The cache now holds the prompt and every generated token but the last (which was never fed).
        int[] out = r.outputIds();
        cached = Arrays.copyOf(ids, ids.length + Math.max(0, out.length - 1));
        System.arraycopy(out, 0, cached, ids.length, Math.max(0, out.length - 1));
        ReasoningParser.Result split = ReasoningParser.parse(r.text(), ReasoningParser.promptOpensReasoning(prompt),
                ReasoningParser.Newlines.STRIP);
        Map<String, Object> answer = message("assistant", split.content());
        if (!split.reasoning().isEmpty()) answer.put("reasoning_content", split.reasoning());
        turns.add(answer);
        return new Reply(split.reasoning(), split.content(), r.finishReason(), ids.length, reuse, out.length,
                t1 - t0, t2 - t1, dropped);
    }

    private String render(boolean think) {
        List<Map<String, Object>> messages = new ArrayList<>();
        if (system != null) messages.add(message("system", system));
        messages.addAll(turns);
        return template.render(messages, null, true, Map.of("enable_thinking", think));
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length), i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }
}
