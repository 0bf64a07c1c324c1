package io.fangwusha.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fangwusha.core.tokenizer.Tokenizer;
import io.fangwusha.server.engine.TokenLogprobs;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The two OpenAI log-probability shapes: chat's {@code logprobs.content[]} and legacy completions' parallel lists. */
final class LogprobsJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    record Entry(int id, TokenLogprobs lp) {}

    private LogprobsJson() {}

    static ObjectNode chat(Tokenizer tok, List<Entry> entries, int top) {
        ArrayNode content = F.arrayNode();
        for (Entry e : entries) {
            ObjectNode o = token(tok, e.id(), e.lp().logprob());
            ArrayNode tops = o.putArray("top_logprobs");
            for (int j = 0; j < Math.min(top, e.lp().topIds().length); j++) tops.add(token(tok, e.lp().topIds()[j], e.lp().topLogprobs()[j]));
            content.add(o);
        }
        ObjectNode out = F.objectNode();
        out.set("content", content);
        out.putNull("refusal");
        return out;
    }

    static ObjectNode completion(Tokenizer tok, List<Entry> entries, int top, int textOffset) {
        ObjectNode out = F.objectNode();
        ArrayNode tokens = out.putArray("tokens"), lps = out.putArray("token_logprobs"), tops = out.putArray("top_logprobs"),
                offsets = out.putArray("text_offset");
        int offset = textOffset;
        for (Entry e : entries) {
            String s = tok.decode(new int[] {e.id()}, false);
            tokens.add(s);
            lps.add(e.lp().logprob());
            ObjectNode t = F.objectNode();
            for (int j = 0; j < Math.min(top, e.lp().topIds().length); j++) {
                t.put(tok.decode(new int[] {e.lp().topIds()[j]}, false), e.lp().topLogprobs()[j]);
            }
            tops.add(t);
            offsets.add(offset);
            offset += s.length();
        }
        return out;
    }

    private static ObjectNode token(Tokenizer tok, int id, float logprob) {
        String s = tok.decode(new int[] {id}, false);
        ObjectNode o = F.objectNode();
        o.put("token", s);
        o.put("logprob", logprob);
        ArrayNode bytes = o.putArray("bytes");
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) bytes.add(b & 0xff);
        return o;
    }
}
