package io.fangwusha.core.template.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii, indent, separators, sort_keys)}, which transformers installs as the
 * chat-template {@code tojson} filter (with {@code ensure_ascii=False}; Jinja's own HTML-escaping tojson is replaced).
 * Without indent the separators are {@code ", "} and {@code ": "}; with indent, {@code ","} and {@code ": "}.
 */
final class Json {
    private final boolean ensureAscii;
    private final String indent;
    private final String itemSep;
    private final String keySep;
    private final boolean sortKeys;

    private Json(boolean ensureAscii, String indent, String itemSep, String keySep, boolean sortKeys) {
        this.ensureAscii = ensureAscii;
        this.indent = indent;
        this.itemSep = itemSep;
        this.keySep = keySep;
        this.sortKeys = sortKeys;
    }

    /** indent: null, an int (spaces) or a string; separators: null or a 2-item list. */
    static String dumps(Object value, boolean ensureAscii, Object indent, Object separators, boolean sortKeys) {
        String ind = null;
        if (indent instanceof String s) ind = s;
        else if (indent != null) ind = " ".repeat((int) Math.max(0, Py.toIndex(indent, "indent")));
        String itemSep = ind == null ? ", " : ",";
        String keySep = ": ";
        if (separators != null) {
            if (!(separators instanceof List<?> l) || l.size() != 2 || !(l.get(0) instanceof String a) || !(l.get(1) instanceof String b)) {
                throw new TemplateError("separators must be a (item_separator, key_separator) pair of strings");
            }
            itemSep = a;
            keySep = b;
        }
        StringBuilder sb = new StringBuilder();
        new Json(ensureAscii, ind, itemSep, keySep, sortKeys).write(value, sb, 0);
        return sb.toString();
    }

    private void newline(StringBuilder sb, int level) {
        if (indent != null) sb.append('\n').append(indent.repeat(level));
    }

    private void write(Object v, StringBuilder sb, int level) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (v instanceof String s) {
            string(s, sb);
        } else if (Py.isFloat(v)) {
            sb.append(floatStr(((Number) v).doubleValue()));
        } else if (Py.isInt(v)) {
            sb.append(v);
        } else if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) sb.append(itemSep);
                newline(sb, level + 1);
                write(l.get(i), sb, level + 1);
            }
            newline(sb, level);
            sb.append(']');
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
            if (sortKeys) entries.sort((x, y) -> Py.compare(x.getKey(), y.getKey(), "<"));
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : entries) {
                if (!first) sb.append(itemSep);
                first = false;
                newline(sb, level + 1);
                string(key(e.getKey()), sb);
                sb.append(keySep);
                write(e.getValue(), sb, level + 1);
            }
            newline(sb, level);
            sb.append('}');
        } else {
            throw new TemplateError("Object of type " + Py.typeName(v) + " is not JSON serializable");
        }
    }

    private static String key(Object k) {
        if (k instanceof String s) return s;
        if (k == null) return "null";
        if (k instanceof Boolean b) return b ? "true" : "false";
        if (Py.isFloat(k)) return floatStr(((Number) k).doubleValue());
        if (Py.isInt(k)) return k.toString();
        throw new TemplateError("keys must be str, int, float, bool or None, not " + Py.typeName(k));
    }

    private static String floatStr(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        return Py.floatRepr(d);
    }

    private void string(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
