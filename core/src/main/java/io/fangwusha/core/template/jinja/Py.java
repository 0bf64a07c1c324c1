package io.fangwusha.core.template.jinja;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python value semantics for plain Java values: {@code null} is None, Boolean is bool (and, as in Python, also an
 * int), integral Numbers are int, Double/Float/BigDecimal are float, String is str (indexed by code point, as
 * Python does), List is list, Map is dict (insertion order kept).
 */
final class Py {
    private Py() {}

    // ---------------------------------------------------------------- types

    static boolean isInt(Object o) {
        return o instanceof Long || o instanceof Integer || o instanceof Short || o instanceof Byte
                || o instanceof BigInteger;
    }

    static boolean isFloat(Object o) {
        return o instanceof Double || o instanceof Float || o instanceof BigDecimal;
    }

    /** Python's numbers.Number: bool included. */
    static boolean isNumber(Object o) {
        return isInt(o) || isFloat(o) || o instanceof Boolean;
    }

    static String typeName(Object o) {
        if (o == null) return "NoneType";
        if (o instanceof Boolean) return "bool";
        if (isInt(o)) return "int";
        if (isFloat(o)) return "float";
        if (o instanceof String) return "str";
        if (o instanceof PyTuple) return "tuple";
        if (o instanceof List) return "list";
        if (o instanceof Map) return "dict";
        if (o instanceof Undefined) return "Undefined";
        if (o instanceof Namespace) return "Namespace";
        if (o instanceof LoopContext) return "LoopContext";
        if (o instanceof JinjaCallable) return "function";
        return o.getClass().getSimpleName();
    }

    /** Jinja's object_type_repr: "None", or "'dict object'" style names used in undefined-attribute messages. */
    static String objectTypeRepr(Object o) {
        return o == null ? "None" : typeName(o) + " object";
    }

    // ---------------------------------------------------------------- conversions

    static boolean truthy(Object o) {
        if (o == null) return false;
        if (o instanceof Boolean b) return b;
        if (o instanceof Undefined) return false;
        if (o instanceof String s) return !s.isEmpty();
        if (o instanceof BigInteger b) return b.signum() != 0;
        if (o instanceof BigDecimal b) return b.signum() != 0;
        if (o instanceof Number n) return isFloat(n) ? n.doubleValue() != 0.0 : n.longValue() != 0;
        if (o instanceof List<?> l) return !l.isEmpty();
        if (o instanceof Map<?, ?> m) return !m.isEmpty();
        return true;
    }

    /** Integral value of an int or bool, or null. BigInteger beyond long range is refused. */
    static Long asLong(Object o) {
        if (o instanceof Boolean b) return b ? 1L : 0L;
        if (o instanceof BigInteger b) {
            if (b.bitLength() > 63) throw new TemplateError("integer too large: " + b);
            return b.longValue();
        }
        if (isInt(o)) return ((Number) o).longValue();
        return null;
    }

    static long toIndex(Object o, String what) {
        Long l = asLong(o);
        if (l == null) throw new TemplateError(what + " must be integers, not " + typeName(o));
        return l;
    }

    /** Python str(). */
    static String str(Object o) {
        if (o instanceof String s) return s;
        if (o == null) return "None";
        if (o instanceof Boolean b) return b ? "True" : "False";
        if (o instanceof Undefined) return "";
        if (isFloat(o)) return floatRepr(((Number) o).doubleValue());
        if (o instanceof Number n) return n.toString();
        return repr(o);
    }

