package io.fangwusha.core.template.jinja;

import io.fangwusha.core.template.jinja.Expr.Kw;
import io.fangwusha.core.template.jinja.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Recursive-descent parser following Jinja2's grammar and operator precedence. */
final class Parser {
    private static final Set<String> UNSUPPORTED = Set.of("include", "import", "from", "extends", "block", "call",
            "autoescape", "do", "trans");

    private final List<Token> tokens;
    private int pos;
    /** Open block names, innermost last, for "Jinja was looking for" messages. */
    private final List<String> open = new ArrayList<>();

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Node> parse(String source) {
        Parser p = new Parser(Lexer.tokenize(source));
        List<Node> body = p.subparse(Set.of());
        if (p.peek().kind() != Kind.EOF) throw p.fail("unexpected '" + p.peek().describe() + "'");
        return body;
    }

    // ---------------------------------------------------------------- token helpers

    private Token peek() {
        return tokens.get(pos);
    }

    private Token peek(int k) {
        return tokens.get(Math.min(pos + k, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(pos);
        if (t.kind() != Kind.EOF) pos++;
        return t;
    }

    private TemplateError fail(String msg) {
        return new TemplateError(msg, peek().line());
    }

    private boolean skipOp(String op) {
        if (peek().isOp(op)) {
            pos++;
            return true;
        }
        return false;
    }

    private boolean skipName(String name) {
        if (peek().isName(name)) {
            pos++;
            return true;
        }
        return false;
    }

    private void expectOp(String op) {
        if (!skipOp(op)) throw fail("expected token '" + op + "', got '" + peek().describe() + "'");
    }

    private String expectName() {
        Token t = peek();
        if (t.kind() != Kind.NAME) throw fail("expected token 'name', got '" + t.describe() + "'");
        pos++;
        return t.text();
    }

    private void expectBlockEnd() {
        if (peek().kind() != Kind.BLOCK_END) throw fail("expected token 'end of statement block', got '" + peek().describe() + "'");
        pos++;
    }

    // ---------------------------------------------------------------- statements

    /** Parses until a block whose first name is in {@code endTags}; leaves the position on that name. */
    private List<Node> subparse(Set<String> endTags) {
        List<Node> body = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.kind()) {
                case DATA -> {
                    pos++;
                    body.add(new Node.Text(t.text()));
                }
                case VAR_BEGIN -> {
                    pos++;
                    Expr e = parseTuple(true, Set.of());
                    if (peek().kind() != Kind.VAR_END) throw fail("expected token 'end of print statement', got '" + peek().describe() + "'");
                    pos++;
                    body.add(new Node.Print(e, t.line()));
                }
                case BLOCK_BEGIN -> {
                    pos++;
                    Token name = peek();
                    if (name.kind() == Kind.NAME && endTags.contains(name.text())) return body;
                    body.add(parseStatement(endTags));
                }
                case EOF -> {
                    if (!endTags.isEmpty()) throw fail("Unexpected end of template." + lookingFor(endTags));
                    return body;
                }
                default -> throw fail("unexpected '" + t.describe() + "'");
            }
        }
    }

    private String lookingFor(Set<String> endTags) {
        List<String> tags = endTags.stream().sorted().map(s -> "'" + s + "'").toList();
        return " Jinja was looking for the following tags: " + String.join(" or ", tags)
                + ". The innermost block that needs to be closed is '" + open.getLast() + "'.";
    }

