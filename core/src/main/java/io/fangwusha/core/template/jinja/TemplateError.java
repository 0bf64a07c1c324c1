package io.fangwusha.core.template.jinja;

/**
 * A syntax or runtime error in a template. {@code line} is the 1-based source line, or 0 while unknown (the
 * evaluator fills it in from the innermost expression or statement that has one).
 */
public final class TemplateError extends RuntimeException {
    private int line;

    public TemplateError(String message) {
        this(message, 0);
    }

    public TemplateError(String message, int line) {
        super(message, null, false, false);
        this.line = line;
    }

    public int line() {
        return line;
    }

    TemplateError atLine(int l) {
        if (line <= 0) line = l;
        return this;
    }
}
