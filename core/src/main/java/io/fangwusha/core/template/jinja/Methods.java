package io.fangwusha.core.template.jinja;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Python methods reachable from templates ({@code s.startswith(...)}, {@code d.items()}). Methods that would mutate
 * a value exist but refuse to run, as in Jinja's ImmutableSandboxedEnvironment that transformers uses.
 */
final class Methods {
    private Methods() {}

    private static final Set<String> STR = Set.of("startswith", "endswith", "split", "rsplit", "strip", "lstrip",
            "rstrip", "replace", "upper", "lower", "title", "capitalize", "format", "join", "find", "rfind", "index",
            "count", "isdigit", "isalpha", "isalnum", "isspace", "islower", "isupper", "splitlines", "casefold",
            "swapcase", "zfill", "center", "ljust", "rjust", "removeprefix", "removesuffix", "partition");
    private static final Set<String> DICT = Set.of("items", "keys", "values", "get", "copy");
    private static final Set<String> DICT_MUTATING = Set.of("update", "pop", "popitem", "setdefault", "clear");
    private static final Set<String> LIST = Set.of("index", "count", "copy");
    private static final Set<String> LIST_MUTATING = Set.of("append", "extend", "insert", "pop", "remove", "reverse",
            "sort", "clear");

    /** The bound method {@code obj.name}, or null when obj has no such method. */
    static JinjaCallable bind(Object obj, String name) {
        if (obj instanceof String s && STR.contains(name)) return new Fn("str." + name, (in, a, kw) -> str(s, name, a, kw));
        if (obj instanceof Map<?, ?> m) {
            if (DICT.contains(name)) return new Fn("dict." + name, (in, a, kw) -> dict(m, name, a, kw));
            if (DICT_MUTATING.contains(name)) return unsafe(name, "dict");
        }
        if (obj instanceof List<?> l) {
            if (LIST.contains(name)) return new Fn("list." + name, (in, a, kw) -> list(l, name, a, kw));
            if (LIST_MUTATING.contains(name)) return unsafe(name, "list");
        }
        return null;
    }

    private static JinjaCallable unsafe(String name, String type) {
        return new Fn(type + "." + name, (in, a, kw) -> {
            throw new TemplateError("access to attribute '" + name + "' of '" + type + "' object is unsafe.");
        });
    }

    private static String strArg(Object o, String fn) {
        if (o instanceof String s) return s;
        throw new TemplateError(fn + "() argument must be str, not " + Py.typeName(o));
    }

    private static String optChars(Object o, String fn) {
        return o == null ? null : strArg(o, fn);
    }

    /** Code-point slice bounds [start, end) for the optional start/end arguments of find, startswith, ... */
    private static String window(String s, Args a, int startIdx) {
        if (!a.has(startIdx) && !a.has(startIdx + 1)) return s;
        Object st = a.get(startIdx, null);
        Object en = a.get(startIdx + 1, null);
        List<String> chars = Py.chars(s);
        int n = chars.size();
        int from = st == null ? 0 : (int) clamp(Py.toIndex(st, "slice indices"), n);
        int to = en == null ? n : (int) clamp(Py.toIndex(en, "slice indices"), n);
        return from >= to ? "" : String.join("", chars.subList(from, to));
    }

    private static long clamp(long v, int n) {
        if (v < 0) v = Math.max(0, v + n);
        return Math.min(v, n);
    }

