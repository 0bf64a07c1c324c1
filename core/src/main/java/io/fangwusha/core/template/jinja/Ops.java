package io.fangwusha.core.template.jinja;

import java.util.ArrayList;
import java.util.List;

/** Python arithmetic on template values. Ints are 64-bit here (overflow is an error, not a bignum). */
final class Ops {
    private Ops() {}

    private static TemplateError unsupported(String op, Object a, Object b) {
        return new TemplateError("unsupported operand type(s) for " + op + ": '" + Py.typeName(a) + "' and '" + Py.typeName(b) + "'");
    }

    private static void checkDefined(Object a, Object b) {
        if (a instanceof Undefined u) throw Undefined.error(u);
        if (b instanceof Undefined u) throw Undefined.error(u);
    }

    private static boolean bothNumbers(Object a, Object b) {
        return Py.isNumber(a) && Py.isNumber(b);
    }

    private static boolean anyFloat(Object a, Object b) {
        return Py.isFloat(a) || Py.isFloat(b);
    }

    private static double d(Object o) {
        return o instanceof Boolean b ? (b ? 1 : 0) : ((Number) o).doubleValue();
    }

    private static long l(Object o) {
        return Py.asLong(o);
    }

    static Object binary(String op, Object a, Object b) {
        checkDefined(a, b);
        try {
            return switch (op) {
                case "+" -> add(a, b);
                case "-" -> {
                    if (!bothNumbers(a, b)) throw unsupported("-", a, b);
                    yield anyFloat(a, b) ? (Object) (d(a) - d(b)) : (Object) Math.subtractExact(l(a), l(b));
                }
                case "*" -> mul(a, b);
                case "/" -> {
                    if (!bothNumbers(a, b)) throw unsupported("/", a, b);
                    if (d(b) == 0) throw new TemplateError("division by zero");
                    yield d(a) / d(b);
                }
                case "//" -> floorDiv(a, b);
                case "%" -> mod(a, b);
                case "**" -> pow(a, b);
                default -> throw new TemplateError("unknown operator " + op);
            };
        } catch (ArithmeticException ex) {
            throw new TemplateError("integer overflow in '" + op + "'");
        }
    }

    private static Object add(Object a, Object b) {
        if (bothNumbers(a, b)) return anyFloat(a, b) ? (Object) (d(a) + d(b)) : (Object) Math.addExact(l(a), l(b));
        if (a instanceof String x && b instanceof String y) return x + y;
        if (a instanceof List<?> x && b instanceof List<?> y) {
            List<Object> out = new ArrayList<>(x);
            out.addAll(y);
            return out;
        }
        if (a instanceof String) throw new TemplateError("can only concatenate str (not \"" + Py.typeName(b) + "\") to str");
        if (a instanceof List) throw new TemplateError("can only concatenate list (not \"" + Py.typeName(b) + "\") to list");
        throw unsupported("+", a, b);
    }

    private static Object mul(Object a, Object b) {
        if (bothNumbers(a, b)) return anyFloat(a, b) ? (Object) (d(a) * d(b)) : (Object) Math.multiplyExact(l(a), l(b));
        Object seq = a instanceof String || a instanceof List ? a : b;
        Object times = seq == a ? b : a;
        if ((seq instanceof String || seq instanceof List) && (Py.isInt(times) || times instanceof Boolean)) {
            long n = Math.max(0, l(times));
            if (seq instanceof String s) return s.repeat(Math.toIntExact(n));
            if (seq instanceof List<?> list) {
                List<Object> out = new ArrayList<>();
                for (long i = 0; i < n; i++) out.addAll(list);
                return out;
            }
        }
        throw new TemplateError("can't multiply sequence by non-int of type '" + Py.typeName(times) + "'");
    }

    private static Object floorDiv(Object a, Object b) {
        if (!bothNumbers(a, b)) throw unsupported("//", a, b);
        if (d(b) == 0) throw new TemplateError("integer division or modulo by zero");
        if (anyFloat(a, b)) return Math.floor(d(a) / d(b));
        return Math.floorDiv(l(a), l(b));
    }

    private static Object mod(Object a, Object b) {
        if (a instanceof String fmt) return PyFormat.percent(fmt, b);
        if (!bothNumbers(a, b)) throw unsupported("%", a, b);
        if (d(b) == 0) throw new TemplateError("integer division or modulo by zero");
        if (anyFloat(a, b)) {
            double x = d(a);
            double y = d(b);
            double r = x % y;
            if (r != 0 && (r < 0) != (y < 0)) r += y; // Python: result takes the divisor's sign
            return r;
        }
        return Math.floorMod(l(a), l(b));
    }

    private static Object pow(Object a, Object b) {
        if (!bothNumbers(a, b)) throw unsupported("** or pow()", a, b);
        if (!anyFloat(a, b) && l(b) >= 0) {
            long base = l(a);
            long result = 1;
            for (long e = l(b); e > 0; e--) result = Math.multiplyExact(result, base);
            return result;
        }
        return Math.pow(d(a), d(b));
    }

    static Object negate(Object a) {
        if (a instanceof Undefined u) throw Undefined.error(u);
        if (Py.isFloat(a)) return -d(a);
        if (Py.isNumber(a)) return Math.negateExact(l(a));
        throw new TemplateError("bad operand type for unary -: '" + Py.typeName(a) + "'");
    }

    static Object plus(Object a) {
        if (a instanceof Undefined u) throw Undefined.error(u);
        if (Py.isFloat(a)) return d(a);
        if (Py.isNumber(a)) return l(a);
        throw new TemplateError("bad operand type for unary +: '" + Py.typeName(a) + "'");
    }

    /** Python {@code needle in haystack}. */
    static boolean contains(Object haystack, Object needle) {
        if (haystack instanceof String s) {
            if (needle instanceof String n) return s.contains(n);
            throw new TemplateError("'in <string>' requires string as left operand, not " + Py.typeName(needle));
        }
        if (haystack instanceof List<?> l) {
            for (Object o : l) if (Py.eq(o, needle)) return true;
            return false;
        }
        if (haystack instanceof java.util.Map<?, ?> m) return Interpreter.mapLookup(m, needle) != Interpreter.ABSENT;
        if (haystack instanceof Undefined) return false;
        if (haystack instanceof Namespace ns) return false;
        throw new TemplateError("argument of type '" + Py.typeName(haystack) + "' is not iterable");
    }
}
