package io.fangwusha.core.template.jinja;

import io.fangwusha.core.template.jinja.Token.Kind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Splits template source into tokens with the whitespace rules of Jinja2's lexer as transformers configures it:
 * {@code trim_blocks=True} (the first newline after a block or comment tag is dropped), {@code lstrip_blocks=True}
 * (spaces and tabs before a block or comment tag at the start of a line are dropped), {@code -}/{@code +} modifiers,
 * {@code keep_trailing_newline=False} (one trailing newline of the source is dropped) and newline normalisation to
 * {@code \n}.
 */
final class Lexer {
    private final String src;
    private final int n;
    private int pos;
    private int line = 1;
    /** Jinja's {@code line_starting}: the previous match ended with a newline (true at the start of the source). */
    private boolean lineStarting = true;
    private final List<Token> out = new ArrayList<>();

    private Lexer(String src) {
        this.src = src;
        this.n = src.length();
    }

    static List<Token> tokenize(String source) {
        Lexer lx = new Lexer(normalize(source));
        lx.run();
        lx.out.add(new Token(Kind.EOF, "", lx.line));
        return lx.out;
    }

    /** {@code \r\n} and {@code \r} become {@code \n}; a single trailing newline is removed. */
    static String normalize(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private TemplateError error(String msg) {
        return new TemplateError(msg, line);
    }

    private void run() {
        while (pos < n) {
            int i = nextTagStart(pos);
            if (i < 0) {
                emitData(src.substring(pos), line);
                pos = n;
                break;
            }
            char kind = src.charAt(i + 1);
            char sign = i + 2 < n && (src.charAt(i + 2) == '-' || src.charAt(i + 2) == '+') ? src.charAt(i + 2) : 0;
            int rawEnd = kind == '%' ? matchRawBegin(i + 2 + (sign != 0 ? 1 : 0)) : -1;
            String text = src.substring(pos, i);
            emitData(leftStrip(text, sign, kind != '{'), line);
            line += countNewlines(text);
            if (rawEnd >= 0) {
                line += countNewlines(src.substring(i, rawEnd));
                lexRaw(rawEnd);
                continue;
            }
            pos = i + 2 + (sign != 0 ? 1 : 0);
            switch (kind) {
                case '#' -> lexComment();
                case '%' -> lexTag(Kind.BLOCK_BEGIN, Kind.BLOCK_END, '%');
                default -> lexTag(Kind.VAR_BEGIN, Kind.VAR_END, '}');
            }
        }
    }

    private int nextTagStart(int from) {
        for (int i = src.indexOf('{', from); i >= 0 && i + 1 < n; i = src.indexOf('{', i + 1)) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
        }
        return -1;
    }

    /** Text before a tag: {@code -} strips all trailing whitespace, otherwise lstrip_blocks for block/comment tags. */
    private String leftStrip(String text, char sign, boolean blockOrComment) {
        if (sign == '-') return Py.rstrip(text, null);
        if (sign != '+' && blockOrComment) {
            int l = text.lastIndexOf('\n') + 1;
            if (l > 0 || lineStarting) {
                for (int k = l; k < text.length(); k++) {
                    char c = text.charAt(k);
                    if (c != ' ' && c != '\t') return text;
                }
                return text.substring(0, l);
            }
        }
        return text;
    }

    private void emitData(String text, int atLine) {
        if (!text.isEmpty()) out.add(new Token(Kind.DATA, text, atLine));
    }

    private static int countNewlines(String s) {
        int c = 0;
        for (int k = 0; k < s.length(); k++) if (s.charAt(k) == '\n') c++;
        return c;
    }

    private int skipSpace(int p) {
        while (p < n && Py.isSpace(src.charAt(p))) p++;
        return p;
    }

    /** {@code {% raw %}} (sign already skipped): returns the index after the tag, or -1. No trim_blocks after it. */
    private int matchRawBegin(int p) {
        p = skipSpace(p);
        if (!src.startsWith("raw", p)) return -1;
        p = skipSpace(p + 3);
        if (src.startsWith("-%}", p)) return skipSpace(p + 3);
        if (src.startsWith("%}", p)) return p + 2;
        return -1;
    }

