package io.fangwusha.core.template.jinja;

import java.util.List;

/** Statement AST. */
sealed interface Node {
    record Text(String text) implements Node {}

    record Print(Expr expr, int line) implements Node {}

    /** if / elif chain: conds.get(i) guards bodies.get(i); elseBody may be empty. */
    record If(List<Expr> conds, List<List<Node>> bodies, List<Node> elseBody, int line) implements Node {}

    /** targets has one name, or several for tuple unpacking ({@code for k, v in ...}). */
    record For(List<String> targets, boolean unpack, Expr iter, Expr filter, List<Node> body, List<Node> elseBody,
            int line) implements Node {}

    record Set(List<String> targets, boolean unpack, Expr value, int line) implements Node {}

    /** {@code {% set ns.attr = value %}} on a namespace object. */
    record SetAttr(String object, String attr, Expr value, int line) implements Node {}

    /** {@code {% set name | filters %}body{% endset %}}; filters are Expr.Filter with a null value, innermost first. */
    record SetBlock(String target, List<Expr.Filter> filters, List<Node> body, int line) implements Node {}

    record Macro(String name, List<String> params, List<Expr> defaults, List<Node> body, int line) implements Node {}

    record FilterBlock(List<Expr.Filter> filters, List<Node> body, int line) implements Node {}

    record With(List<String> names, List<Expr> values, List<Node> body, int line) implements Node {}

    /** A body rendered in place, e.g. transformers' {@code {% generation %}} block. */
    record Group(List<Node> body) implements Node {}

    record Break(int line) implements Node {}

    record Continue(int line) implements Node {}
}
