package io.fangwusha.core.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.template.jinja.JinjaTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face chat template, rendered exactly as transformers' {@code apply_chat_template(..., tokenize=False)}
 * does, by our own Jinja2 interpreter ({@link JinjaTemplate}).
 *
 * <p>API:
 * <ul>
 *   <li>{@link #fromTokenizerConfig(Path)}: reads {@code chat_template} from {@code tokenizer_config.json} (a string,
 *       or a list of {@code {name, template}} from which "default" is taken; when absent, a
 *       {@code chat_template.jinja} beside the file) and the special tokens ({@code bos_token}, {@code eos_token},
 *       {@code unk_token}, {@code sep_token}, {@code pad_token}, {@code cls_token}, {@code mask_token} as strings or
 *       {@code {"content": ...}} objects, {@code additional_special_tokens}), which templates see as variables.</li>
 *   <li>{@link #of(String, Map)}: a template from source plus its special-token variables.</li>
 *   <li>{@link #render(List, List, boolean, Map)}: renders {@code messages} (and {@code tools}, null for none) with
 *       {@code add_generation_prompt}; {@code extraKwargs} become template variables too (e.g.
 *       {@code enable_thinking=false} for Qwen3), overriding special tokens as in transformers.</li>
 * </ul>
 * Values are plain Java: Map (use LinkedHashMap: key order is kept, e.g. in {@code tojson}), List, String, Number,
 * Boolean, null, as Jackson's {@code convertValue(node, Object.class)} produces. Template errors (syntax, a
 * {@code raise_exception('...')} call, type errors) throw {@link FangwushaException} with one line:
 * {@code "chat template line 12: ..."}. Instances are immutable and thread-safe.
 */
public final class ChatTemplate {
    private static final List<String> SPECIAL = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token");
    /** Names transformers passes itself; a kwarg with one of them is a TypeError there. */
    private static final Set<String> RESERVED = Set.of("messages", "tools", "documents", "add_generation_prompt");

    private final String source;
    private final JinjaTemplate template;
    private final Map<String, Object> specialTokens;

    private ChatTemplate(String source, JinjaTemplate template, Map<String, Object> specialTokens) {
        this.source = source;
        this.template = template;
        this.specialTokens = specialTokens;
    }

    public static ChatTemplate of(String source, Map<String, Object> specialTokens) {
        Map<String, Object> tokens = Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens == null ? Map.of() : specialTokens));
        return new ChatTemplate(source, JinjaTemplate.compile(source, "chat template"), tokens);
    }

    public static ChatTemplate fromTokenizerConfig(Path tokenizerConfigJson) {
        String file = tokenizerConfigJson.getFileName().toString();
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(tokenizerConfigJson.toFile());
        } catch (IOException e) {
            throw new FangwushaException(file + ": cannot read JSON: " + firstLine(e.getMessage()), e);
        }
        if (root == null || !root.isObject()) throw new FangwushaException(file + ": not a JSON object");
        String source = templateSource(root, tokenizerConfigJson, file);
        Map<String, Object> tokens = new LinkedHashMap<>();
        for (String key : SPECIAL) {
            String tok = tokenString(root.get(key), file, key);
            if (tok != null) tokens.put(key, tok);
        }
        JsonNode extra = root.get("additional_special_tokens");
        if (extra != null && extra.isArray()) {
            List<Object> list = new ArrayList<>();
            for (int i = 0; i < extra.size(); i++) list.add(tokenString(extra.get(i), file, "additional_special_tokens[" + i + "]"));
            tokens.put("additional_special_tokens", list);
        }
        try {
            return of(source, tokens);
        } catch (FangwushaException e) {
            throw new FangwushaException(file + ": " + e.getMessage(), e);
        }
    }

    private static String templateSource(JsonNode root, Path config, String file) {
        JsonNode t = root.get("chat_template");
        if (t == null || t.isNull()) {
            Path sibling = config.resolveSibling("chat_template.jinja");
            if (Files.isRegularFile(sibling)) {
                try {
                    return Files.readString(sibling);
                } catch (IOException e) {
                    throw new FangwushaException("chat_template.jinja: cannot read: " + firstLine(e.getMessage()), e);
                }
            }
            throw new FangwushaException(file + ": no 'chat_template' (and no chat_template.jinja beside it)");
        }
        if (t.isTextual()) return t.asText();
        if (t.isArray()) {
            List<String> names = new ArrayList<>();
            for (JsonNode entry : t) {
                String name = entry.path("name").asText("");
                names.add(name);
                if (name.equals("default")) {
                    if (!entry.path("template").isTextual()) throw new FangwushaException(file + ": chat_template 'default' has no template string");
                    return entry.get("template").asText();
                }
            }
            throw new FangwushaException(file + ": chat_template has named templates " + names + " but none named 'default'");
        }
        throw new FangwushaException(file + ": 'chat_template' must be a string or a list of {name, template}");
    }

    private static String tokenString(JsonNode n, String file, String key) {
        if (n == null || n.isNull()) return null;
        if (n.isTextual()) return n.asText();
        if (n.isObject() && n.path("content").isTextual()) return n.get("content").asText();
        throw new FangwushaException(file + ": '" + key + "' must be a string or an object with 'content'");
    }

    private static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * Renders the prompt. {@code tools} may be null (the template then sees {@code tools = none}, as in transformers).
     * {@code extraKwargs} may be null.
     */
    public String render(List<Map<String, Object>> messages, List<Map<String, Object>> tools, boolean addGenerationPrompt,
            Map<String, Object> extraKwargs) {
        if (messages == null) throw new FangwushaException("chat template: messages must not be null");
        Map<String, Object> vars = new LinkedHashMap<>(specialTokens);
        if (extraKwargs != null) {
            for (Map.Entry<String, Object> e : extraKwargs.entrySet()) {
                if (RESERVED.contains(e.getKey())) {
                    throw new FangwushaException("chat template: kwarg '" + e.getKey() + "' is reserved (pass it as its own argument)");
                }
                vars.put(e.getKey(), e.getValue());
            }
        }
        vars.put("messages", messages);
        vars.put("tools", tools);
        vars.put("documents", null);
        vars.put("add_generation_prompt", addGenerationPrompt);
        return template.render(vars);
    }

    public String source() {
        return source;
    }

    /** The special-token variables the template sees (bos_token, eos_token, ...). */
    public Map<String, Object> specialTokens() {
        return specialTokens;
    }
}
