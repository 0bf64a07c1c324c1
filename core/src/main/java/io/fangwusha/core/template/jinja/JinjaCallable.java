package io.fangwusha.core.template.jinja;

import java.util.List;
import java.util.Map;

/** Anything a template can call: globals, macros, methods bound to a value, {@code loop.cycle}. */
interface JinjaCallable {
    String name();

    Object call(Interpreter in, List<Object> args, Map<String, Object> kwargs);
}