    /** Python repr(). */
    static String repr(Object o) {
        if (o instanceof String s) return reprString(s);
        if (o instanceof PyTuple t) {
            StringBuilder sb = new StringBuilder("(");
            for (int i = 0; i < t.size(); i++) sb.append(i > 0 ? ", " : "").append(repr(t.get(i)));
            return sb.append(t.size() == 1 ? ",)" : ")").toString();
        }
        if (o instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < l.size(); i++) sb.append(i > 0 ? ", " : "").append(repr(l.get(i)));
            return sb.append(']').toString();
        }
        if (o instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(first ? "" : ", ").append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
                first = false;
            }
            return sb.append('}').toString();
        }
        if (o instanceof Namespace ns) return "<Namespace " + repr(ns.attrs()) + ">";
        if (o instanceof JinjaCallable c) return "<function " + c.name() + ">";
        if (o instanceof LoopContext) return "<LoopContext>";
        return str(o);
    }

    static String reprString(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder().append(quote);
        s.codePoints().forEach(cp -> {
            if (cp == quote || cp == '\\') sb.append('\\').appendCodePoint(cp);
            else if (cp == '\n') sb.append("\\n");
            else if (cp == '\r') sb.append("\\r");
            else if (cp == '\t') sb.append("\\t");
            else if (isPrintable(cp)) sb.appendCodePoint(cp);
            else if (cp < 0x100) sb.append(String.format("\\x%02x", cp));
            else if (cp < 0x10000) sb.append(String.format("\\u%04x", cp));
            else sb.append(String.format("\\U%08x", cp));
        });
        return sb.append(quote).toString();
    }

    private static boolean isPrintable(int cp) {
        if (cp == ' ') return true;
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                 Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    /**
     * Python's float repr: the shortest digits that round-trip (Java's Double.toString gives the same digits since
     * JDK 19), fixed notation for decimal exponents -4..15, otherwise {@code d.ddde+XX}.
     */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        String sign = d < 0 ? "-" : "";
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exp = digits.length() - 1 - bd.scale(); // value = d.ddd * 10^exp
        if (exp >= -4 && exp < 16) {
            String plain;
            if (exp < 0) {
                plain = "0." + "0".repeat(-exp - 1) + digits;
            } else if (digits.length() <= exp + 1) {
                plain = digits + "0".repeat(exp + 1 - digits.length()) + ".0";
            } else {
                plain = digits.substring(0, exp + 1) + "." + digits.substring(exp + 1);
            }
            return sign + plain;
        }
        String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String e = Integer.toString(Math.abs(exp));
        return sign + mant + "e" + (exp < 0 ? "-" : "+") + (e.length() < 2 ? "0" + e : e);
    }

    // ---------------------------------------------------------------- equality and ordering

    static boolean eq(Object a, Object b) {
        if (a == b) return true;
        if (a instanceof Undefined || b instanceof Undefined) return a instanceof Undefined && b instanceof Undefined;
        if (a == null || b == null) return false;
        if (isNumber(a) && isNumber(b)) return compareNumbers(a, b) == 0;
        if (a instanceof String && b instanceof String) return a.equals(b);
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) if (!eq(x.get(i), y.get(i))) return false;
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) return false;
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !eq(e.getValue(), y.get(e.getKey()))) return false;
            }
            return true;
        }
        return a.equals(b);
    }

    private static int compareNumbers(Object a, Object b) {
        if (isFloat(a) || isFloat(b)) return Double.compare(((Number) num(a)).doubleValue(), ((Number) num(b)).doubleValue());
        return toBig(a).compareTo(toBig(b));
    }

    private static Object num(Object o) {
        return o instanceof Boolean b ? (b ? 1L : 0L) : o;
    }

    static BigInteger toBig(Object o) {
        Object n = num(o);
        return n instanceof BigInteger b ? b : BigInteger.valueOf(((Number) n).longValue());
    }

    /** Python ordering for {@code <} and friends; TypeError between unrelated types. */
    static int compare(Object a, Object b, String op) {
        if (isNumber(a) && isNumber(b)) {
            if ((isFloat(a) && Double.isNaN(((Number) a).doubleValue())) || (isFloat(b) && Double.isNaN(((Number) b).doubleValue()))) {
                return op.startsWith("<") ? 1 : -1; // every ordering comparison with NaN is false
            }
            return compareNumbers(a, b);
        }
        if (a instanceof String x && b instanceof String y) return compareCodePoints(x, y);
        if (a instanceof List<?> x && b instanceof List<?> y) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                if (!eq(x.get(i), y.get(i))) return compare(x.get(i), y.get(i), op);
            }
            return Integer.compare(x.size(), y.size());
        }
        if (a instanceof Undefined || b instanceof Undefined) {
            throw Undefined.error(a instanceof Undefined u ? u : (Undefined) b);
        }
        throw new TemplateError("'" + op + "' not supported between instances of '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    static int compareCodePoints(String x, String y) {
        int i = 0;
        int j = 0;
        while (i < x.length() && j < y.length()) {
            int a = x.codePointAt(i);
            int b = y.codePointAt(j);
            if (a != b) return Integer.compare(a, b);
            i += Character.charCount(a);
            j += Character.charCount(b);
        }
        return Boolean.compare(i < x.length(), j < y.length());
    }

    // ---------------------------------------------------------------- iteration and strings

    /** Python iter() materialised: list items, dict keys, string characters; Undefined is empty. */
    static List<Object> iterate(Object o) {
        if (o instanceof List<?> l) return new ArrayList<>(l);
        if (o instanceof Map<?, ?> m) return new ArrayList<>(m.keySet());
        if (o instanceof String s) return new ArrayList<>(chars(s));
        if (o instanceof Undefined) return new ArrayList<>();
        if (o instanceof Iterable<?> it) {
            List<Object> out = new ArrayList<>();
            for (Iterator<?> i = it.iterator(); i.hasNext(); ) out.add(i.next());
            return out;
        }
        throw new TemplateError("'" + typeName(o) + "' object is not iterable");
    }

    static List<String> chars(String s) {
        return s.codePoints().mapToObj(Character::toString).toList();
    }

    static int length(String s) {
        return s.codePointCount(0, s.length());
    }

    /** Python len(); -1 if the value has no length. */
    static long len(Object o) {
        if (o instanceof String s) return length(s);
        if (o instanceof List<?> l) return l.size();
        if (o instanceof Map<?, ?> m) return m.size();
        if (o instanceof Undefined) return 0;
        if (o instanceof Namespace ns) return ns.attrs().size();
        return -1;
    }

    /** Python's str.isspace() for one code point. */
    static boolean isSpace(int c) {
        return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f
                || c == 0x3000;
    }

    private static boolean stripSet(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.indexOf(Character.toString(cp)) >= 0;
    }

    static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (!stripSet(cp, chars)) break;
            i += Character.charCount(cp);
        }
        return s.substring(i);
    }

    static String rstrip(String s, String chars) {
        int j = s.length();
        while (j > 0) {
            int cp = s.codePointBefore(j);
            if (!stripSet(cp, chars)) break;
            j -= Character.charCount(cp);
        }
        return s.substring(0, j);
    }

    static String strip(String s, String chars) {
        return lstrip(rstrip(s, chars), chars);
    }
}