    private static Object str(String s, String name, List<Object> args, Map<String, Object> kw) {
        String fn = name;
        switch (name) {
            case "startswith", "endswith" -> {
                Args a = Args.bind(fn, args, kw, "prefix", "start", "end");
                Object p = a.required(0, fn, "prefix");
                String w = window(s, a, 1);
                List<Object> options = p instanceof List<?> l ? new ArrayList<>(l) : List.of(p);
                for (Object o : options) {
                    String x = strArg(o, fn);
                    if (name.equals("startswith") ? w.startsWith(x) : w.endsWith(x)) return true;
                }
                return false;
            }
            case "split", "rsplit" -> {
                Args a = Args.bind(fn, args, kw, "sep", "maxsplit");
                Object sep = a.get(0, null);
                long max = Py.toIndex(a.get(1, -1L), "maxsplit");
                return name.equals("split") ? PyStrings.split(s, sep == null ? null : strArg(sep, fn), max)
                        : PyStrings.rsplit(s, sep == null ? null : strArg(sep, fn), max);
            }
            case "strip", "lstrip", "rstrip" -> {
                Args a = Args.bind(fn, args, kw, "chars");
                String chars = optChars(a.get(0, null), fn);
                return switch (name) {
                    case "strip" -> Py.strip(s, chars);
                    case "lstrip" -> Py.lstrip(s, chars);
                    default -> Py.rstrip(s, chars);
                };
            }
            case "replace" -> {
                Args a = Args.bind(fn, args, kw, "old", "new", "count");
                return PyStrings.replace(s, strArg(a.required(0, fn, "old"), fn), strArg(a.required(1, fn, "new"), fn),
                        Py.toIndex(a.get(2, -1L), "count"));
            }
            case "upper" -> { return s.toUpperCase(java.util.Locale.ROOT); }
            case "lower" -> { return s.toLowerCase(java.util.Locale.ROOT); }
            case "casefold" -> { return s.toUpperCase(java.util.Locale.ROOT).toLowerCase(java.util.Locale.ROOT); }
            case "title" -> { return PyStrings.title(s); }
            case "capitalize" -> { return PyStrings.capitalize(s); }
            case "swapcase" -> { return PyStrings.swapcase(s); }
            case "format" -> { return PyFormat.format(s, args, kw); }
            case "join" -> {
                Args a = Args.bind(fn, args, kw, "iterable");
                List<Object> items = Py.iterate(a.required(0, fn, "iterable"));
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < items.size(); i++) {
                    if (!(items.get(i) instanceof String x)) {
                        throw new TemplateError("sequence item " + i + ": expected str instance, " + Py.typeName(items.get(i)) + " found");
                    }
                    if (i > 0) sb.append(s);
                    sb.append(x);
                }
                return sb.toString();
            }
            case "find", "rfind", "index", "count" -> {
                Args a = Args.bind(fn, args, kw, "sub", "start", "end");
                String sub = strArg(a.required(0, fn, "sub"), fn);
                long offset = a.has(1) && a.get(1, null) != null ? clamp(Py.toIndex(a.get(1, null), "slice indices"), Py.length(s)) : 0;
                String w = window(s, a, 1);
                if (name.equals("count")) return PyStrings.count(w, sub);
                int at = name.equals("rfind") ? w.lastIndexOf(sub) : w.indexOf(sub);
                if (at < 0) {
                    if (name.equals("index")) throw new TemplateError("substring not found");
                    return -1L;
                }
                return offset + w.codePointCount(0, at);
            }
            case "isdigit", "isalpha", "isalnum", "isspace", "islower", "isupper" -> {
                Args.bind(fn, args, kw);
                return PyStrings.classify(s, name);
            }
            case "splitlines" -> {
                Args a = Args.bind(fn, args, kw, "keepends");
                return PyStrings.splitlines(s, Py.truthy(a.get(0, false)));
            }
            case "zfill", "center", "ljust", "rjust" -> {
                Args a = Args.bind(fn, args, kw, "width", "fillchar");
                int width = (int) Py.toIndex(a.required(0, fn, "width"), "width");
                String fill = name.equals("zfill") ? "0" : strArg(a.get(1, " "), fn);
                return PyStrings.pad(s, name, width, fill);
            }
            case "removeprefix" -> {
                String p = strArg(Args.bind(fn, args, kw, "prefix").required(0, fn, "prefix"), fn);
                return s.startsWith(p) ? s.substring(p.length()) : s;
            }
            case "removesuffix" -> {
                String p = strArg(Args.bind(fn, args, kw, "suffix").required(0, fn, "suffix"), fn);
                return !p.isEmpty() && s.endsWith(p) ? s.substring(0, s.length() - p.length()) : s;
            }
            case "partition" -> {
                String sep = strArg(Args.bind(fn, args, kw, "sep").required(0, fn, "sep"), fn);
                if (sep.isEmpty()) throw new TemplateError("empty separator");
                int at = s.indexOf(sep);
                return at < 0 ? PyTuple.of(s, "", "") : PyTuple.of(s.substring(0, at), sep, s.substring(at + sep.length()));
            }
            default -> throw new TemplateError("'str' object has no attribute '" + name + "'");
        }
    }

    private static Object dict(Map<?, ?> m, String name, List<Object> args, Map<String, Object> kw) {
        switch (name) {
            case "items" -> {
                Args.bind("items", args, kw);
                List<Object> out = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.add(PyTuple.of(e.getKey(), e.getValue()));
                return out;
            }
            case "keys" -> {
                Args.bind("keys", args, kw);
                return new ArrayList<Object>(m.keySet());
            }
            case "values" -> {
                Args.bind("values", args, kw);
                return new ArrayList<Object>(m.values());
            }
            case "get" -> {
                Args a = Args.bind("get", args, kw, "key", "default");
                Object v = Interpreter.mapLookup(m, a.required(0, "get", "key"));
                return v == Interpreter.ABSENT ? a.get(1, null) : v;
            }
            default -> {
                return new LinkedHashMap<Object, Object>(m);
            }
        }
    }

    private static Object list(List<?> l, String name, List<Object> args, Map<String, Object> kw) {
        switch (name) {
            case "index" -> {
                Object x = Args.bind("index", args, kw, "value").required(0, "index", "value");
                for (int i = 0; i < l.size(); i++) if (Py.eq(l.get(i), x)) return (long) i;
                throw new TemplateError(Py.repr(x) + " is not in list");
            }
            case "count" -> {
                Object x = Args.bind("count", args, kw, "value").required(0, "count", "value");
                return l.stream().filter(o -> Py.eq(o, x)).count();
            }
            default -> {
                return new ArrayList<Object>(l);
            }
        }
    }
}
