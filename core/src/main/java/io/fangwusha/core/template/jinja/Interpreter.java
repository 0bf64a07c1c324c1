package io.fangwusha.core.template.jinja;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Evaluates the AST. One instance per render; not thread-safe (templates themselves are). */
final class Interpreter {
    static final Object ABSENT = new Object();

    enum Flow { NORMAL, BREAK, CONTINUE }

    /** A variable scope: a for-loop iteration, a macro call or a with block opens one. */
    static final class Scope {
        final Map<String, Object> vars = new HashMap<>();
        final Scope parent;

        Scope(Scope parent) {
            this.parent = parent;
        }

        Object lookup(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                Object v = s.vars.getOrDefault(name, ABSENT);
                if (v != ABSENT) return v;
            }
            return ABSENT;
        }
    }

    // ---------------------------------------------------------------- statements

    Flow exec(List<Node> body, Scope scope, StringBuilder out) {
        for (Node n : body) {
            Flow f = exec(n, scope, out);
            if (f != Flow.NORMAL) return f;
        }
        return Flow.NORMAL;
    }

    private Flow exec(Node node, Scope scope, StringBuilder out) {
        switch (node) {
            case Node.Text t -> out.append(t.text());
            case Node.Print p -> out.append(Py.str(eval(p.expr(), scope)));
            case Node.If n -> {
                for (int i = 0; i < n.conds().size(); i++) {
                    if (Py.truthy(eval(n.conds().get(i), scope))) return exec(n.bodies().get(i), scope, out);
                }
                return exec(n.elseBody(), scope, out);
            }
            case Node.For n -> execFor(n, scope, out);
            case Node.Set n -> {
                Object v = eval(n.value(), scope);
                assign(n.targets(), n.unpack(), v, scope, n.line());
            }
            case Node.SetAttr n -> {
                Object obj = scope.lookup(n.object());
                if (!(obj instanceof Namespace ns)) {
                    throw new TemplateError("cannot assign attribute on non-namespace object", n.line());
                }
                ns.attrs().put(n.attr(), eval(n.value(), scope));
            }
            case Node.SetBlock n -> {
                StringBuilder sb = new StringBuilder();
                exec(n.body(), scope, sb);
                scope.vars.put(n.target(), applyFilters(n.filters(), sb.toString(), scope));
            }
            case Node.Macro n -> scope.vars.put(n.name(), new Macro(n, scope));
            case Node.FilterBlock n -> {
                StringBuilder sb = new StringBuilder();
                exec(n.body(), scope, sb);
                out.append(Py.str(applyFilters(n.filters(), sb.toString(), scope)));
            }
            case Node.With n -> {
                Scope inner = new Scope(scope);
                for (int i = 0; i < n.names().size(); i++) inner.vars.put(n.names().get(i), eval(n.values().get(i), scope));
                return exec(n.body(), inner, out);
            }
            case Node.Group g -> {
                return exec(g.body(), scope, out);
            }
            case Node.Break b -> {
                return Flow.BREAK;
            }
            case Node.Continue c -> {
                return Flow.CONTINUE;
            }
        }
        return Flow.NORMAL;
    }

    private Object applyFilters(List<Expr.Filter> filters, Object value, Scope scope) {
        for (Expr.Filter f : filters) {
            try {
                value = Filters.apply(this, f.name(), value, evalArgs(f.args(), scope), evalKwargs(f.kwargs(), scope));
            } catch (TemplateError e) {
                throw e.atLine(f.line());
            }
        }
        return value;
    }

    private void assign(List<String> targets, boolean unpack, Object value, Scope scope, int line) {
        if (!unpack) {
            scope.vars.put(targets.getFirst(), value);
            return;
        }
        List<Object> items;
        try {
            items = Py.iterate(value);
        } catch (TemplateError e) {
            throw new TemplateError("cannot unpack non-iterable " + Py.typeName(value) + " object", line);
        }
        if (items.size() != targets.size()) {
            throw new TemplateError(items.size() > targets.size()
                    ? "too many values to unpack (expected " + targets.size() + ")"
                    : "not enough values to unpack (expected " + targets.size() + ", got " + items.size() + ")", line);
        }
        for (int i = 0; i < targets.size(); i++) scope.vars.put(targets.get(i), items.get(i));
    }

    private Flow execFor(Node.For n, Scope scope, StringBuilder out) {
        Object iterable = eval(n.iter(), scope);
        List<Object> items;
        try {
            items = Py.iterate(iterable);
        } catch (TemplateError e) {
            throw e.atLine(n.line());
        }
        if (n.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope s = new Scope(scope);
                assign(n.targets(), n.unpack(), item, s, n.line());
                if (Py.truthy(eval(n.filter(), s))) kept.add(item);
            }
            items = kept;
        }
        if (items.isEmpty()) return exec(n.elseBody(), scope, out);
        LoopContext loop = new LoopContext(items);
        for (int i = 0; i < items.size(); i++) {
            // Jinja resets loop-body variables every iteration: each one gets a fresh scope.
            Scope s = new Scope(scope);
            assign(n.targets(), n.unpack(), items.get(i), s, n.line());
            loop.at(i);
            s.vars.put("loop", loop);
            if (exec(n.body(), s, out) == Flow.BREAK) break;
        }
        return Flow.NORMAL;
    }

    /** A {@code {% macro %}}: calling it renders its body in a fresh scope over the defining scope. */
    private record Macro(Node.Macro def, Scope closure) implements JinjaCallable {
        @Override
        public String name() {
            return def.name();
        }

        @Override
        public Object call(Interpreter in, List<Object> args, Map<String, Object> kwargs) {
            List<String> params = def.params();
            if (args.size() > params.size()) {
                throw new TemplateError("macro '" + def.name() + "' takes not more than " + params.size() + " argument(s)");
            }
            Scope s = new Scope(closure);
            for (int i = 0; i < params.size(); i++) {
                String p = params.get(i);
                Object v;
                if (i < args.size()) {
                    if (kwargs.containsKey(p)) throw new TemplateError("macro '" + def.name() + "' got multiple values for argument '" + p + "'");
                    v = args.get(i);
                } else if (kwargs.containsKey(p)) {
                    v = kwargs.get(p);
                } else if (def.defaults().get(i) != null) {
                    v = in.eval(def.defaults().get(i), s);
                } else {
                    v = Undefined.name(p);
                }
                s.vars.put(p, v);
            }
            for (String k : kwargs.keySet()) {
                if (!params.contains(k)) throw new TemplateError("macro '" + def.name() + "' takes no keyword argument '" + k + "'");
            }
            StringBuilder sb = new StringBuilder();
            in.exec(def.body(), s, sb);
            return sb.toString();
        }
    }

    // ---------------------------------------------------------------- expressions

    Object eval(Expr e, Scope scope) {
        try {
            return evalInner(e, scope);
        } catch (TemplateError err) {
            throw err.atLine(e.line());
        } catch (ArithmeticException err) {
            throw new TemplateError(err.getMessage(), e.line());
        }
    }

    private Object evalInner(Expr e, Scope scope) {
        switch (e) {
            case Expr.Const c -> {
                return c.value();
            }
            case Expr.Name n -> {
                Object v = scope.lookup(n.name());
                return v == ABSENT ? Undefined.name(n.name()) : v;
            }
            case Expr.ListLit l -> {
                List<Object> out = new ArrayList<>();
                for (Expr x : l.items()) out.add(eval(x, scope));
                return out;
            }
            case Expr.TupleLit t -> {
                List<Object> out = new ArrayList<>();
                for (Expr x : t.items()) out.add(eval(x, scope));
                return new PyTuple(out);
            }
            case Expr.DictLit d -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) out.put(eval(d.keys().get(i), scope), eval(d.values().get(i), scope));
                return out;
            }
            case Expr.GetAttr g -> {
                return getattr(eval(g.obj(), scope), g.attr());
            }
            case Expr.GetItem g -> {
                Object obj = eval(g.obj(), scope);
                if (g.key() instanceof Expr.Slice s) return slice(obj, s, scope);
                return getitem(obj, eval(g.key(), scope));
            }
            case Expr.Slice s -> throw new TemplateError("slice outside of a subscript");
            case Expr.Call c -> {
                Object fn = eval(c.fn(), scope);
                List<Object> args = evalArgs(c.args(), scope);
                Map<String, Object> kwargs = evalKwargs(c.kwargs(), scope);
                return call(fn, args, kwargs);
            }
            case Expr.Filter f -> {
                Object v = eval(f.value(), scope);
                return Filters.apply(this, f.name(), v, evalArgs(f.args(), scope), evalKwargs(f.kwargs(), scope));
            }
            case Expr.Test t -> {
                Object v = eval(t.value(), scope);
                boolean r = JinjaTests.apply(this, t.name(), v, evalArgs(t.args(), scope), evalKwargs(t.kwargs(), scope));
                return r != t.negated();
            }
            case Expr.Unary u -> {
                Object v = eval(u.operand(), scope);
                return switch (u.op()) {
                    case "not" -> !Py.truthy(v);
                    case "-" -> Ops.negate(v);
                    default -> Ops.plus(v);
                };
            }
            case Expr.Binary b -> {
                Object left = eval(b.left(), scope);
                return switch (b.op()) {
                    case "and" -> Py.truthy(left) ? eval(b.right(), scope) : left;
                    case "or" -> Py.truthy(left) ? left : eval(b.right(), scope);
                    case "~" -> Py.str(left) + Py.str(eval(b.right(), scope));
                    default -> Ops.binary(b.op(), left, eval(b.right(), scope));
                };
            }
            case Expr.Compare c -> {
                Object left = eval(c.first(), scope);
                for (int i = 0; i < c.ops().size(); i++) {
                    Object right = eval(c.rest().get(i), scope);
                    if (!compare(c.ops().get(i), left, right)) return false;
                    left = right;
                }
                return true;
            }
            case Expr.Cond c -> {
                if (Py.truthy(eval(c.test(), scope))) return eval(c.then(), scope);
                if (c.otherwise() != null) return eval(c.otherwise(), scope);
                return new Undefined("the inline if-expression on line " + c.line()
                        + " evaluated to false and no else section was defined.");
            }
        }
    }

    List<Object> evalArgs(List<Expr> args, Scope scope) {
        List<Object> out = new ArrayList<>(args.size());
        for (Expr a : args) out.add(eval(a, scope));
        return out;
    }

    Map<String, Object> evalKwargs(List<Expr.Kw> kwargs, Scope scope) {
        if (kwargs.isEmpty()) return Map.of();
        Map<String, Object> out = new LinkedHashMap<>();
        for (Expr.Kw k : kwargs) out.put(k.name(), eval(k.value(), scope));
        return out;
    }

    Object call(Object fn, List<Object> args, Map<String, Object> kwargs) {
        if (fn instanceof Undefined u) throw Undefined.error(u);
        if (fn instanceof JinjaCallable c) return c.call(this, args, kwargs);
        throw new TemplateError("'" + Py.typeName(fn) + "' object is not callable");
    }

    private static boolean compare(String op, Object a, Object b) {
        return switch (op) {
            case "==" -> Py.eq(a, b);
            case "!=" -> !Py.eq(a, b);
            case "in" -> Ops.contains(b, a);
            case "notin" -> !Ops.contains(b, a);
            case "<" -> Py.compare(a, b, op) < 0;
            case "<=" -> Py.compare(a, b, op) <= 0;
            case ">" -> Py.compare(a, b, op) > 0;
            case ">=" -> Py.compare(a, b, op) >= 0;
            default -> throw new TemplateError("unknown comparison " + op);
        };
    }

    // ---------------------------------------------------------------- attribute and item access

    /** Map lookup with Python key equality for numbers (1 == 1.0 == True), ABSENT if missing. */
    static Object mapLookup(Map<?, ?> m, Object key) {
        if (m.containsKey(key)) return m.get(key);
        if (Py.isNumber(key)) {
            for (Map.Entry<?, ?> e : m.entrySet()) if (Py.isNumber(e.getKey()) && Py.eq(e.getKey(), key)) return e.getValue();
        }
        return ABSENT;
    }

    /** Jinja's {@code getattr}: Python attribute (methods), then item. */
    Object getattr(Object obj, String name) {
        if (obj instanceof Undefined u) throw Undefined.error(u);
        if (name.startsWith("_")) return Undefined.attribute(obj, name); // the sandbox hides private attributes
        Object method = Methods.bind(obj, name);
        if (method != null) return method;
        return switch (obj) {
            case Map<?, ?> m -> {
                Object v = mapLookup(m, name);
                yield v == ABSENT ? Undefined.attribute(obj, name) : v;
            }
            case Namespace ns -> ns.attrs().containsKey(name) ? ns.attrs().get(name) : Undefined.attribute(obj, name);
            case LoopContext loop -> loop.attribute(name);
            case null, default -> Undefined.attribute(obj, name);
        };
    }

    /** Jinja's {@code getitem}: item, then attribute for string keys; missing gives Undefined. */
    Object getitem(Object obj, Object key) {
        if (obj instanceof Undefined u) throw Undefined.error(u);
        switch (obj) {
            case Map<?, ?> m -> {
                Object v = mapLookup(m, key);
                if (v != ABSENT) return v;
            }
            case List<?> l when Py.asLong(key) != null -> {
                long i = Py.asLong(key);
                if (i < 0) i += l.size();
                if (i >= 0 && i < l.size()) return l.get((int) i);
                return Undefined.element(obj, key);
            }
            case String s when Py.asLong(key) != null -> {
                long i = Py.asLong(key);
                int n = Py.length(s);
                if (i < 0) i += n;
                if (i >= 0 && i < n) {
                    int at = s.offsetByCodePoints(0, (int) i);
                    return Character.toString(s.codePointAt(at));
                }
                return Undefined.element(obj, key);
            }
            default -> { }
        }
        if (key instanceof String name) return getattr(obj, name);
        return Undefined.element(obj, key);
    }

    private Object slice(Object obj, Expr.Slice s, Scope scope) {
        if (obj instanceof Undefined u) throw Undefined.error(u);
        Object start = s.start() == null ? null : eval(s.start(), scope);
        Object stop = s.stop() == null ? null : eval(s.stop(), scope);
        Object step = s.step() == null ? null : eval(s.step(), scope);
        if (obj instanceof String str) {
            List<String> chars = Py.chars(str);
            StringBuilder sb = new StringBuilder();
            for (int i : sliceIndices(chars.size(), start, stop, step)) sb.append(chars.get(i));
            return sb.toString();
        }
        if (obj instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (int i : sliceIndices(l.size(), start, stop, step)) out.add(l.get(i));
            return out;
        }
        return Undefined.element(obj, "slice");
    }

    /** Python's slice.indices() semantics. */
    static int[] sliceIndices(int len, Object startV, Object stopV, Object stepV) {
        long step = stepV == null ? 1 : Py.toIndex(stepV, "slice indices");
        if (step == 0) throw new TemplateError("slice step cannot be zero");
        long lower = step < 0 ? -1 : 0;
        long upper = step < 0 ? len - 1 : len;
        long start = startV == null ? (step < 0 ? upper : lower) : clampSlice(Py.toIndex(startV, "slice indices"), len, lower, upper);
        long stop = stopV == null ? (step < 0 ? lower : upper) : clampSlice(Py.toIndex(stopV, "slice indices"), len, lower, upper);
        List<Integer> idx = new ArrayList<>();
        if (step > 0) for (long i = start; i < stop; i += step) idx.add((int) i);
        else for (long i = start; i > stop; i += step) idx.add((int) i);
        return idx.stream().mapToInt(Integer::intValue).toArray();
    }

    private static long clampSlice(long v, int len, long lower, long upper) {
        if (v < 0) {
            v += len;
            return Math.max(v, lower);
        }
        return Math.min(v, upper);
    }
}
