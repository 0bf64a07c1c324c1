package io.fangwusha.core.template.jinja;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** Jinja2's built-in tests ({@code x is defined}, {@code x is string}, ...), with Python's type semantics. */
final class JinjaTests {
    private JinjaTests() {}

    static final Set<String> NAMES = Set.of("defined", "undefined", "none", "string", "mapping", "iterable",
            "sequence", "number", "integer", "float", "boolean", "false", "true", "callable", "odd", "even",
            "divisibleby", "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan",
            ">", "ge", ">=", "in", "sameas", "lower", "upper", "escaped", "filter", "test");

    static boolean apply(Interpreter in, String name, Object v, List<Object> a, Map<String, Object> kw) {
        Args p = switch (name) {
            case "divisibleby" -> Args.bind(name, a, kw, "num");
            case "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">",
                 "ge", ">=", "sameas" -> Args.bind(name, a, kw, "other");
            case "in" -> Args.bind(name, a, kw, "seq");
            default -> Args.bind(name, a, kw);
        };
        return switch (name) {
            case "defined" -> !(v instanceof Undefined);
            case "undefined" -> v instanceof Undefined;
            case "none" -> v == null;
            case "string" -> v instanceof String;
            case "mapping" -> v instanceof Map;
            case "iterable" -> v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
            // Python: len() and __getitem__ exist (Undefined defines both, to fail).
            case "sequence" -> v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
            case "number" -> Py.isNumber(v);
            case "integer" -> Py.isInt(v);
            case "float" -> Py.isFloat(v);
            case "boolean" -> v instanceof Boolean;
            case "false" -> Boolean.FALSE.equals(v);
            case "true" -> Boolean.TRUE.equals(v);
            case "callable" -> v instanceof JinjaCallable || v instanceof Undefined;
            case "odd", "even" -> {
                Long n = Py.asLong(v);
                if (n == null) throw new TemplateError("not all arguments converted during string formatting");
                yield (Math.floorMod(n, 2L) == 1) == name.equals("odd");
            }
            case "divisibleby" -> Py.eq(Ops.binary("%", v, p.required(0, name, "num")), 0L);
            case "eq", "equalto", "==" -> Py.eq(v, p.required(0, name, "other"));
            case "ne", "!=" -> !Py.eq(v, p.required(0, name, "other"));
            case "lt", "lessthan", "<" -> Py.compare(v, p.required(0, name, "other"), "<") < 0;
            case "le", "<=" -> Py.compare(v, p.required(0, name, "other"), "<=") <= 0;
            case "gt", "greaterthan", ">" -> Py.compare(v, p.required(0, name, "other"), ">") > 0;
            case "ge", ">=" -> Py.compare(v, p.required(0, name, "other"), ">=") >= 0;
            case "in" -> Ops.contains(p.required(0, name, "seq"), v);
            case "sameas" -> {
                Object o = p.required(0, name, "other");
                yield v == o || (v == null && o == null) || (v instanceof Boolean && v.equals(o));
            }
            case "lower" -> { String s = Py.str(v); yield s.equals(s.toLowerCase(java.util.Locale.ROOT)) && PyStrings.classify(s, "islower"); }
            case "upper" -> { String s = Py.str(v); yield PyStrings.classify(s, "isupper"); }
            case "escaped" -> false;
            case "filter" -> v instanceof String s && Filters.NAMES.contains(s);
            case "test" -> v instanceof String s && NAMES.contains(s);
            default -> throw new TemplateError("No test named '" + name + "'.");
        };
    }
}
