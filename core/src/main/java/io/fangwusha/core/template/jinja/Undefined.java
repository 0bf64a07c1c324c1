package io.fangwusha.core.template.jinja;

/**
 * Jinja's default {@code Undefined}: falsy, renders as "", iterates as empty, has length 0, equals only another
 * Undefined; attribute or item access, arithmetic and calls raise an error carrying {@link #message()}.
 */
record Undefined(String message) {
    static Undefined name(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    static Undefined attribute(Object obj, String attr) {
        return new Undefined("'" + Py.objectTypeRepr(obj) + "' has no attribute '" + attr + "'");
    }

    static Undefined element(Object obj, Object key) {
        if (key instanceof String s) return attribute(obj, s);
        return new Undefined(Py.objectTypeRepr(obj) + " has no element " + Py.repr(key));
    }

    static TemplateError error(Undefined u) {
        return new TemplateError(u.message);
    }

    @Override
    public String toString() {
        return "";
    }
}
