package io.fangwusha.core.template.jinja;

import java.util.List;

/** Expression AST. Every node carries the source line it starts on, for error messages. */
sealed interface Expr {
    int line();

    /** A keyword argument {@code name=value} in a call, filter or test. */
    record Kw(String name, Expr value) {}

    record Const(Object value, int line) implements Expr {}

    record Name(String name, int line) implements Expr {}

    record ListLit(List<Expr> items, int line) implements Expr {}

    /** A tuple; evaluated to an immutable list (Jinja tuples and lists behave alike in chat templates). */
    record TupleLit(List<Expr> items, int line) implements Expr {}

    record DictLit(List<Expr> keys, List<Expr> values, int line) implements Expr {}

    /** {@code obj.attr}: Python attribute first, then item (Jinja's {@code getattr}). */
    record GetAttr(Expr obj, String attr, int line) implements Expr {}

    /** {@code obj[key]}: item first, then attribute (Jinja's {@code getitem}). */
    record GetItem(Expr obj, Expr key, int line) implements Expr {}

    /** {@code [start:stop:step]} as a subscript; absent parts are null. */
    record Slice(Expr start, Expr stop, Expr step, int line) implements Expr {}

    record Call(Expr fn, List<Expr> args, List<Kw> kwargs, int line) implements Expr {}

    /** {@code value | name(args)}; value is null inside a {@code {% filter %}} block header. */
    record Filter(Expr value, String name, List<Expr> args, List<Kw> kwargs, int line) implements Expr {}

    record Test(Expr value, String name, List<Expr> args, List<Kw> kwargs, boolean negated, int line)
            implements Expr {}

    /** {@code -x}, {@code +x}, {@code not x}. */
    record Unary(String op, Expr operand, int line) implements Expr {}

    /** Arithmetic, {@code ~}, {@code and}, {@code or}. */
    record Binary(String op, Expr left, Expr right, int line) implements Expr {}

    /** A (possibly chained) comparison: {@code a < b <= c}; ops include {@code in} and {@code notin}. */
    record Compare(Expr first, List<String> ops, List<Expr> rest, int line) implements Expr {}

    /** {@code then if test else otherwise}; otherwise is null when the else part is missing (yields undefined). */
    record Cond(Expr test, Expr then, Expr otherwise, int line) implements Expr {}
}
