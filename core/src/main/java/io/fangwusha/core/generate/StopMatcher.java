package io.fangwusha.core.generate;

import java.util.List;

/**
 * Finds stop strings in streamed text. Text is released only once no stop string can still begin inside it, so a
 * stream never shows the start of a stop string that later completes.
 */
final class StopMatcher {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    StopMatcher(List<String> stops) {
        this.stops = stops;
    }

    /** Adds text; returns what can be released now (text before a matched stop string, or safe text). */
    String push(String text) {
        if (stopped) return "";
        pending.append(text);
        if (stops.isEmpty()) {
            String out = pending.toString();
            pending.setLength(0);
            return out;
        }
        int earliest = -1;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (earliest < 0 || i < earliest)) earliest = i;
        }
        if (earliest >= 0) {
            stopped = true;
            String out = pending.substring(0, earliest);
            pending.setLength(0);
            return out;
        }
        int hold = 0;
        for (String s : stops) hold = Math.max(hold, longestSuffixPrefix(pending, s));
        String out = pending.substring(0, pending.length() - hold);
        pending.delete(0, pending.length() - hold);
        return out;
    }

    /** Releases held text at the end of generation. */
    String flush() {
        String out = stopped ? "" : pending.toString();
        pending.setLength(0);
        return out;
    }

    boolean stopped() {
        return stopped;
    }

    /** Length of the longest suffix of {@code text} that is a proper prefix of {@code stop}. */
    private static int longestSuffixPrefix(CharSequence text, String stop) {
        int max = Math.min(text.length(), stop.length() - 1);
        for (int len = max; len > 0; len--) {
            boolean match = true;
            for (int j = 0; j < len && match; j++) match = text.charAt(text.length() - len + j) == stop.charAt(j);
            if (match) return len;
        }
        return 0;
    }
}
