package io.fangwusha.core.template.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

/** Python's {@code "%s" % x} and {@code "{}".format(x)} for the common conversions (s r d i f e g x o c %). */
final class PyFormat {
    private PyFormat() {}

    /** One parsed conversion spec. */
    private record Spec(char fill, char align, char sign, boolean alt, boolean zero, int width, int precision, char type) {}

    static String percent(String fmt, Object arg) {
        List<?> args = arg instanceof PyTuple t ? t : java.util.Collections.singletonList(arg);
        Map<?, ?> mapping = arg instanceof Map<?, ?> m ? m : null;
        StringBuilder sb = new StringBuilder();
        int next = 0;
        int i = 0;
        while (i < fmt.length()) {
            char c = fmt.charAt(i++);
            if (c != '%') {
                sb.append(c);
                continue;
            }
            if (i >= fmt.length()) throw new TemplateError("incomplete format");
            Object value = null;
            boolean named = false;
            if (fmt.charAt(i) == '(') {
                int close = fmt.indexOf(')', i);
                if (close < 0 || mapping == null) throw new TemplateError("format requires a mapping");
                Object v = Interpreter.mapLookup(mapping, fmt.substring(i + 1, close));
                if (v == Interpreter.ABSENT) throw new TemplateError("KeyError: " + Py.repr(fmt.substring(i + 1, close)));
                value = v;
                named = true;
                i = close + 1;
            }
            boolean left = false;
            boolean zero = false;
            char sign = '-';
            boolean alt = false;
            for (; i < fmt.length() && "-+ 0#".indexOf(fmt.charAt(i)) >= 0; i++) {
                switch (fmt.charAt(i)) {
                    case '-' -> left = true;
                    case '0' -> zero = true;
                    case '#' -> alt = true;
                    default -> sign = fmt.charAt(i) == '+' || sign == '+' ? '+' : ' ';
                }
            }
            int width = 0;
            while (i < fmt.length() && Character.isDigit(fmt.charAt(i))) width = width * 10 + fmt.charAt(i++) - '0';
            int precision = -1;
            if (i < fmt.length() && fmt.charAt(i) == '.') {
                i++;
                precision = 0;
                while (i < fmt.length() && Character.isDigit(fmt.charAt(i))) precision = precision * 10 + fmt.charAt(i++) - '0';
            }
            if (i >= fmt.length()) throw new TemplateError("incomplete format");
            char type = fmt.charAt(i++);
            if (type == '%') {
                sb.append('%');
                continue;
            }
            if (!named) {
                if (mapping != null && !(arg instanceof PyTuple)) {
                    value = arg;
                } else {
                    if (next >= args.size()) throw new TemplateError("not enough arguments for format string");
                    value = args.get(next++);
                }
            }
            Spec spec = new Spec(zero && !left && "sr".indexOf(type) < 0 ? '0' : ' ', left ? '<' : '>', sign, alt,
                    zero && !left, width, precision, type);
            sb.append(convert(value, spec, true));
        }
        if (mapping == null && next < args.size()) throw new TemplateError("not all arguments converted during string formatting");
        return sb.toString();
    }