    private Node parseStatement(Set<String> endTags) {
        Token t = peek();
        if (t.kind() != Kind.NAME) throw fail("tag name expected");
        int line = t.line();
        String tag = t.text();
        if (UNSUPPORTED.contains(tag)) throw fail("Encountered unsupported tag '" + tag + "' (not available in chat templates here).");
        switch (tag) {
            case "if" -> { pos++; return parseIf(line); }
            case "for" -> { pos++; return parseFor(line); }
            case "set" -> { pos++; return parseSet(line); }
            case "macro" -> { pos++; return parseMacro(line); }
            case "filter" -> { pos++; return parseFilterBlock(line); }
            case "with" -> { pos++; return parseWith(line); }
            case "generation" -> {
                pos++;
                expectBlockEnd();
                return new Node.Group(parseBody("generation", Set.of("endgeneration")));
            }
            case "break", "continue" -> {
                pos++;
                if (!open.contains("for")) throw new TemplateError("'" + tag + "' outside of a for loop", line);
                expectBlockEnd();
                return tag.equals("break") ? new Node.Break(line) : new Node.Continue(line);
            }
            default -> {
                String msg = "Encountered unknown tag '" + tag + "'.";
                throw fail(open.isEmpty() ? msg : msg + lookingFor(endTags));
            }
        }
    }

    /** Parses a body ended by one of endTags and consumes that end tag and its block end. */
    private List<Node> parseBody(String blockName, Set<String> endTags) {
        open.add(blockName);
        List<Node> body = subparse(endTags);
        open.removeLast();
        pos++; // the end tag name
        expectBlockEnd();
        return body;
    }

    private Node parseIf(int line) {
        List<Expr> conds = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        List<Node> elseBody = List.of();
        conds.add(parseTuple(true, Set.of()));
        expectBlockEnd();
        open.add("if");
        while (true) {
            List<Node> body = subparse(Set.of("elif", "else", "endif"));
            String tag = next().text();
            bodies.add(body);
            if (tag.equals("elif")) {
                conds.add(parseTuple(true, Set.of()));
                expectBlockEnd();
            } else if (tag.equals("else")) {
                expectBlockEnd();
                elseBody = subparse(Set.of("endif"));
                pos++;
                expectBlockEnd();
                break;
            } else {
                expectBlockEnd();
                break;
            }
        }
        open.removeLast();
        return new Node.If(conds, bodies, elseBody, line);
    }

    private Node parseFor(int line) {
        List<String> targets = new ArrayList<>();
        boolean unpack = parseTargets(targets, "in");
        if (!skipName("in")) throw fail("expected token 'in', got '" + peek().describe() + "'");
        Expr iter = parseTuple(false, Set.of("recursive"));
        Expr filter = null;
        if (skipName("if")) filter = parseExpression(true);
        if (peek().isName("recursive")) throw fail("recursive for loops are not supported");
        expectBlockEnd();
        open.add("for");
        List<Node> body = subparse(Set.of("endfor", "else"));
        List<Node> elseBody = List.of();
        if (next().text().equals("else")) {
            expectBlockEnd();
            elseBody = subparse(Set.of("endfor"));
            pos++;
        }
        expectBlockEnd();
        open.removeLast();
        return new Node.For(targets, unpack, iter, filter, body, elseBody, line);
    }

    /** Assignment targets: a name or a comma-separated tuple of names; returns whether it was a tuple. */
    private boolean parseTargets(List<String> into, String endName) {
        boolean paren = skipOp("(");
        boolean tuple = paren;
        into.add(expectName());
        while (skipOp(",")) {
            tuple = true;
            if (peek().isName(endName) || peek().isOp("=") || peek().isOp(")")) break;
            into.add(expectName());
        }
        if (paren) expectOp(")");
        return tuple;
    }

    private Node parseSet(int line) {
        if (peek().kind() == Kind.NAME && peek(1).isOp(".")) {
            String obj = next().text();
            pos++;
            String attr = expectName();
            expectOp("=");
            Expr value = parseTuple(true, Set.of());
            expectBlockEnd();
            return new Node.SetAttr(obj, attr, value, line);
        }
        List<String> targets = new ArrayList<>();
        boolean unpack = parseTargets(targets, "");
        if (skipOp("=")) {
            Expr value = parseTuple(true, Set.of());
            expectBlockEnd();
            return new Node.Set(targets, unpack, value, line);
        }
        if (unpack) throw fail("expected token '=', got '" + peek().describe() + "'");
        List<Expr.Filter> filters = new ArrayList<>();
        while (skipOp("|")) filters.add(parseFilterCall(null));
        expectBlockEnd();
        return new Node.SetBlock(targets.getFirst(), filters, parseBody("set", Set.of("endset")), line);
    }

