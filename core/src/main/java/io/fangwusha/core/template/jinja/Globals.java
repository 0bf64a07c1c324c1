package io.fangwusha.core.template.jinja;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Global functions of the transformers chat-template environment. */
final class Globals {
    private Globals() {}

    /** The sandbox's cap on range() lengths. */
    private static final long MAX_RANGE = 100_000;

    static void install(Map<String, Object> vars) {
        vars.put("range", new Fn("range", (in, a, kw) -> range(a, kw)));
        vars.put("namespace", new Fn("namespace", (in, a, kw) -> {
            Namespace ns = new Namespace();
            putPairs(ns.attrs(), a, kw);
            return ns;
        }));
        vars.put("dict", new Fn("dict", (in, a, kw) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            putPairs(m, a, kw);
            return m;
        }));
        vars.put("raise_exception", new Fn("raise_exception", (in, a, kw) -> {
            Object msg = Args.bind("raise_exception", a, kw, "message").required(0, "raise_exception", "message");
            throw new TemplateError(Py.str(msg));
        }));
        vars.put("strftime_now", new Fn("strftime_now", (in, a, kw) ->
                strftime(Py.str(Args.bind("strftime_now", a, kw, "format").required(0, "strftime_now", "format")), LocalDateTime.now())));
    }

    @SuppressWarnings("unchecked")
    private static void putPairs(Map<String, Object> into, List<Object> a, Map<String, Object> kw) {
        if (a.size() > 1) throw new TemplateError("expected at most 1 argument, got " + a.size());
        if (a.size() == 1) {
            Object src = a.getFirst();
            if (src instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> e : m.entrySet()) into.put(Py.str(e.getKey()), e.getValue());
            } else {
                for (Object pair : Py.iterate(src)) {
                    List<Object> kv = Py.iterate(pair);
                    if (kv.size() != 2) throw new TemplateError("dictionary update sequence element has length " + kv.size() + "; 2 is required");
                    into.put(Py.str(kv.get(0)), kv.get(1));
                }
            }
        }
        into.putAll(kw);
    }

    private static Object range(List<Object> a, Map<String, Object> kw) {
        if (!kw.isEmpty()) throw new TemplateError("range() takes no keyword arguments");
        if (a.isEmpty() || a.size() > 3) throw new TemplateError("range expected 1 to 3 arguments, got " + a.size());
        long start = a.size() == 1 ? 0 : Py.toIndex(a.get(0), "range() arguments");
        long stop = Py.toIndex(a.size() == 1 ? a.get(0) : a.get(1), "range() arguments");
        long step = a.size() == 3 ? Py.toIndex(a.get(2), "range() arguments") : 1;
        if (step == 0) throw new TemplateError("range() arg 3 must not be zero");
        long len = step > 0 ? (stop > start ? (stop - start + step - 1) / step : 0) : (start > stop ? (start - stop - step - 1) / -step : 0);
        if (len > MAX_RANGE) throw new TemplateError("Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + MAX_RANGE + ").");
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < len; i++) out.add(start + i * step);
        return out;
    }

    /** The C strftime directives templates use (%Y %m %d %H %M %S %b %B %a %A %y %j %p %I %%); others stay as written. */
    static String strftime(String fmt, LocalDateTime t) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) {
                sb.append(c);
                continue;
            }
            char d = fmt.charAt(++i);
            switch (d) {
                case 'Y' -> sb.append(t.getYear());
                case 'y' -> sb.append(String.format("%02d", t.getYear() % 100));
                case 'm' -> sb.append(String.format("%02d", t.getMonthValue()));
                case 'd' -> sb.append(String.format("%02d", t.getDayOfMonth()));
                case 'H' -> sb.append(String.format("%02d", t.getHour()));
                case 'I' -> sb.append(String.format("%02d", (t.getHour() + 11) % 12 + 1));
                case 'M' -> sb.append(String.format("%02d", t.getMinute()));
                case 'S' -> sb.append(String.format("%02d", t.getSecond()));
                case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
                case 'j' -> sb.append(String.format("%03d", t.getDayOfYear()));
                case 'b' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.US));
                case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US));
                case '%' -> sb.append('%');
                default -> sb.append('%').append(d);
            }
        }
        return sb.toString();
    }
}
