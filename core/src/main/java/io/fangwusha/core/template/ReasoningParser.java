package io.fangwusha.core.template;

/**
 * Splits Qwen3 output into reasoning ({@code <think>…</think>}) and content, for a whole text ({@link #parse}) or
 * incrementally while streaming ({@link #push} then {@link #finish}). Streaming never lets a partial
 * {@code <think>}/{@code </think>} tag into either channel: a suffix that could still become a tag is held back
 * until the next piece decides it. The concatenated deltas always equal {@link #parse} of the concatenated pieces.
 *
 * <p>Rules (as vLLM's Qwen3ReasoningParser): a {@code <think>} at the very start of the output opens reasoning and is
 * dropped; reasoning runs to the first {@code </think>}, everything after it is content. Output without a leading
 * {@code <think>} is content, unless the parser was created {@code startsInReasoning} (the prompt already ended
 * with {@code <think>\n}, as Qwen3 thinking-only templates do; see {@link #forPrompt}); then it is reasoning until
 * {@code </think>}, and all of it if none comes (truncated thinking). A {@code <think>} elsewhere is plain text.
 *
 * <p>Newlines: vLLM returns the text around the tags verbatim, so its content keeps the {@code "\n\n"} Qwen3 writes
 * after {@code </think>} ({@link Newlines#KEEP}). {@link Newlines#STRIP} (the default) instead normalises exactly as
 * the Qwen3 chat template does when it re-renders a past turn: reasoning {@code strip('\n')}, content after
 * {@code </think>} {@code lstrip('\n')}; a UI wants that, and the pair re-renders to the same prompt text.
 */
public final class ReasoningParser {
    private static final String OPEN = "<think>";
    private static final String CLOSE = "</think>";

    public enum Newlines { STRIP, KEEP }

    /** What one {@link #push} adds to each channel (either may be empty). */
    public record Delta(String reasoningDelta, String contentDelta) {
        public boolean isEmpty() {
            return reasoningDelta.isEmpty() && contentDelta.isEmpty();
        }
    }

    /** A whole-text split. */
    public record Result(String reasoning, String content) {}

    private enum State { START, REASONING, CONTENT }

    private final boolean startsInReasoning;
    private final boolean strip;
    private final StringBuilder pending = new StringBuilder();
    private State state = State.START;
    private boolean reasoningEmitted;
    private boolean contentEmitted;
    private boolean afterThink;
    private boolean finished;

    public ReasoningParser(boolean startsInReasoning, Newlines newlines) {
        this.startsInReasoning = startsInReasoning;
        this.strip = newlines == Newlines.STRIP;
    }

    /** A parser for output continuing {@code renderedPrompt}: in reasoning if the prompt ends with an open {@code <think>}. */
    public static ReasoningParser forPrompt(String renderedPrompt) {
        return new ReasoningParser(promptOpensReasoning(renderedPrompt), Newlines.STRIP);
    }

    /** True when the prompt ends inside a think block ({@code <think>} followed only by newlines). */
    public static boolean promptOpensReasoning(String renderedPrompt) {
        String p = renderedPrompt;
        int end = p.length();
        while (end > 0 && p.charAt(end - 1) == '\n') end--;
        return p.startsWith(OPEN, end - OPEN.length()) && end >= OPEN.length();
    }

    /** Whole-text split (independent of the streaming state machine). */
    public static Result parse(String text, boolean startsInReasoning, Newlines newlines) {
        boolean inReasoning = startsInReasoning;
        if (text.startsWith(OPEN)) {
            text = text.substring(OPEN.length());
            inReasoning = true;
        }
        if (!inReasoning) return new Result("", text);
        int close = text.indexOf(CLOSE);
        String reasoning = close < 0 ? text : text.substring(0, close);
        String content = close < 0 ? "" : text.substring(close + CLOSE.length());
        if (newlines == Newlines.STRIP) {
            reasoning = stripNewlines(reasoning, true, true);
            if (close >= 0) content = stripNewlines(content, true, false);
        }
        return new Result(reasoning, content);
    }

    /** Feeds the next piece of generated text. */
    public Delta push(String piece) {
        if (finished) throw new IllegalStateException("ReasoningParser.push after finish");
        pending.append(piece);
        return drain(false);
    }

    /** Ends the stream: releases anything held back (a partial tag that never completed is ordinary text). */
    public Delta finish() {
        if (finished) return new Delta("", "");
        Delta d = drain(true);
        finished = true;
        return d;
    }

    private Delta drain(boolean eof) {
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        while (true) {
            if (state == State.START) {
                if (pending.length() >= OPEN.length() && pending.substring(0, OPEN.length()).equals(OPEN)) {
                    pending.delete(0, OPEN.length());
                    state = State.REASONING;
                } else if (!eof && OPEN.startsWith(pending.toString())) {
                    break; // could still become "<think>"
                } else {
                    state = startsInReasoning ? State.REASONING : State.CONTENT;
                }
            } else if (state == State.REASONING) {
                int close = pending.indexOf(CLOSE);
                if (close >= 0) {
                    emitReasoning(pending.substring(0, close), true, reasoning);
                    pending.delete(0, close + CLOSE.length());
                    state = State.CONTENT;
                    afterThink = true;
                    continue;
                }
                if (eof) {
                    emitReasoning(pending.toString(), true, reasoning);
                    pending.setLength(0);
                    break;
                }
                int upto = pending.length() - partialTagSuffix();
                // Trailing newlines may turn out to be the ones before </think>, which STRIP drops: hold them.
                if (strip) while (upto > 0 && pending.charAt(upto - 1) == '\n') upto--;
                emitReasoning(pending.substring(0, upto), false, reasoning);
                pending.delete(0, upto);
                break;
            } else {
                String text = pending.toString();
                pending.setLength(0);
                if (strip && afterThink && !contentEmitted) text = stripNewlines(text, true, false);
                if (!text.isEmpty()) {
                    contentEmitted = true;
                    content.append(text);
                }
                break;
            }
        }
        return new Delta(reasoning.toString(), content.toString());
    }

    /** Length of the longest proper prefix of {@code </think>} that ends {@code pending}. */
    private int partialTagSuffix() {
        for (int k = Math.min(CLOSE.length() - 1, pending.length()); k > 0; k--) {
            if (pending.substring(pending.length() - k).equals(CLOSE.substring(0, k))) return k;
        }
        return 0;
    }

    private void emitReasoning(String s, boolean closing, StringBuilder into) {
        if (strip) s = stripNewlines(s, !reasoningEmitted, closing);
        if (!s.isEmpty()) {
            reasoningEmitted = true;
            into.append(s);
        }
    }

    private static String stripNewlines(String s, boolean leading, boolean trailing) {
        int a = 0;
        int b = s.length();
        if (leading) while (a < b && s.charAt(a) == '\n') a++;
        if (trailing) while (b > a && s.charAt(b - 1) == '\n') b--;
        return s.substring(a, b);
    }
}
