package io.fangwusha.core.template.jinja;

import io.fangwusha.core.FangwushaException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled Jinja2 template, rendered with the environment transformers uses for chat templates:
 * {@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])}, autoescape
 * off, {@code tojson} = {@code json.dumps(ensure_ascii=False)}, globals {@code raise_exception}, {@code strftime_now},
 * {@code namespace}, {@code range}, {@code dict}.
 *
 * <p>Values are plain Java: Map (insertion order is kept), List, String, Number, Boolean, null. Instances are
 * immutable and thread-safe. Errors are {@link FangwushaException}s with one line:
 * {@code "<label> line 12: <message>"}.
 */
public final class JinjaTemplate {
    private final List<Node> body;
    private final String label;

    private JinjaTemplate(List<Node> body, String label) {
        this.body = body;
        this.label = label;
    }

    /** Parses source; label names the template in error messages (e.g. "chat template"). */
    public static JinjaTemplate compile(String source, String label) {
        try {
            return new JinjaTemplate(Parser.parse(source), label);
        } catch (TemplateError e) {
            throw new FangwushaException(label + " line " + e.line() + ": " + e.getMessage());
        }
    }

    public String render(Map<String, ?> variables) {
        Map<String, Object> globals = new HashMap<>();
        Globals.install(globals);
        Interpreter.Scope root = new Interpreter.Scope(null);
        root.vars.putAll(globals);
        Interpreter.Scope vars = new Interpreter.Scope(root);
        vars.vars.putAll(variables);
        StringBuilder out = new StringBuilder();
        try {
            new Interpreter().exec(body, vars, out);
        } catch (TemplateError e) {
            throw new FangwushaException(label + (e.line() > 0 ? " line " + e.line() : "") + ": " + e.getMessage());
        } catch (StackOverflowError e) {
            throw new FangwushaException(label + ": recursion too deep while rendering");
        }
        return out.toString();
    }
}
