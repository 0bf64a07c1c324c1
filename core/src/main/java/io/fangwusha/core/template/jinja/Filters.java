package io.fangwusha.core.template.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Jinja2's built-in filters (the ones chat templates use), plus transformers' {@code tojson}. */
final class Filters {
    private Filters() {}

    static final Set<String> NAMES = Set.of("abs", "attr", "capitalize", "center", "count", "d", "default",
            "dictsort", "e", "escape", "first", "float", "format", "indent", "int", "items", "join", "last", "length",
            "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace", "reverse", "round", "safe",
            "select", "selectattr", "sort", "string", "sum", "title", "tojson", "trim", "unique", "upper",
            "wordcount");

    private static final Pattern WORD_BEGIN = Pattern.compile("([-\\s({\\[<]+)");
    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);

    static Object apply(Interpreter in, String name, Object v, List<Object> a, Map<String, Object> kw) {
        switch (name) {
            case "length", "count" -> {
                Args.bind(name, a, kw);
                long n = Py.len(v);
                if (n < 0) throw new TemplateError("object of type '" + Py.typeName(v) + "' has no len()");
                return n;
            }
            case "default", "d" -> {
                Args p = Args.bind(name, a, kw, "default_value", "boolean");
                boolean useDefault = v instanceof Undefined || (Py.truthy(p.get(1, false)) && !Py.truthy(v));
                return useDefault ? p.get(0, "") : v;
            }
            case "trim" -> {
                Object chars = Args.bind(name, a, kw, "chars").get(0, null);
                return Py.strip(Py.str(v), chars == null ? null : Py.str(chars));
            }
            case "upper" -> { Args.bind(name, a, kw); return Py.str(v).toUpperCase(Locale.ROOT); }
            case "lower" -> { Args.bind(name, a, kw); return Py.str(v).toLowerCase(Locale.ROOT); }
            case "capitalize" -> { Args.bind(name, a, kw); return PyStrings.capitalize(Py.str(v)); }
            case "title" -> { Args.bind(name, a, kw); return title(Py.str(v)); }
            case "string" -> { Args.bind(name, a, kw); return Py.str(v); }
            case "safe" -> { Args.bind(name, a, kw); return v; }
            case "e", "escape" -> { Args.bind(name, a, kw); return escape(Py.str(v)); }
            case "items" -> {
                Args.bind(name, a, kw);
                if (v instanceof Undefined) return new ArrayList<>();
                if (!(v instanceof Map<?, ?> m)) throw new TemplateError("Can only get item pairs from a mapping.");
                List<Object> out = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.add(PyTuple.of(e.getKey(), e.getValue()));
                return out;
            }
            case "tojson" -> {
                Args p = Args.bind(name, a, kw, "ensure_ascii", "indent", "separators", "sort_keys");
                return Json.dumps(v, Py.truthy(p.get(0, false)), p.get(1, null), p.get(2, null), Py.truthy(p.get(3, false)));
            }
            case "join" -> {
                Args p = Args.bind(name, a, kw, "d", "attribute");
                String sep = Py.str(p.get(0, ""));
                Object attr = p.get(1, null);
                StringBuilder sb = new StringBuilder();
                List<Object> items = Py.iterate(v);
                for (int i = 0; i < items.size(); i++) {
                    if (i > 0) sb.append(sep);
                    sb.append(Py.str(attr == null ? items.get(i) : attribute(in, items.get(i), attr)));
                }
                return sb.toString();
            }
            case "first" -> {
                Args.bind(name, a, kw);
                List<Object> items = Py.iterate(v);
                return items.isEmpty() ? new Undefined("No first item, sequence was empty.") : items.getFirst();
            }
            case "last" -> {
                Args.bind(name, a, kw);
                List<Object> items = Py.iterate(v);
                return items.isEmpty() ? new Undefined("No last item, sequence was empty.") : items.getLast();
            }
            case "list" -> { Args.bind(name, a, kw); return Py.iterate(v); }
            case "reverse" -> {
                Args.bind(name, a, kw);
                if (v instanceof String s) return new StringBuilder(s).reverse().toString();
                List<Object> items = Py.iterate(v);
                java.util.Collections.reverse(items);
                return items;
            }
            case "int" -> {
                Args p = Args.bind(name, a, kw, "default", "base");
                return toInt(v, p.get(0, 0L), Py.toIndex(p.get(1, 10L), "base"));
            }
            case "float" -> {
                Args p = Args.bind(name, a, kw, "default");
                return toFloat(v, p.get(0, 0.0));
            }
            case "abs" -> {
                Args.bind(name, a, kw);
                if (Py.isFloat(v)) return Math.abs(((Number) v).doubleValue());
                if (Py.isNumber(v)) return Math.absExact(Py.asLong(v));
                throw new TemplateError("bad operand type for abs(): '" + Py.typeName(v) + "'");
            }
            case "round" -> {
                Args p = Args.bind(name, a, kw, "precision", "method");
                return round(v, (int) Py.toIndex(p.get(0, 0L), "precision"), Py.str(p.get(1, "common")));
            }
            case "replace" -> {
                Args p = Args.bind(name, a, kw, "old", "new", "count");
                Object count = p.get(2, null);
                return PyStrings.replace(Py.str(v), Py.str(p.required(0, name, "old")), Py.str(p.required(1, name, "new")),
                        count == null ? -1 : Py.toIndex(count, "count"));
            }
            case "indent" -> {
                Args p = Args.bind(name, a, kw, "width", "first", "blank");
                Object w = p.get(0, 4L);
                String ind = w instanceof String s ? s : " ".repeat((int) Py.toIndex(w, "width"));
                return indent(Py.str(v), ind, Py.truthy(p.get(1, false)), Py.truthy(p.get(2, false)));
            }
            case "center" -> {
                Args p = Args.bind(name, a, kw, "width");
                return PyStrings.pad(Py.str(v), "center", (int) Py.toIndex(p.get(0, 80L), "width"), " ");
            }
            case "format" -> {
                if (!a.isEmpty() && !kw.isEmpty()) throw new TemplateError("can't handle positional and keyword arguments at the same time");
                return PyFormat.percent(Py.str(v), kw.isEmpty() ? new PyTuple(a) : new LinkedHashMap<Object, Object>(kw));
            }
            case "wordcount" -> {
                Args.bind(name, a, kw);
                Matcher m = WORD.matcher(Py.str(v));
                long n = 0;
                while (m.find()) n++;
                return n;
            }
            case "attr" -> {
                String attr = Py.str(Args.bind(name, a, kw, "name").required(0, name, "name"));
                Object method = Methods.bind(v, attr);
                if (method != null) return method;
                if (v instanceof Namespace ns && ns.attrs().containsKey(attr)) return ns.attrs().get(attr);
                if (v instanceof LoopContext loop) return loop.attribute(attr);
                return Undefined.attribute(v, attr);
            }
            case "sum" -> {
                Args p = Args.bind(name, a, kw, "attribute", "start");
                Object attr = p.get(0, null);
                Object total = p.get(1, 0L);
                for (Object item : Py.iterate(v)) total = Ops.binary("+", total, attr == null ? item : attribute(in, item, attr));
                return total;
            }
            case "min", "max" -> {
                Args p = Args.bind(name, a, kw, "case_sensitive", "attribute");
                List<Object> items = Py.iterate(v);
                if (items.isEmpty()) return new Undefined("No aggregated item, sequence was empty.");
                Comparator<Object> cmp = sortKey(in, Py.truthy(p.get(0, false)), p.get(1, null));
                Object best = items.getFirst();
                for (Object o : items) {
                    int c = cmp.compare(o, best);
                    if (name.equals("min") ? c < 0 : c > 0) best = o;
                }
                return best;
            }
            case "sort" -> {
                Args p = Args.bind(name, a, kw, "reverse", "case_sensitive", "attribute");
                List<Object> items = Py.iterate(v);
                Comparator<Object> cmp = sortKey(in, Py.truthy(p.get(1, false)), p.get(2, null));
                items.sort(Py.truthy(p.get(0, false)) ? cmp.reversed() : cmp);
                return items;
            }
            case "unique" -> {
                Args p = Args.bind(name, a, kw, "case_sensitive", "attribute");
                boolean cs = Py.truthy(p.get(0, false));
                Object attr = p.get(1, null);
                List<Object> out = new ArrayList<>();
                List<Object> seen = new ArrayList<>();
                for (Object o : Py.iterate(v)) {
                    Object key = attr == null ? o : attribute(in, o, attr);
                    if (!cs && key instanceof String s) key = s.toLowerCase(Locale.ROOT);
                    Object k = key;
                    if (seen.stream().noneMatch(x -> Py.eq(x, k))) {
                        seen.add(k);
                        out.add(o);
                    }
                }
                return out;
            }
            case "dictsort" -> {
                Args p = Args.bind(name, a, kw, "case_sensitive", "by", "reverse");
                if (!(v instanceof Map<?, ?> m)) throw new TemplateError("You can only sort by either \"key\" or \"value\"");
                boolean byValue = Py.str(p.get(1, "key")).equals("value");
                boolean cs = Py.truthy(p.get(0, false));
                List<Object> items = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) items.add(PyTuple.of(e.getKey(), e.getValue()));
                Comparator<Object> cmp = (x, y) -> Py.compare(fold(((List<?>) x).get(byValue ? 1 : 0), cs),
                        fold(((List<?>) y).get(byValue ? 1 : 0), cs), "<");
                items.sort(Py.truthy(p.get(2, false)) ? cmp.reversed() : cmp);
                return items;
            }
            case "map" -> {
                List<Object> out = new ArrayList<>();
                if (kw.containsKey("attribute")) {
                    Object attr = kw.get("attribute");
                    Object dflt = kw.get("default");
                    for (Object o : Py.iterate(v)) {
                        Object r = attribute(in, o, attr);
                        out.add(r instanceof Undefined && kw.containsKey("default") ? dflt : r);
                    }
                    return out;
                }
                if (a.isEmpty()) throw new TemplateError("map requires a filter argument");
                String filter = Py.str(a.getFirst());
                for (Object o : Py.iterate(v)) out.add(apply(in, filter, o, a.subList(1, a.size()), kw));
                return out;
            }
            case "select", "reject", "selectattr", "rejectattr" -> {
                boolean byAttr = name.endsWith("attr");
                boolean keep = name.startsWith("select");
                Object attr = byAttr ? (a.isEmpty() ? null : a.getFirst()) : null;
                if (byAttr && attr == null) throw new TemplateError(name + " requires an attribute name");
                List<Object> rest = a.subList(byAttr ? 1 : 0, a.size());
                String test = rest.isEmpty() ? null : Py.str(rest.getFirst());
                List<Object> testArgs = rest.isEmpty() ? List.of() : rest.subList(1, rest.size());
                List<Object> out = new ArrayList<>();
                for (Object o : Py.iterate(v)) {
                    Object x = byAttr ? attribute(in, o, attr) : o;
                    boolean ok = test == null ? Py.truthy(x) : JinjaTests.apply(in, test, x, testArgs, Map.of());
                    if (ok == keep) out.add(o);
                }
                return out;
            }
            default -> throw new TemplateError("No filter named '" + name + "'.");
        }
    }

    /** Jinja's attribute lookup for filters: dotted paths, integer parts index lists. */
    static Object attribute(Interpreter in, Object item, Object attr) {
        if (!(attr instanceof String path)) return in.getitem(item, attr);
        Object cur = item;
        for (String part : path.split("\\.")) {
            Object key = part.chars().allMatch(Character::isDigit) && !part.isEmpty() ? (Object) Long.parseLong(part) : part;
            cur = in.getitem(cur, key);
        }
        return cur;
    }

    private static Object fold(Object o, boolean caseSensitive) {
        return !caseSensitive && o instanceof String s ? s.toLowerCase(Locale.ROOT) : o;
    }

    private static Comparator<Object> sortKey(Interpreter in, boolean caseSensitive, Object attr) {
        return (x, y) -> {
            Object kx = fold(attr == null ? x : attribute(in, x, attr), caseSensitive);
            Object ky = fold(attr == null ? y : attribute(in, y, attr), caseSensitive);
            return Py.compare(kx, ky, "<");
        };
    }

    /** Jinja's title filter: capitalises after runs of '-', whitespace and opening brackets (not str.title()). */
    private static String title(String s) {
        StringBuilder sb = new StringBuilder();
        Matcher m = WORD_BEGIN.matcher(s);
        int last = 0;
        while (m.find()) {
            titleWord(s.substring(last, m.start()), sb);
            sb.append(m.group());
            last = m.end();
        }
        titleWord(s.substring(last), sb);
        return sb.toString();
    }

    private static void titleWord(String w, StringBuilder sb) {
        if (w.isEmpty()) return;
        int first = w.codePointAt(0);
        sb.append(Character.toString(first).toUpperCase(Locale.ROOT))
                .append(w.substring(Character.charCount(first)).toLowerCase(Locale.ROOT));
    }

    /** markupsafe.escape. */
    private static String escape(String s) {
        return s.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;").replace("\"", "&#34;");
    }

    private static String indent(String s, String ind, boolean first, boolean blank) {
        s = s + "\n"; // Jinja appends a newline so that splitlines keeps a trailing empty line
        List<Object> lines = PyStrings.splitlines(s, false);
        StringBuilder rv = new StringBuilder();
        if (blank) {
            for (int i = 0; i < lines.size(); i++) rv.append(i > 0 ? "\n" + ind : "").append(lines.get(i));
        } else {
            rv.append(lines.getFirst());
            for (int i = 1; i < lines.size(); i++) {
                String line = (String) lines.get(i);
                rv.append('\n').append(line.isEmpty() ? "" : ind + line);
            }
        }
        return first ? ind + rv : rv.toString();
    }

    private static Object toInt(Object v, Object dflt, long base) {
        if (v instanceof Boolean || Py.isInt(v)) return Py.asLong(v);
        if (Py.isFloat(v)) {
            double d = ((Number) v).doubleValue();
            return Double.isFinite(d) ? (Object) (long) d : dflt;
        }
        if (v instanceof String s) {
            String t = Py.strip(s, null).replace("_", "");
            try {
                if (base == 10) return Long.parseLong(t.startsWith("+") ? t.substring(1) : t);
                String digits = t.toLowerCase(Locale.ROOT);
                if (base == 16 && digits.startsWith("0x") || base == 8 && digits.startsWith("0o") || base == 2 && digits.startsWith("0b")) {
                    digits = digits.substring(2);
                }
                return Long.parseLong(digits, (int) base);
            } catch (NumberFormatException ex) {
                try {
                    double d = Double.parseDouble(t);
                    return Double.isFinite(d) ? (Object) (long) d : dflt;
                } catch (NumberFormatException ex2) {
                    return dflt;
                }
            }
        }
        return dflt;
    }

    private static Object toFloat(Object v, Object dflt) {
        if (Py.isNumber(v)) return v instanceof Boolean b ? (b ? 1.0 : 0.0) : ((Number) v).doubleValue();
        if (v instanceof String s) {
            String t = Py.strip(s, null).toLowerCase(Locale.ROOT);
            if (t.matches("[+-]?(inf|infinity)")) return t.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            if (t.matches("[+-]?nan")) return Double.NaN;
            if (!t.matches("[+-]?(\\d[\\d_]*)?(\\.\\d*)?(e[+-]?\\d+)?") || t.replaceAll("[^0-9]", "").isEmpty()) return dflt;
            return Double.parseDouble(t.replace("_", ""));
        }
        return dflt;
    }

    private static Object round(Object v, int precision, String method) {
        if (!Py.isNumber(v)) throw new TemplateError("type " + Py.typeName(v) + " doesn't define __round__ method");
        double d = v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).doubleValue();
        if (!Double.isFinite(d)) return d;
        switch (method) {
            case "common" -> {
                // Python's round(): half-even on the exact binary value; an int stays an int.
                BigDecimal r = new BigDecimal(d).setScale(precision, RoundingMode.HALF_EVEN);
                return Py.isFloat(v) ? (Object) r.doubleValue() : (Object) r.setScale(0, RoundingMode.HALF_EVEN).longValue();
            }
            case "ceil", "floor" -> {
                double f = Math.pow(10, precision);
                double x = d * f;
                return (method.equals("ceil") ? Math.ceil(x) : Math.floor(x)) / f;
            }
            default -> throw new TemplateError("method must be common, ceil or floor");
        }
    }
}