    private void lexRaw(int start) {
        int startLine = line;
        for (int i = src.indexOf("{%", start); i >= 0; i = src.indexOf("{%", i + 1)) {
            int p = i + 2;
            char sign = p < n && (src.charAt(p) == '-' || src.charAt(p) == '+') ? src.charAt(p) : 0;
            if (sign != 0) p++;
            p = skipSpace(p);
            if (!src.startsWith("endraw", p)) continue;
            p = skipSpace(p + 6);
            int end;
            if (src.startsWith("+%}", p)) end = p + 3;
            else if (src.startsWith("-%}", p)) end = skipSpace(p + 3);
            else if (src.startsWith("%}", p)) end = p + 2 < n && src.charAt(p + 2) == '\n' ? p + 3 : p + 2;
            else continue;
            String text = src.substring(start, i);
            emitData(leftStrip(text, sign, true), startLine);
            line += countNewlines(src.substring(start, end));
            lineStarting = src.charAt(end - 1) == '\n';
            pos = end;
            return;
        }
        throw error("Missing end of raw directive");
    }

    private void lexComment() {
        int close = src.indexOf("#}", pos);
        if (close < 0) throw error("Missing end of comment tag");
        char before = close > pos ? src.charAt(close - 1) : 0;
        int end = close + 2;
        if (before == '-') end = skipSpace(end);
        else if (before != '+' && end < n && src.charAt(end) == '\n') end++;
        line += countNewlines(src.substring(pos, end));
        lineStarting = src.charAt(end - 1) == '\n';
        pos = end;
    }

    private void lexTag(Kind begin, Kind endKind, char endChar) {
        out.add(new Token(begin, begin == Kind.BLOCK_BEGIN ? "{%" : "{{", line));
        String close = endChar + "}";
        Deque<Character> balance = new ArrayDeque<>();
        while (pos < n) {
            if (balance.isEmpty()) {
                int end = -1;
                if (src.startsWith("-" + close, pos)) {
                    end = skipSpace(pos + 3);
                } else if (endChar == '%' && src.startsWith("+%}", pos)) {
                    end = pos + 3;
                } else if (src.startsWith(close, pos)) {
                    end = pos + 2;
                    if (endChar == '%' && end < n && src.charAt(end) == '\n') end++; // trim_blocks
                }
                if (end >= 0) {
                    out.add(new Token(endKind, close, line));
                    line += countNewlines(src.substring(pos, end));
                    lineStarting = src.charAt(end - 1) == '\n';
                    pos = end;
                    return;
                }
            }
            char c = src.charAt(pos);
            if (Py.isSpace(c)) {
                if (c == '\n') line++;
                pos++;
            } else if (c >= '0' && c <= '9') {
                lexNumber();
            } else if (c == '_' || Character.isLetter(c)) {
                int s = pos;
                while (pos < n && (src.charAt(pos) == '_' || Character.isLetterOrDigit(src.charAt(pos)))) pos++;
                out.add(new Token(Kind.NAME, src.substring(s, pos), line));
            } else if (c == '\'' || c == '"') {
                lexString(c);
            } else {
                lexOperator(balance);
            }
        }
        // End of source inside a tag: the parser reports "unexpected end of template".
    }

    private void lexOperator(Deque<Character> balance) {
        String two = pos + 2 <= n ? src.substring(pos, pos + 2) : "";
        String op;
        if (two.equals("//") || two.equals("**") || two.equals("==") || two.equals("!=") || two.equals(">=")
                || two.equals("<=")) {
            op = two;
        } else {
            char c = src.charAt(pos);
            if ("+-/*%~[](){}><=.:|,;".indexOf(c) < 0) throw error("unexpected char '" + c + "' at " + pos);
            op = String.valueOf(c);
            if (c == '(' || c == '[' || c == '{') {
                balance.push(c);
            } else if (c == ')' || c == ']' || c == '}') {
                if (balance.isEmpty()) throw error("unexpected '" + c + "'");
                char open = balance.pop();
                char want = open == '(' ? ')' : open == '[' ? ']' : '}';
                if (want != c) throw error("unexpected '" + c + "', expected '" + want + "'");
            }
        }
        out.add(new Token(Kind.OP, op, line));
        pos += op.length();
    }

