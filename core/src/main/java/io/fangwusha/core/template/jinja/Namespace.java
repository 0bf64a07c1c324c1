package io.fangwusha.core.template.jinja;

import java.util.LinkedHashMap;
import java.util.Map;

/** The object made by {@code namespace(...)}: the only thing {@code {% set obj.attr = ... %}} may assign to. */
record Namespace(Map<String, Object> attrs) {
    Namespace() {
        this(new LinkedHashMap<>());
    }
}