    private Node parseMacro(int line) {
        String name = expectName();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        expectOp("(");
        while (!skipOp(")")) {
            if (!params.isEmpty()) expectOp(",");
            if (skipOp(")")) break;
            params.add(expectName());
            if (skipOp("=")) defaults.add(parseExpression(true));
            else if (defaults.stream().anyMatch(d -> d != null)) throw fail("non-default argument follows default argument");
            else defaults.add(null);
        }
        expectBlockEnd();
        return new Node.Macro(name, params, defaults, parseBody("macro", Set.of("endmacro")), line);
    }

    private Node parseFilterBlock(int line) {
        List<Expr.Filter> filters = new ArrayList<>();
        filters.add(parseFilterCall(null));
        while (skipOp("|")) filters.add(parseFilterCall(null));
        expectBlockEnd();
        return new Node.FilterBlock(filters, parseBody("filter", Set.of("endfilter")), line);
    }

    private Node parseWith(int line) {
        List<String> names = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (peek().kind() != Kind.BLOCK_END) {
            if (!names.isEmpty()) expectOp(",");
            names.add(expectName());
            expectOp("=");
            values.add(parseExpression(true));
        }
        expectBlockEnd();
        return new Node.With(names, values, parseBody("with", Set.of("endwith")), line);
    }

    // ---------------------------------------------------------------- expressions

    /** Jinja's parse_tuple: a bare comma list becomes a tuple. */
    private Expr parseTuple(boolean withCondexpr, Set<String> extraEnd) {
        int line = peek().line();
        List<Expr> items = new ArrayList<>();
        boolean comma = false;
        while (true) {
            if (!items.isEmpty()) {
                if (!skipOp(",")) break;
                comma = true;
            }
            if (tupleEnds(extraEnd)) break;
            items.add(withCondexpr ? parseExpression(true) : parseOr());
        }
        if (!comma) {
            if (items.isEmpty()) throw fail("Expected an expression, got '" + peek().describe() + "'");
            return items.getFirst();
        }
        return new Expr.TupleLit(items, line);
    }

    private boolean tupleEnds(Set<String> extraEnd) {
        Token t = peek();
        if (t.kind() == Kind.VAR_END || t.kind() == Kind.BLOCK_END || t.kind() == Kind.EOF) return true;
        if (t.isOp(")") || t.isOp("]") || t.isOp("}")) return true;
        return t.kind() == Kind.NAME && extraEnd.contains(t.text());
    }

    private Expr parseExpression(boolean withCondexpr) {
        return withCondexpr ? parseCondexpr() : parseOr();
    }