    private void lexNumber() {
        int s = pos;
        if (src.charAt(pos) == '0' && pos + 1 < n && "xXoObB".indexOf(src.charAt(pos + 1)) >= 0) {
            char base = Character.toLowerCase(src.charAt(pos + 1));
            int radix = base == 'x' ? 16 : base == 'o' ? 8 : 2;
            pos += 2;
            int ds = pos;
            while (pos < n && (src.charAt(pos) == '_' || Character.digit(src.charAt(pos), radix) >= 0)) pos++;
            String digits = src.substring(ds, pos).replace("_", "");
            if (digits.isEmpty()) throw error("invalid integer literal " + src.substring(s, pos));
            out.add(new Token(Kind.INT, Long.toString(Long.parseLong(digits, radix)), line));
            return;
        }
        boolean afterDot = s > 0 && src.charAt(s - 1) == '.';
        digitRun();
        boolean isFloat = false;
        if (!afterDot && pos + 1 < n && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))) {
            pos++;
            digitRun();
            isFloat = true;
        }
        if (!afterDot && pos < n && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            int p = pos + 1;
            if (p < n && (src.charAt(p) == '+' || src.charAt(p) == '-')) p++;
            if (p < n && Character.isDigit(src.charAt(p))) {
                pos = p;
                digitRun();
                isFloat = true;
            }
        }
        String text = src.substring(s, pos).replace("_", "");
        out.add(new Token(isFloat ? Kind.FLOAT : Kind.INT, text, line));
    }

    private void digitRun() {
        while (pos < n && (Character.isDigit(src.charAt(pos))
                || (src.charAt(pos) == '_' && pos + 1 < n && Character.isDigit(src.charAt(pos + 1))))) {
            pos++;
        }
    }

    /** A quoted string decoded like Python's {@code unicode-escape} codec, as Jinja does. */
    private void lexString(char quote) {
        int startLine = line;
        StringBuilder sb = new StringBuilder();
        int p = pos + 1;
        while (true) {
            if (p >= n) throw new TemplateError("unexpected char '" + quote + "' at " + pos, startLine);
            char c = src.charAt(p);
            if (c == quote) break;
            if (c == '\n') line++;
            if (c != '\\') {
                sb.append(c);
                p++;
                continue;
            }
            if (p + 1 >= n) throw new TemplateError("unexpected char '" + quote + "' at " + pos, startLine);
            char e = src.charAt(p + 1);
            p += 2;
            switch (e) {
                case '\n' -> line++; // line continuation: both characters vanish
                case '\\' -> sb.append('\\');
                case '\'' -> sb.append('\'');
                case '"' -> sb.append('"');
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'v' -> sb.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (p + len > n) throw error("truncated \\" + e + " escape in string literal");
                    int cp;
                    try {
                        cp = Integer.parseUnsignedInt(src.substring(p, p + len), 16);
                    } catch (NumberFormatException ex) {
                        throw error("truncated \\" + e + " escape in string literal");
                    }
                    if (cp > 0x10FFFF) throw error("illegal Unicode character in string literal");
                    sb.appendCodePoint(cp);
                    p += len;
                }
                case 'N' -> {
                    int close = src.indexOf('}', p);
                    if (p >= n || src.charAt(p) != '{' || close < 0) throw error("malformed \\N character escape");
                    try {
                        sb.appendCodePoint(Character.codePointOf(src.substring(p + 1, close)));
                    } catch (IllegalArgumentException ex) {
                        throw error("unknown Unicode character name in string literal");
                    }
                    p = close + 1;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && p < n && src.charAt(p) >= '0' && src.charAt(p) <= '7'; k++) {
                            v = v * 8 + (src.charAt(p++) - '0');
                        }
                        sb.append((char) v);
                    } else {
                        sb.append('\\').append(e); // unknown escapes stay as written
                    }
                }
            }
        }
        out.add(new Token(Kind.STRING, sb.toString(), startLine));
        pos = p + 1;
    }
}
