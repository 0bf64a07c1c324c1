package io.fangwusha.core.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in text as HF's AddedVocabulary does: leftmost-longest, non-overlapping (Aho-Corasick
 * {@code LeftmostLongest}), then the {@code single_word}, {@code lstrip} and {@code rstrip} rules. A match rejected
 * by {@code single_word} is skipped and the search resumes after it, as HF's match iterator does. Immutable.
 */
final class AddedTokenMatcher {

    interface Sink {
        /** Text between tokens, {@code [start, end)}, possibly empty only when the whole input is empty. */
        void text(int start, int end);

        void token(int id);
    }

    private record Pattern(String text, AddedToken token) {}

    /** Patterns by first char, longest first. */
    private final Map<Character, List<Pattern>> byFirstChar = new HashMap<>();

    /** @param patterns pattern text (raw or normalized content) per token */
    AddedTokenMatcher(Map<AddedToken, String> patterns) {
        patterns.forEach((tok, text) -> {
            if (!text.isEmpty()) byFirstChar.computeIfAbsent(text.charAt(0), c -> new ArrayList<>()).add(new Pattern(text, tok));
        });
        byFirstChar.values().forEach(l -> l.sort(Comparator.comparingInt((Pattern p) -> -p.text.length())));
    }

    boolean isEmpty() {
        return byFirstChar.isEmpty();
    }

    void split(String s, Sink sink) {
        int n = s.length();
        int emitted = 0; // HF's start_offset: end of the last emitted piece
        int i = 0;
        while (i < n) {
            List<Pattern> candidates = byFirstChar.get(s.charAt(i));
            Pattern hit = null;
            if (candidates != null) {
                for (Pattern p : candidates) {
                    if (s.startsWith(p.text, i)) {
                        hit = p;
                        break;
                    }
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            int start = i;
            int stop = i + hit.text.length();
            AddedToken t = hit.token;
            if (t.singleWord()) {
                boolean startOk = start == 0 || !isWordChar(s.codePointBefore(start));
                boolean stopOk = stop == n || !isWordChar(s.codePointAt(stop));
                if (!startOk || !stopOk) {
                    i = stop;
                    continue;
                }
            }
            if (t.lstrip()) {
                int k = start;
                while (k > 0 && Qwen2PreTokenizer.isWhiteSpace(s.charAt(k - 1))) k--;
                start = Math.max(k, emitted); // whitespace already taken by a previous match stays there
            }
            if (t.rstrip()) {
                while (stop < n && Qwen2PreTokenizer.isWhiteSpace(s.charAt(stop))) stop++;
            }
            if (emitted < start) sink.text(emitted, start);
            sink.token(t.id());
            emitted = stop;
            i = stop;
        }
        if (emitted < n || n == 0) sink.text(emitted, n);
    }

    /** Rust regex {@code \w}: Alphabetic, marks, decimal digits, connector punctuation, join controls. */
    static boolean isWordChar(int cp) {
        if (Character.isAlphabetic(cp)) return true;
        return switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                    Character.DECIMAL_DIGIT_NUMBER, Character.CONNECTOR_PUNCTUATION -> true;
            default -> cp == 0x200C || cp == 0x200D;
        };
    }
}