    private Expr parseCondexpr() {
        Expr e = parseOr();
        while (peek().isName("if")) {
            int line = next().line();
            Expr test = parseOr();
            Expr otherwise = skipName("else") ? parseCondexpr() : null;
            e = new Expr.Cond(test, e, otherwise, line);
        }
        return e;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (peek().isName("or")) {
            int line = next().line();
            left = new Expr.Binary("or", left, parseAnd(), line);
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (peek().isName("and")) {
            int line = next().line();
            left = new Expr.Binary("and", left, parseNot(), line);
        }
        return left;
    }

    private Expr parseNot() {
        if (peek().isName("not")) {
            int line = next().line();
            return new Expr.Unary("not", parseNot(), line);
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        int line = peek().line();
        Expr first = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> rest = new ArrayList<>();
        while (true) {
            Token t = peek();
            if (t.kind() == Kind.OP && Set.of("==", "!=", "<", ">", "<=", ">=").contains(t.text())) {
                pos++;
                ops.add(t.text());
            } else if (t.isName("in")) {
                pos++;
                ops.add("in");
            } else if (t.isName("not") && peek(1).isName("in")) {
                pos += 2;
                ops.add("notin");
            } else {
                break;
            }
            rest.add(parseMath1());
        }
        return ops.isEmpty() ? first : new Expr.Compare(first, ops, rest, line);
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        while (peek().isOp("+") || peek().isOp("-")) {
            Token op = next();
            left = new Expr.Binary(op.text(), left, parseConcat(), op.line());
        }
        return left;
    }

    private Expr parseConcat() {
        Expr left = parseMath2();
        while (peek().isOp("~")) {
            Token op = next();
            left = new Expr.Binary("~", left, parseMath2(), op.line());
        }
        return left;
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
            Token op = next();
            left = new Expr.Binary(op.text(), left, parsePow(), op.line());
        }
        return left;
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        while (peek().isOp("**")) {
            Token op = next();
            left = new Expr.Binary("**", left, parseUnary(true), op.line());
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        Token t = peek();
        Expr e;
        if (t.isOp("-") || t.isOp("+")) {
            pos++;
            e = new Expr.Unary(t.text(), parseUnary(false), t.line());
        } else {
            e = parsePrimary();
        }
        e = parsePostfix(e);
        return withFilter ? parseFilterExpr(e) : e;
    }

    private Expr parsePrimary() {
        Token t = next();
        switch (t.kind()) {
            case NAME -> {
                return switch (t.text()) {
                    case "true", "True" -> new Expr.Const(Boolean.TRUE, t.line());
                    case "false", "False" -> new Expr.Const(Boolean.FALSE, t.line());
                    case "none", "None" -> new Expr.Const(null, t.line());
                    default -> new Expr.Name(t.text(), t.line());
                };
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder(t.text());
                while (peek().kind() == Kind.STRING) sb.append(next().text()); // adjacent literals concatenate
                return new Expr.Const(sb.toString(), t.line());
            }
            case INT -> {
                try {
                    return new Expr.Const(Long.parseLong(t.text()), t.line());
                } catch (NumberFormatException ex) {
                    throw new TemplateError("integer literal too large: " + t.text(), t.line());
                }
            }
            case FLOAT -> {
                return new Expr.Const(Double.parseDouble(t.text()), t.line());
            }
            case OP -> {
                switch (t.text()) {
                    case "(" -> {
                        if (skipOp(")")) return new Expr.TupleLit(List.of(), t.line());
                        Expr e = parseTuple(true, Set.of());
                        expectOp(")");
                        return e;
                    }
                    case "[" -> {
                        List<Expr> items = new ArrayList<>();
                        while (!peek().isOp("]")) {
                            if (!items.isEmpty()) expectOp(",");
                            if (peek().isOp("]")) break;
                            items.add(parseExpression(true));
                        }
                        expectOp("]");
                        return new Expr.ListLit(items, t.line());
                    }
                    case "{" -> {
                        List<Expr> keys = new ArrayList<>();
                        List<Expr> values = new ArrayList<>();
                        while (!peek().isOp("}")) {
                            if (!keys.isEmpty()) expectOp(",");
                            if (peek().isOp("}")) break;
                            keys.add(parseExpression(true));
                            expectOp(":");
                            values.add(parseExpression(true));
                        }
                        expectOp("}");
                        return new Expr.DictLit(keys, values, t.line());
                    }
                    default -> { }
                }
            }
            default -> { }
        }
        pos--;
        throw fail("unexpected '" + t.describe() + "'");
    }

    private Expr parsePostfix(Expr e) {
        while (true) {
            Token t = peek();
            if (t.isOp(".")) {
                pos++;
                Token a = next();
                if (a.kind() == Kind.NAME) e = new Expr.GetAttr(e, a.text(), a.line());
                else if (a.kind() == Kind.INT) e = new Expr.GetItem(e, new Expr.Const(Long.parseLong(a.text()), a.line()), a.line());
                else throw new TemplateError("expected name or number after '.'", a.line());
            } else if (t.isOp("[")) {
                pos++;
                List<Expr> subs = new ArrayList<>();
                while (!peek().isOp("]")) {
                    if (!subs.isEmpty()) expectOp(",");
                    subs.add(parseSubscript());
                }
                expectOp("]");
                if (subs.isEmpty()) throw new TemplateError("expected subscript expression", t.line());
                Expr key = subs.size() == 1 ? subs.getFirst() : new Expr.TupleLit(subs, t.line());
                e = new Expr.GetItem(e, key, t.line());
            } else if (t.isOp("(")) {
                e = parseCall(e);
            } else {
                return e;
            }
        }
    }

    private Expr parseSubscript() {
        int line = peek().line();
        Expr start = null;
        if (!peek().isOp(":")) {
            start = parseExpression(true);
            if (!peek().isOp(":")) return start;
        }
        pos++; // ':'
        Expr stop = null;
        Expr step = null;
        if (!peek().isOp("]") && !peek().isOp(",") && !peek().isOp(":")) stop = parseExpression(true);
        if (skipOp(":") && !peek().isOp("]") && !peek().isOp(",")) step = parseExpression(true);
        return new Expr.Slice(start, stop, step, line);
    }

    private record CallArgs(List<Expr> args, List<Kw> kwargs) {}

    private CallArgs parseCallArgs() {
        expectOp("(");
        List<Expr> args = new ArrayList<>();
        List<Kw> kwargs = new ArrayList<>();
        while (!peek().isOp(")")) {
            if (!args.isEmpty() || !kwargs.isEmpty()) {
                expectOp(",");
                if (peek().isOp(")")) break;
            }
            if (peek().isOp("*") || peek().isOp("**")) throw fail("*args and **kwargs in calls are not supported");
            if (peek().kind() == Kind.NAME && peek(1).isOp("=")) {
                String key = next().text();
                pos++;
                kwargs.add(new Kw(key, parseExpression(true)));
            } else {
                if (!kwargs.isEmpty()) throw fail("invalid syntax for function call expression");
                args.add(parseExpression(true));
            }
        }
        expectOp(")");
        return new CallArgs(args, kwargs);
    }

    private Expr parseCall(Expr fn) {
        int line = peek().line();
        CallArgs a = parseCallArgs();
        return new Expr.Call(fn, a.args(), a.kwargs(), line);
    }

    private Expr.Filter parseFilterCall(Expr value) {
        Token nameTok = peek();
        StringBuilder name = new StringBuilder(expectName());
        while (peek().isOp(".")) { // dotted filter names
            pos++;
            name.append('.').append(expectName());
        }
        if (!Filters.NAMES.contains(name.toString())) throw new TemplateError("No filter named '" + name + "'.", nameTok.line());
        CallArgs a = peek().isOp("(") ? parseCallArgs() : new CallArgs(List.of(), List.of());
        return new Expr.Filter(value, name.toString(), a.args(), a.kwargs(), nameTok.line());
    }

    private Expr parseFilterExpr(Expr e) {
        while (true) {
            Token t = peek();
            if (t.isOp("|")) {
                pos++;
                e = parseFilterCall(e);
            } else if (t.isName("is")) {
                pos++;
                e = parseTest(e, t.line());
            } else if (t.isOp("(")) {
                e = parseCall(e);
            } else {
                return e;
            }
        }
    }

    private Expr parseTest(Expr value, int line) {
        boolean negated = skipName("not");
        StringBuilder name = new StringBuilder(expectName());
        while (peek().isOp(".")) {
            pos++;
            name.append('.').append(expectName());
        }
        if (!JinjaTests.NAMES.contains(name.toString())) throw new TemplateError("No test named '" + name + "'.", line);
        Token t = peek();
        if (t.isOp("(")) {
            CallArgs a = parseCallArgs();
            return new Expr.Test(value, name.toString(), a.args(), a.kwargs(), negated, line);
        }
        boolean argStarts = switch (t.kind()) {
            case STRING, INT, FLOAT -> true;
            case NAME -> !Set.of("else", "or", "and").contains(t.text());
            case OP -> t.isOp("[") || t.isOp("{");
            default -> false;
        };
        if (argStarts) {
            Expr arg = parsePostfix(parsePrimary());
            return new Expr.Test(value, name.toString(), List.of(arg), List.of(), negated, line);
        }
        return new Expr.Test(value, name.toString(), List.of(), List.of(), negated, line);
    }
}
