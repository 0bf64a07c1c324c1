package io.fangwusha.server.filter;

import io.fangwusha.core.FangwushaException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The operator's blocklist: one rule per line, either a literal term or {@code re:PATTERN} (Java regex). Blank
 * lines and lines starting with {@code #} are ignored. Terms and patterns are matched against the text's
 * {@link Skeleton} (NFKC, lower case, separators between CJK characters removed, whitespace collapsed), so a
 * pattern should be written for that form: lower case, and without separators between CJK characters. Immutable
 * and thread-safe; {@link #newStream()} gives a per-generation matcher for streamed output.
 */
public final class ContentFilter {
    /** A filter that blocks nothing. */
    public static final ContentFilter NONE = new ContentFilter(List.of(), List.of());

    /** How far before the released text a match may start and still be found; also the regex hold-back limit. */
    static final int WINDOW = 256;

    private final List<String> terms;
    private final List<Pattern> patterns;

    private ContentFilter(List<String> terms, List<Pattern> patterns) {
        this.terms = List.copyOf(terms);
        this.patterns = List.copyOf(patterns);
    }

    public static ContentFilter load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new FangwushaException(file + ": cannot read the content filter (" + e.getMessage() + ")", e);
        }
        return parse(lines, file.toString());
    }

    /** Parses rules; {@code source} names them in error messages. */
    public static ContentFilter parse(List<String> lines, String source) {
        List<String> terms = new ArrayList<>();
        List<Pattern> patterns = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            if (line.startsWith("re:")) {
                String regex = line.substring(3);
                if (regex.isEmpty()) throw new FangwushaException(source + ":" + (i + 1) + ": empty regular expression");
                try {
                    patterns.add(Pattern.compile(regex, Pattern.UNICODE_CASE | Pattern.CASE_INSENSITIVE));
                } catch (PatternSyntaxException e) {
                    throw new FangwushaException(source + ":" + (i + 1) + ": bad regular expression: " + e.getDescription());
                }
            } else {
                String term = Skeleton.normalizeTerm(line);
                if (!term.isEmpty()) terms.add(term);
            }
        }
        return new ContentFilter(terms, patterns);
    }

    public boolean isEmpty() {
        return terms.isEmpty() && patterns.isEmpty();
    }

    public int ruleCount() {
        return terms.size() + patterns.size();
    }

    /** Whether the complete text contains a blocked term or pattern. */
    public boolean blocks(String text) {
        if (isEmpty() || text == null) return false;
        return firstMatch(Skeleton.of(text).text()) >= 0;
    }

    public FilterStream newStream() {
        return new FilterStream(this);
    }

    /** Skeleton index where the earliest match starts, or -1. */
    int firstMatch(String skeleton) {
        int best = -1;
        for (String t : terms) {
            int i = skeleton.indexOf(t);
            if (i >= 0 && (best < 0 || i < best)) best = i;
        }
        for (Pattern p : patterns) {
            Matcher m = p.matcher(skeleton);
            if (m.find() && (best < 0 || m.start() < best)) best = m.start();
        }
        return best;
    }

    /**
     * The earliest skeleton index from which a match could still form once more text arrives: a suffix that is a
     * proper prefix of a term, or a start from which a pattern reads to the end of the input without failing.
     * Returns {@code skeleton.length()} when nothing needs holding.
     */
    int holdFrom(String skeleton) {
        int n = skeleton.length();
        int hold = n;
        for (String t : terms) {
            for (int len = Math.min(n, t.length() - 1); len > 0; len--) {
                if (skeleton.regionMatches(n - len, t, 0, len)) {
                    hold = Math.min(hold, n - len);
                    break;
                }
            }
        }
        for (Pattern p : patterns) {
            Matcher m = p.matcher(skeleton);
            for (int s = Math.max(0, n - WINDOW); s < hold; s++) {
                m.region(s, n);
                if (!m.lookingAt() && m.hitEnd()) {
                    hold = s;
                    break;
                }
            }
        }
        return hold;
    }
}