    static String format(String s, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder sb = new StringBuilder();
        int auto = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '}' ) {
                if (i + 1 < s.length() && s.charAt(i + 1) == '}') {
                    sb.append('}');
                    i += 2;
                    continue;
                }
                throw new TemplateError("Single '}' encountered in format string");
            }
            if (c != '{') {
                sb.append(c);
                i++;
                continue;
            }
            if (i + 1 < s.length() && s.charAt(i + 1) == '{') {
                sb.append('{');
                i += 2;
                continue;
            }
            int close = s.indexOf('}', i);
            if (close < 0) throw new TemplateError("Single '{' encountered in format string");
            String field = s.substring(i + 1, close);
            i = close + 1;
            String specText = "";
            int colon = field.indexOf(':');
            if (colon >= 0) {
                specText = field.substring(colon + 1);
                field = field.substring(0, colon);
            }
            char conv = 0;
            int bang = field.indexOf('!');
            if (bang >= 0) {
                conv = field.length() > bang + 1 ? field.charAt(bang + 1) : 0;
                field = field.substring(0, bang);
            }
            Object value;
            if (field.isEmpty()) {
                if (auto >= args.size()) throw new TemplateError("Replacement index " + auto + " out of range for positional args tuple");
                value = args.get(auto++);
            } else if (Character.isDigit(field.charAt(0))) {
                int idx = Integer.parseInt(field);
                if (idx >= args.size()) throw new TemplateError("Replacement index " + idx + " out of range for positional args tuple");
                value = args.get(idx);
            } else {
                if (!kwargs.containsKey(field)) throw new TemplateError("KeyError: " + Py.repr(field));
                value = kwargs.get(field);
            }
            if (conv == 'r' || conv == 'a') value = Py.repr(value);
            else if (conv == 's') value = Py.str(value);
            sb.append(convert(value, parseSpec(specText), false));
        }
        return sb.toString();
    }

    private static Spec parseSpec(String t) {
        int i = 0;
        char fill = ' ';
        char align = 0;
        if (t.length() >= 2 && "<>^=".indexOf(t.charAt(1)) >= 0) {
            fill = t.charAt(0);
            align = t.charAt(1);
            i = 2;
        } else if (!t.isEmpty() && "<>^=".indexOf(t.charAt(0)) >= 0) {
            align = t.charAt(0);
            i = 1;
        }
        char sign = '-';
        if (i < t.length() && "+- ".indexOf(t.charAt(i)) >= 0) sign = t.charAt(i++);
        boolean alt = i < t.length() && t.charAt(i) == '#';
        if (alt) i++;
        boolean zero = i < t.length() && t.charAt(i) == '0';
        if (zero) i++;
        int width = 0;
        while (i < t.length() && Character.isDigit(t.charAt(i))) width = width * 10 + t.charAt(i++) - '0';
        int precision = -1;
        if (i < t.length() && t.charAt(i) == '.') {
            i++;
            precision = 0;
            while (i < t.length() && Character.isDigit(t.charAt(i))) precision = precision * 10 + t.charAt(i++) - '0';
        }
        char type = i < t.length() ? t.charAt(i++) : 0;
        if (i != t.length()) throw new TemplateError("Invalid format specifier '" + t + "'");
        if (zero && align == 0) {
            fill = '0';
            align = '=';
        }
        return new Spec(fill, align, sign, alt, zero, width, precision, type);
    }

    private static String convert(Object v, Spec sp, boolean percentStyle) {
        char type = sp.type();
        if (type == 0) type = v instanceof String ? 's' : Py.isInt(v) || v instanceof Boolean ? 'd' : Py.isFloat(v) ? 0 : 's';
        String body;
        boolean numeric = true;
        switch (type) {
            case 0 -> body = Py.floatRepr(((Number) v).doubleValue());
            case 's', 'r', 'a' -> {
                numeric = false;
                body = type == 's' ? Py.str(v) : Py.repr(v);
                if (!percentStyle && type == 's' && !(v instanceof String) && sp.type() == 's') {
                    throw new TemplateError("Unknown format code 's' for object of type '" + Py.typeName(v) + "'");
                }
                if (sp.precision() >= 0 && sp.precision() < Py.length(body)) {
                    body = body.substring(0, body.offsetByCodePoints(0, sp.precision()));
                }
            }
            case 'd', 'i', 'u', 'x', 'X', 'o' -> {
                if (!Py.isNumber(v)) throw new TemplateError("%" + type + " format: a real number is required, not " + Py.typeName(v));
                long n = Py.isFloat(v) ? (long) ((Number) v).doubleValue() : Py.asLong(v);
                int radix = type == 'x' || type == 'X' ? 16 : type == 'o' ? 8 : 10;
                body = Long.toString(n, radix);
                if (type == 'X') body = body.toUpperCase(java.util.Locale.ROOT);
            }
            case 'f', 'F', 'e', 'E', 'g', 'G', '%' -> {
                if (!Py.isNumber(v)) throw new TemplateError("must be real number, not " + Py.typeName(v));
                double d = v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).doubleValue();
                body = floatFormat(d, type, sp.precision() < 0 ? 6 : sp.precision(), sp.alt());
            }
            case 'c' -> {
                numeric = false;
                body = v instanceof String s ? s : Character.toString((int) (long) Py.asLong(v));
            }
            default -> throw new TemplateError("unsupported format character '" + type + "'");
        }
        if (numeric) {
            boolean neg = body.startsWith("-");
            String digits = neg ? body.substring(1) : body;
            String signStr = neg ? "-" : sp.sign() == '+' ? "+" : sp.sign() == ' ' ? " " : "";
            if (sp.alt() && (type == 'x' || type == 'X' || type == 'o')) signStr += "0" + type;
            if (sp.zero() && (sp.align() == '=' || percentStyle) && sp.align() != '<') {
                int pad = sp.width() - signStr.length() - Py.length(digits);
                return signStr + "0".repeat(Math.max(0, pad)) + digits;
            }
            body = signStr + digits;
        }
        int pad = sp.width() - Py.length(body);
        if (pad <= 0) return body;
        String fill = String.valueOf(sp.fill() == '0' && !numeric ? ' ' : sp.fill());
        char align = sp.align() == 0 ? (numeric ? '>' : '<') : sp.align();
        return switch (align) {
            case '<' -> body + fill.repeat(pad);
            case '^' -> fill.repeat(pad / 2) + body + fill.repeat(pad - pad / 2);
            default -> fill.repeat(pad) + body;
        };
    }

    /** Correctly rounded (from the exact binary value, half-even) fixed / exponent / general formatting. */
    private static String floatFormat(double d, char type, int p, boolean alt) {
        if (Double.isNaN(d)) return Character.isUpperCase(type) ? "NAN" : "nan";
        if (Double.isInfinite(d)) return (d < 0 ? "-" : "") + (Character.isUpperCase(type) ? "INF" : "inf");
        String sign = d < 0 || (d == 0 && 1 / d < 0) ? "-" : "";
        BigDecimal x = new BigDecimal(Math.abs(d));
        switch (type) {
            case 'f', 'F' -> {
                return sign + x.setScale(p, RoundingMode.HALF_EVEN).toPlainString();
            }
            case '%' -> {
                return sign + x.movePointRight(2).setScale(p, RoundingMode.HALF_EVEN).toPlainString() + "%";
            }
            case 'e', 'E' -> {
                return sign + exponent(x, p, type == 'E');
            }
            default -> {
                int prec = p == 0 ? 1 : p;
                if (x.signum() == 0) return sign + (alt ? "0." + "0".repeat(prec - 1) : "0");
                BigDecimal r = x.round(new java.math.MathContext(prec, RoundingMode.HALF_EVEN));
                int exp = r.precision() - r.scale() - 1;
                String out;
                if (exp >= -4 && exp < prec) {
                    out = r.setScale(Math.max(0, prec - 1 - exp), RoundingMode.HALF_EVEN).toPlainString();
                    if (!alt && out.contains(".")) out = out.replaceAll("0+$", "").replaceAll("\\.$", "");
                } else {
                    out = exponent(x, prec - 1, type == 'G');
                    if (!alt) out = out.replaceAll("\\.?0+(?=[eE])", "");
                }
                return sign + out;
            }
        }
    }

    private static String exponent(BigDecimal x, int p, boolean upper) {
        if (x.signum() == 0) return "0" + (p > 0 ? "." + "0".repeat(p) : "") + (upper ? "E+00" : "e+00");
        BigDecimal r = x.round(new java.math.MathContext(p + 1, RoundingMode.HALF_EVEN));
        int exp = r.precision() - r.scale() - 1;
        String digits = r.unscaledValue().toString();
        digits = (digits + "0".repeat(p + 1)).substring(0, p + 1);
        String mant = p > 0 ? digits.charAt(0) + "." + digits.substring(1) : digits;
        String e = Integer.toString(Math.abs(exp));
        return mant + (upper ? "E" : "e") + (exp < 0 ? "-" : "+") + (e.length() < 2 ? "0" + e : e);
    }
}
