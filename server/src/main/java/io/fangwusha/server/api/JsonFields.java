package io.fangwusha.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of optional request fields. A field that is absent or JSON null reads as null; a field of the wrong
 * type is a 400 naming it, as OpenAI answers.
 */
final class JsonFields {
    private final ObjectNode body;

    JsonFields(ObjectNode body) {
        this.body = body;
    }

    JsonNode raw(String name) {
        JsonNode n = body.get(name);
        return n == null || n.isNull() ? null : n;
    }

    Double number(String name) {
        JsonNode n = raw(name);
        if (n == null) return null;
        if (!n.isNumber()) throw wrongType(name, "a number", n);
        return n.asDouble();
    }

    Double number(String name, double min, double max) {
        Double v = number(name);
        if (v != null && (!(v >= min) || !(v <= max))) {
            throw ApiException.badRequest(name, name + ": must be between " + fmt(min) + " and " + fmt(max) + ", got " + fmt(v));
        }
        return v;
    }

    Long integer(String name) {
        JsonNode n = raw(name);
        if (n == null) return null;
        if (!n.isIntegralNumber() && !(n.isNumber() && n.asDouble() == Math.rint(n.asDouble()))) throw wrongType(name, "an integer", n);
        if (!n.canConvertToLong()) throw ApiException.badRequest(name, name + ": integer out of range");
        return n.asLong();
    }

    Integer integer(String name, long min, long max) {
        Long v = integer(name);
        if (v == null) return null;
        if (v < min || v > max) throw ApiException.badRequest(name, name + ": must be between " + min + " and " + max + ", got " + v);
        return v.intValue();
    }

    Boolean bool(String name) {
        JsonNode n = raw(name);
        if (n == null) return null;
        if (!n.isBoolean()) throw wrongType(name, "a boolean", n);
        return n.asBoolean();
    }

    /** A boolean inside a nested object, named with its prefix in errors. */
    Boolean boolPrefixed(String name, String prefix) {
        JsonNode n = raw(name);
        if (n == null) return null;
        if (!n.isBoolean()) throw wrongType(prefix + name, "a boolean", n);
        return n.asBoolean();
    }

    String string(String name) {
        JsonNode n = raw(name);
        if (n == null) return null;
        if (!n.isTextual()) throw wrongType(name, "a string", n);
        return n.asText();
    }

    ObjectNode object(String name) {
        JsonNode n = raw(name);
        if (n == null) return null;
        if (!n.isObject()) throw wrongType(name, "an object", n);
        return (ObjectNode) n;
    }

    /** A string or a list of strings (as OpenAI's {@code stop}). */
    List<String> stringOrList(String name) {
        JsonNode n = raw(name);
        if (n == null) return List.of();
        if (n.isTextual()) return List.of(n.asText());
        if (!n.isArray()) throw wrongType(name, "a string or an array of strings", n);
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) throw wrongType(name, "a string or an array of strings", n);
            out.add(e.asText());
        }
        return out;
    }

    static ApiException wrongType(String name, String expected, JsonNode got) {
        return ApiException.badRequest(name, name + ": expected " + expected + ", got " + describe(got));
    }

    static String describe(JsonNode n) {
        return switch (n.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> n.getNodeType().name().toLowerCase();
        };
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
