package io.fangwusha.server.api;

/**
 * Splits Qwen3 output into reasoning ({@code <think>…</think>}) and the answer while it streams, as vLLM's qwen3
 * reasoning parser does: reasoning only when the output opens with {@code <think>} (or the prompt already opened
 * it), the answer is everything after {@code </think>}; output without a think block is all answer. The tags are
 * plain added tokens that the decoder keeps, but a filter or stop-string hold-back may still cut one in two, so a
 * partial tag at the end of a piece is held back. Newlines right after a tag are dropped (the template puts them
 * there). Not thread-safe.
 */
public final class ThinkSplitter {
    static final String OPEN = "<think>";
    static final String CLOSE = "</think>";

    /** One piece of output split in two; either part may be empty. */
    public record Delta(String reasoning, String content) {
        public boolean isEmpty() {
            return reasoning.isEmpty() && content.isEmpty();
        }
    }

    private enum State { START, REASONING, CONTENT }

    private State state;
    private final StringBuilder pending = new StringBuilder();
    private boolean trimLeading = true;

    /** @param promptOpensThink the rendered prompt ends inside an open think block */
    public ThinkSplitter(boolean promptOpensThink) {
        this.state = promptOpensThink ? State.REASONING : State.START;
    }

    public Delta push(String text) {
        pending.append(text);
        return drain(false);
    }

    public Delta finish() {
        return drain(true);
    }

    private Delta drain(boolean atEnd) {
        StringBuilder reasoning = new StringBuilder(), content = new StringBuilder();
        while (true) {
            if (state == State.START) {
                String p = pending.toString();
                int lead = 0;
                while (lead < p.length() && Character.isWhitespace(p.charAt(lead))) lead++;
                String rest = p.substring(lead);
                if (rest.startsWith(OPEN)) {
                    pending.delete(0, lead + OPEN.length());
                    state = State.REASONING;
                    trimLeading = true;
                    continue;
                }
                if (!atEnd && OPEN.startsWith(rest)) break; // may still become <think>
                state = State.CONTENT;
                continue;
            }
            if (trimLeading) {
                int k = 0;
                while (k < pending.length() && pending.charAt(k) == '\n') k++;
                pending.delete(0, k);
                if (pending.isEmpty() && !atEnd) break;
                trimLeading = false;
            }
            if (state == State.CONTENT) {
                content.append(pending);
                pending.setLength(0);
                break;
            }
            int close = pending.indexOf(CLOSE);
            if (close >= 0) {
                reasoning.append(pending, 0, close);
                pending.delete(0, close + CLOSE.length());
                state = State.CONTENT;
                trimLeading = true;
                continue;
            }
            int keep = atEnd ? 0 : partialSuffix(pending, CLOSE);
            reasoning.append(pending, 0, pending.length() - keep);
            pending.delete(0, pending.length() - keep);
            break;
        }
        return new Delta(reasoning.toString(), content.toString());
    }

    /** Length of the longest suffix of {@code s} that is a proper prefix of {@code tag}. */
    private static int partialSuffix(CharSequence s, String tag) {
        for (int len = Math.min(s.length(), tag.length() - 1); len > 0; len--) {
            boolean match = true;
            for (int j = 0; j < len && match; j++) match = s.charAt(s.length() - len + j) == tag.charAt(j);
            if (match) return len;
        }
        return 0;
    }
}
