package io.fangwusha.core.template.jinja;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fangwusha.core.FangwushaException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Errors are one-line FangwushaExceptions naming the template line, with Jinja2's / Python's wording. */
class JinjaErrorTest {
    private static String render(String src, Map<String, Object> vars) {
        return JinjaTemplate.compile(src, "chat template").render(vars);
    }

    private static void fails(String src, Map<String, Object> vars, String message) {
        assertThatThrownBy(() -> render(src, vars)).isInstanceOf(FangwushaException.class).hasMessage(message);
    }

    @Test
    void syntaxErrorsNameTheLine() {
        fails("a\nb\n{% if x %}\n{% endfor %}", Map.of(), "chat template line 4: Encountered unknown tag 'endfor'. Jinja was "
                + "looking for the following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.");
        fails("{% if x %}\nabc", Map.of(), "chat template line 2: Unexpected end of template. Jinja was looking for the "
                + "following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.");
        fails("ok\n{{ x|nosuch }}", Map.of(), "chat template line 2: No filter named 'nosuch'.");
        fails("{{ x is nosuch }}", Map.of(), "chat template line 1: No test named 'nosuch'.");
        fails("{{ 1 + }}", Map.of(), "chat template line 1: unexpected 'end of print statement'");
        fails("{# open", Map.of(), "chat template line 1: Missing end of comment tag");
        fails("\n{% include 'x' %}", Map.of(), "chat template line 2: Encountered unsupported tag 'include' (not available in chat templates here).");
    }

    @Test
    void raiseExceptionGivesItsMessage() {
        fails("\n\n{{ raise_exception('Only user and assistant roles are supported!') }}", Map.of(),
                "chat template line 3: Only user and assistant roles are supported!");
        fails("{% for m in ms %}\n{% if m != 1 %}\n  {{ raise_exception('bad ' ~ m) }}\n{% endif %}{% endfor %}",
                Map.of("ms", java.util.List.of(1L, 2L)), "chat template line 3: bad 2");
    }

    @Test
    void typeAndUndefinedErrors() {
        fails("x\n{{ 'a' +\n 1 }}", Map.of(), "chat template line 2: can only concatenate str (not \"int\") to str");
        fails("{{ u.x }}", Map.of(), "chat template line 1: 'u' is undefined");
        fails("\n{{ m.a.b }}", Map.of("m", Map.of()), "chat template line 2: 'dict object' has no attribute 'a'");
        fails("{{ [1][5].x }}", Map.of(), "chat template line 1: list object has no element 5");
        fails("{{ 'a' < 1 }}", Map.of(), "chat template line 1: '<' not supported between instances of 'str' and 'int'");
        fails("{% set x = 1 %}\n{% set x.y = 2 %}", Map.of(), "chat template line 2: cannot assign attribute on non-namespace object");
        fails("{{ u + 1 }}", Map.of(), "chat template line 1: 'u' is undefined");
        fails("{{ 1 / 0 }}", Map.of(), "chat template line 1: division by zero");
        fails("{{ {'a': 1}.update({}) }}", Map.of(), "chat template line 1: access to attribute 'update' of 'dict' object is unsafe.");
        fails("{% for x in none %}{% endfor %}", Map.of(), "chat template line 1: 'NoneType' object is not iterable");
        fails("{{ 'a' in none }}", Map.of(), "chat template line 1: argument of type 'NoneType' is not iterable");
    }

    @Test
    void undefinedIsHarmlessWhereJinjaAllowsIt() {
        assertThat(render("{{ none.x }}|{{ u|length }}|{{ u is defined }}|{{ u == u }}|{{ 'x' in u }}", Map.of()))
                .isEqualTo("|0|False|True|False");
    }
}
