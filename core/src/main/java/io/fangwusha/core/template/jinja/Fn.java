package io.fangwusha.core.template.jinja;

import java.util.List;
import java.util.Map;

/** A named callable built from a lambda (globals, bound methods, loop helpers). */
record Fn(String name, Body body) implements JinjaCallable {
    interface Body {
        Object call(Interpreter in, List<Object> args, Map<String, Object> kwargs);
    }

    @Override
    public Object call(Interpreter in, List<Object> args, Map<String, Object> kwargs) {
        return body.call(in, args, kwargs);
    }
}
