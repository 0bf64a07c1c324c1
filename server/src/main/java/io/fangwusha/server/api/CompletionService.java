package io.fangwusha.server.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fangwusha.core.generate.FinishReason;
import io.fangwusha.core.template.ReasoningParser;
import io.fangwusha.core.tokenizer.Tokenizer;
import io.fangwusha.server.engine.Job;
import io.fangwusha.server.engine.JobEvent;
import io.fangwusha.server.engine.QueueFullException;
import io.fangwusha.server.engine.Scheduler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Runs a {@link CompletionRequest} through the scheduler and answers in OpenAI's chat or legacy completion format,
 * as one JSON body or as server-sent events. Text shown is what the scheduler released (after stop strings and the
 * content filter); chat output is split into {@code reasoning_content} and {@code content}, and, when the request
 * has tools, {@code <tool_call>} blocks in the content become {@code tool_calls} ({@link ToolCallParser}). When
 * writing to the client fails, or a non-streaming request finds its client gone ({@link HttpOutput#clientGone}), the
 * job is cancelled, which frees its sequences at the scheduler's next step.
 */
public final class CompletionService {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A silent stream gets a comment this often, so a gone client is noticed even while its prompt is prefilled. */
    private static final long KEEPALIVE_NANOS = 5_000_000_000L;
    /** How often a non-streaming request checks that its client is still connected. */
    private static final long DISCONNECT_CHECK_NANOS = 200_000_000L;

    private final Scheduler scheduler;
    private final Tokenizer tokenizer;
    private final String modelId;

    public CompletionService(Scheduler scheduler, Tokenizer tokenizer, String modelId) {
        this.scheduler = scheduler;
        this.tokenizer = tokenizer;
        this.modelId = modelId;
    }

    /** Per-choice state while events arrive. */
    private final class Choice {
        final int index;
        final ReasoningParser splitter;
        final boolean opensThink;
        final StringBuilder text = new StringBuilder();
        final List<LogprobsJson.Entry> logprobs = new ArrayList<>();
        final List<LogprobsJson.Entry> pendingLogprobs = new ArrayList<>();
        /** Null when tool calls are not parsed (no tools, or tool_choice "none"). */
        final ToolCallParser tools;
        int toolCalls;
        FinishReason reason;
        int completionTokens;
        String error;

        Choice(int index, boolean opensThink, boolean parseToolCalls) {
            this.index = index;
            this.splitter = new ReasoningParser(opensThink, ReasoningParser.Newlines.STRIP);
            this.opensThink = opensThink;
            this.tools = parseToolCalls ? new ToolCallParser() : null;
        }
    }

    public void run(CompletionRequest req, HttpOutput out) throws IOException {
        Job job;
        try {
            job = scheduler.submit(new Job(req.promptIds(), req.choices(), req.logprobs()));
        } catch (QueueFullException e) {
            throw new ApiException(429, "rate_limit_error", null, "rate_limit_exceeded", e.getMessage());
        }
        String id = (req.chat() ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        List<Choice> choices = new ArrayList<>();
        for (int i = 0; i < req.choices().size(); i++) choices.add(new Choice(i, req.promptOpensThink(), req.parseToolCalls()));
        boolean complete = false;
        try {
            if (req.stream()) stream(req, job, choices, id, created, out);
            else collect(job, choices, out);
            complete = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            if (!complete) job.cancel();
        }
        if (!req.stream()) respond(req, choices, id, created, out);
    }

    private void collect(Job job, List<Choice> choices, HttpOutput out) throws InterruptedException, IOException {
        int open = choices.size();
        long lastCheck = System.nanoTime();
        while (open > 0) {
            // Nothing is written until the end, so a gone client must be looked for (tokens may arrive non-stop).
            if (System.nanoTime() - lastCheck > DISCONNECT_CHECK_NANOS) {
                if (out.clientGone()) throw new IOException("client disconnected");
                lastCheck = System.nanoTime();
            }
            JobEvent e = job.poll(DISCONNECT_CHECK_NANOS / 1_000_000);
            if (e == null) continue;
            Choice c = choices.get(e.index());
            switch (e) {
                case JobEvent.Token t -> {
                    c.text.append(t.text());
                    if (t.logprobs() != null) c.logprobs.add(new LogprobsJson.Entry(t.id(), t.logprobs()));
                }
                case JobEvent.Finished f -> {
                    c.reason = f.reason();
                    c.completionTokens = f.completionTokens();
                    open--;
                }
                case JobEvent.Failed f -> {
                    c.error = f.message();
                    open--;
                }
            }
        }
        for (Choice c : choices) {
            if (c.error != null) throw new ApiException(500, "server_error", null, null, c.error);
        }
    }

    private void respond(CompletionRequest req, List<Choice> choices, String id, long created, HttpOutput out) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", id);
        root.put("object", req.chat() ? "chat.completion" : "text_completion");
        root.put("created", created);
        root.put("model", modelId);
        ArrayNode arr = root.putArray("choices");
        int completion = 0;
        for (Choice c : choices) {
            ObjectNode ch = arr.addObject();
            ch.put("index", c.index);
            if (req.chat()) {
                ReasoningParser.Result split = ReasoningParser.parse(c.text.toString(), c.opensThink, ReasoningParser.Newlines.STRIP);
                String reasoning = split.reasoning(), content = split.content();
                List<ToolCallParser.ToolCall> calls = List.of();
                if (c.tools != null) {
                    ToolCallParser.Result parsed = ToolCallParser.parse(content);
                    content = parsed.content();
                    calls = parsed.calls();
                    c.toolCalls = calls.size();
                }
                ObjectNode msg = ch.putObject("message");
                msg.put("role", "assistant");
                msg.put("content", content);
                if (!reasoning.isEmpty()) msg.put("reasoning_content", reasoning);
                else msg.putNull("reasoning_content");
                msg.putNull("refusal");
                if (!calls.isEmpty()) msg.set("tool_calls", ToolCallJson.message(calls));
                if (req.logprobs() >= 0) ch.set("logprobs", LogprobsJson.chat(tokenizer, c.logprobs, req.logprobs()));
                else ch.putNull("logprobs");
            } else {
                String prefix = req.echo() ? req.promptText() : "";
                ch.put("text", prefix + c.text);
                if (req.logprobs() >= 0) ch.set("logprobs", LogprobsJson.completion(tokenizer, c.logprobs, req.logprobs(), prefix.length()));
                else ch.putNull("logprobs");
            }
            ch.put("finish_reason", ToolCallJson.finishReason(c.reason, c.toolCalls));
            completion += c.completionTokens;
        }
        root.set("usage", usage(req.promptIds().length, completion));
        out.sendJson(200, JSON.writeValueAsString(root));
    }

    private void stream(CompletionRequest req, Job job, List<Choice> choices, String id, long created, HttpOutput out)
            throws IOException, InterruptedException {
        out.startEvents();
        long lastWrite = System.nanoTime();
        if (req.chat()) {
            for (Choice c : choices) {
                ObjectNode delta = JSON.createObjectNode();
                delta.put("role", "assistant");
                delta.put("content", "");
                out.sendEvent(chunk(req, id, created, c, delta, null, null));
            }
        } else if (req.echo()) {
            for (Choice c : choices) out.sendEvent(chunk(req, id, created, c, textDelta(req.promptText()), null, null));
        }
        int open = choices.size();
        while (open > 0) {
            JobEvent e = job.poll(1000);
            if (e == null) {
                if (System.nanoTime() - lastWrite > KEEPALIVE_NANOS) {
                    out.sendComment("keep-alive");
                    lastWrite = System.nanoTime();
                }
                continue;
            }
            Choice c = choices.get(e.index());
            switch (e) {
                case JobEvent.Token t -> {
                    if (t.logprobs() != null) c.pendingLogprobs.add(new LogprobsJson.Entry(t.id(), t.logprobs()));
                    if (t.text().isEmpty()) continue;
                    if (req.chat()) {
                        if (!sendChat(req, id, created, c, c.splitter.push(t.text()), false, out)) continue;
                    } else {
                        out.sendEvent(chunk(req, id, created, c, textDelta(t.text()), null, takeLogprobs(req, c)));
                    }
                    lastWrite = System.nanoTime();
                }
                case JobEvent.Finished f -> {
                    c.completionTokens = f.completionTokens();
                    if (req.chat()) sendChat(req, id, created, c, c.splitter.finish(), true, out);
                    ObjectNode last = req.chat() ? JSON.createObjectNode() : textDelta("");
                    String finish = ToolCallJson.finishReason(f.reason(), c.toolCalls);
                    out.sendEvent(chunk(req, id, created, c, last, finish, takeLogprobs(req, c)));
                    open--;
                }
                case JobEvent.Failed f -> {
                    ObjectNode err = JSON.createObjectNode();
                    ObjectNode body = err.putObject("error");
                    body.put("message", f.message());
                    body.put("type", "server_error");
                    body.putNull("param");
                    body.putNull("code");
                    out.sendEvent(JSON.writeValueAsString(err));
                    open--;
                }
            }
        }
        if (req.includeUsage()) {
            int completion = choices.stream().mapToInt(c -> c.completionTokens).sum();
            ObjectNode u = base(req, id, created);
            u.putArray("choices");
            u.set("usage", usage(req.promptIds().length, completion));
            out.sendEvent(JSON.writeValueAsString(u));
        }
        out.sendEvent("[DONE]");
    }

    private ObjectNode takeLogprobs(CompletionRequest req, Choice c) {
        if (req.logprobs() < 0) return null;
        List<LogprobsJson.Entry> entries = List.copyOf(c.pendingLogprobs);
        c.pendingLogprobs.clear();
        int offset = c.text.length();
        return req.chat() ? LogprobsJson.chat(tokenizer, entries, req.logprobs())
                : LogprobsJson.completion(tokenizer, entries, req.logprobs(), offset);
    }

    /**
     * Sends a chat choice's next reasoning and content as chunks; with tool parsing, content goes through the
     * choice's parser first and each completed call becomes its own {@code delta.tool_calls} chunk, in order.
     * {@code end}: the answer is over, so the parser releases what it held. Returns whether anything was sent.
     */
    private boolean sendChat(CompletionRequest req, String id, long created, Choice c, ReasoningParser.Delta d, boolean end,
                             HttpOutput out) throws IOException {
        List<ToolCallParser.Piece> pieces = new ArrayList<>();
        if (c.tools == null) {
            if (!d.contentDelta().isEmpty()) pieces.add(new ToolCallParser.Text(d.contentDelta()));
        } else {
            if (!d.contentDelta().isEmpty()) pieces.addAll(c.tools.push(d.contentDelta()));
            if (end) pieces.addAll(c.tools.finish());
        }
        String reasoning = d.reasoningDelta();
        StringBuilder content = new StringBuilder();
        boolean sent = false;
        for (int i = 0; i <= pieces.size(); i++) {
            ToolCallParser.Piece p = i < pieces.size() ? pieces.get(i) : null;
            if (p instanceof ToolCallParser.Text t) {
                content.append(t.text());
                continue;
            }
            // A call, or the end: first send the text before it.
            if (!reasoning.isEmpty() || !content.isEmpty()) {
                ObjectNode delta = JSON.createObjectNode();
                if (!reasoning.isEmpty()) delta.put("reasoning_content", reasoning);
                if (!content.isEmpty()) delta.put("content", content.toString());
                out.sendEvent(chunk(req, id, created, c, delta, null, takeLogprobs(req, c)));
                reasoning = "";
                content.setLength(0);
                sent = true;
            }
            if (p instanceof ToolCallParser.Call call) {
                out.sendEvent(chunk(req, id, created, c, ToolCallJson.delta(c.toolCalls++, call.call()), null, takeLogprobs(req, c)));
                sent = true;
            }
        }
        return sent;
    }

    private static ObjectNode textDelta(String text) {
        ObjectNode o = JSON.createObjectNode();
        o.put("text", text);
        return o;
    }

    private ObjectNode base(CompletionRequest req, String id, long created) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("object", req.chat() ? "chat.completion.chunk" : "text_completion");
        o.put("created", created);
        o.put("model", modelId);
        return o;
    }

    private String chunk(CompletionRequest req, String id, long created, Choice c, ObjectNode delta, String finish, ObjectNode logprobs)
            throws IOException {
        ObjectNode o = base(req, id, created);
        ObjectNode ch = o.putArray("choices").addObject();
        ch.put("index", c.index);
        if (req.chat()) ch.set("delta", delta);
        else {
            ch.put("text", delta.path("text").asText(""));
            c.text.append(delta.path("text").asText(""));
        }
        if (logprobs != null) ch.set("logprobs", logprobs);
        else ch.putNull("logprobs");
        if (finish != null) ch.put("finish_reason", finish);
        else ch.putNull("finish_reason");
        if (req.includeUsage()) o.putNull("usage");
        return JSON.writeValueAsString(o);
    }

    private static ObjectNode usage(int prompt, int completion) {
        ObjectNode u = JSON.createObjectNode();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
        return u;
    }
}
