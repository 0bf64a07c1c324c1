package io.fangwusha.core.template.jinja;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Binds positional and keyword arguments to a Python-style parameter list. */
final class Args {
    private static final Object MISSING = new Object();
    private final Object[] values;

    private Args(Object[] values) {
        this.values = values;
    }

    static Args bind(String fn, List<Object> args, Map<String, Object> kwargs, String... params) {
        if (args.size() > params.length) {
            throw new TemplateError(fn + "() takes at most " + params.length + " argument(s) (" + args.size() + " given)");
        }
        Object[] v = new Object[params.length];
        Arrays.fill(v, MISSING);
        for (int i = 0; i < args.size(); i++) v[i] = args.get(i);
        for (Map.Entry<String, Object> e : kwargs.entrySet()) {
            int idx = List.of(params).indexOf(e.getKey());
            if (idx < 0) throw new TemplateError(fn + "() got an unexpected keyword argument '" + e.getKey() + "'");
            if (v[idx] != MISSING) throw new TemplateError(fn + "() got multiple values for argument '" + e.getKey() + "'");
            v[idx] = e.getValue();
        }
        return new Args(v);
    }

    boolean has(int i) {
        return values[i] != MISSING;
    }

    Object get(int i, Object dflt) {
        return values[i] == MISSING ? dflt : values[i];
    }

    Object required(int i, String fn, String param) {
        if (values[i] == MISSING) throw new TemplateError(fn + "() missing required argument '" + param + "'");
        return values[i];
    }
}
