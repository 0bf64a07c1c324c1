package io.fangwusha.core.template.jinja;

/** One lexer token; {@code text} is the literal text for DATA, the decoded value for STRING, the symbol for OP. */
record Token(Kind kind, String text, int line) {
    enum Kind { DATA, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF }

    boolean is(Kind k, String t) {
        return kind == k && text.equals(t);
    }

    boolean isOp(String t) {
        return kind == Kind.OP && text.equals(t);
    }

    boolean isName(String t) {
        return kind == Kind.NAME && text.equals(t);
    }

    /** Jinja's describe_token; callers quote it. */
    String describe() {
        return switch (kind) {
            case EOF -> "end of template";
            case BLOCK_END -> "end of statement block";
            case VAR_END -> "end of print statement";
            case BLOCK_BEGIN -> "begin of statement block";
            case VAR_BEGIN -> "begin of print statement";
            case DATA -> "template data";
            case STRING -> "string";
            default -> text;
        };
    }
}
