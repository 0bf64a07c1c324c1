package io.fangwusha.server.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the tool calls in a Qwen3 (Hermes-format) answer: blocks {@code <tool_call>\n{"name": ..., "arguments":
 * {...}}\n</tool_call>}, possibly several, with text around them, as vLLM's {@code hermes} parser and llama-server
 * read them.
 *
 * <p>Incremental: {@link #push} takes the answer's text as it is generated and returns what may be shown now;
 * {@link #finish} the rest. Text that could still be the start of {@code <tool_call>} is held back, and so is a
 * block until its {@code </tool_call>}. {@link #parse} runs the same machine over a whole text, so streaming (split
 * anywhere) and non-streaming give the same calls and the same content.
 *
 * <p>Rules: a block whose body is a JSON object with a string {@code name} and an {@code arguments} object (or a
 * string, taken as the already-serialised arguments; absent: {@code {}}) is a call; anything else (malformed JSON,
 * trailing text after the object, no name) stays in the content verbatim, tags included. An unclosed block at the
 * very end is still a call if its body parses (vLLM accepts it too). The arguments are the object's exact text as the
 * model wrote it, so that sending the call back renders the same prompt tokens (Qwen3 writes them as Python's
 * {@code json.dumps}, which is also what vLLM re-serialises to). Content is the text outside the calls, except that
 * whitespace-only text at the start, between calls or after the last call is layout and is dropped (so
 * {@code "Let me check.\n<tool_call>…</tool_call>\n<tool_call>…</tool_call>"} has content {@code "Let me check.\n"}, as
 * vLLM reports it); {@link Result#content()} is null when nothing remains. Streaming holds such whitespace back
 * until text follows it.
 */
public final class ToolCallParser {
    static final String OPEN = "<tool_call>";
    static final String CLOSE = "</tool_call>";
    private static final JsonFactory JSON = new JsonFactory();

    /** A parsed call: the function name and its arguments as a JSON text. */
    public record ToolCall(String name, String arguments) {}

    /** What {@link #push} releases, in order. */
    public sealed interface Piece {}

    public record Text(String text) implements Piece {}

    public record Call(ToolCall call) implements Piece {}

    /** @param content the text outside the calls, or null when that is empty or only whitespace */
    public record Result(String content, List<ToolCall> calls) {}

    /** Outside a block: text not yet released (a possible partial tag). Inside: the block's body so far. */
    private final StringBuilder pending = new StringBuilder();
    /** Whitespace-only text seen while {@link #layout}: dropped if a call or the end comes next. */
    private final StringBuilder heldWhitespace = new StringBuilder();
    private boolean inside;
    /** At the start or right after a call, where whitespace is layout unless text follows. */
    private boolean layout = true;
    private boolean finished;

    public static Result parse(String text) {
        ToolCallParser p = new ToolCallParser();
        List<Piece> pieces = new ArrayList<>(p.push(text));
        pieces.addAll(p.finish());
        StringBuilder content = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        for (Piece piece : pieces) {
            switch (piece) {
                case Text t -> content.append(t.text());
                case Call c -> calls.add(c.call());
            }
        }
        return new Result(content.isEmpty() ? null : content.toString(), List.copyOf(calls));
    }

    /** Takes the next generated text; returns the content and calls it completes (adjacent text merged). */
    public List<Piece> push(String delta) {
        if (finished) throw new IllegalStateException("push after finish");
        pending.append(delta);
        List<Piece> out = new ArrayList<>();
        drain(out, false);
        return out;
    }

    /** The end of the answer: releases held text and an unclosed last block. */
    public List<Piece> finish() {
        if (finished) return List.of();
        List<Piece> out = new ArrayList<>();
        drain(out, true);
        finished = true;
        return out;
    }

    private void drain(List<Piece> out, boolean end) {
        while (true) {
            if (!inside) {
                int at = pending.indexOf(OPEN);
                if (at >= 0) {
                    text(out, pending.substring(0, at));
                    pending.delete(0, at + OPEN.length());
                    inside = true;
                    continue;
                }
                int release = pending.length() - (end ? 0 : partialOpenTag());
                text(out, pending.substring(0, release));
                pending.delete(0, release);
                return;
            }
            int at = pending.indexOf(CLOSE);
            if (at >= 0) {
                String body = pending.substring(0, at);
                pending.delete(0, at + CLOSE.length());
                inside = false;
                block(out, body, true);
                continue;
            }
            if (end) {
                String body = pending.toString();
                pending.setLength(0);
                inside = false;
                block(out, body, false);
            }
            return;
        }
    }

    /** Length of the longest suffix of {@code pending} that is a proper prefix of {@code <tool_call>}. */
    private int partialOpenTag() {
        for (int k = Math.min(OPEN.length() - 1, pending.length()); k > 0; k--) {
            if (pending.lastIndexOf(OPEN.substring(0, k)) == pending.length() - k) return k;
        }
        return 0;
    }

    private void block(List<Piece> out, String body, boolean closed) {
        ToolCall call = parseCall(body);
        if (call != null) {
            heldWhitespace.setLength(0);
            layout = true;
            out.add(new Call(call));
        } else {
            text(out, OPEN + body + (closed ? CLOSE : ""));
        }
    }

    private void text(List<Piece> out, String s) {
        if (s.isEmpty()) return;
        if (layout) {
            if (s.isBlank()) {
                heldWhitespace.append(s);
                return;
            }
            layout = false;
            s = heldWhitespace + s;
            heldWhitespace.setLength(0);
        }
        if (!out.isEmpty() && out.getLast() instanceof Text prev) out.set(out.size() - 1, new Text(prev.text() + s));
        else out.add(new Text(s));
    }

    /** A block's body as a call, or null if it is not one. */
    static ToolCall parseCall(String body) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            String name = null;
            String arguments = null;
            for (JsonToken t; (t = p.nextToken()) != JsonToken.END_OBJECT; ) {
                if (t != JsonToken.FIELD_NAME) return null;
                String field = p.currentName();
                JsonToken v = p.nextToken();
                switch (field) {
                    case "name" -> {
                        if (v != JsonToken.VALUE_STRING) return null;
                        name = p.getText();
                    }
                    case "arguments" -> {
                        if (v == JsonToken.VALUE_STRING) {
                            arguments = p.getText();
                        } else if (v == JsonToken.START_OBJECT) {
                            int from = (int) p.currentTokenLocation().getCharOffset();
                            p.skipChildren();
                            int to = (int) p.currentLocation().getCharOffset();
                            arguments = body.substring(from, to);
                        } else {
                            return null;
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) return null; // text after the object
            if (name == null || name.isEmpty()) return null;
            return new ToolCall(name, arguments == null ? "{}" : arguments);
        } catch (IOException e) {
            return null;
        }
    }
}
