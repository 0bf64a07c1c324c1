package io.fangwusha.server.filter;

/**
 * Applies a {@link ContentFilter} to text that arrives in pieces (a token stream). Text is released only once it
 * cannot be the start of a blocked term; when a term completes, the text before it is released and the stream is
 * blocked for good. Not thread-safe: one per generation.
 */
public final class FilterStream {
    private final ContentFilter filter;
    private final StringBuilder all = new StringBuilder();
    private int released;
    private boolean blocked;

    FilterStream(ContentFilter filter) {
        this.filter = filter;
    }

    /** Adds generated text; returns the text that is now safe to show (possibly empty). */
    public String push(String delta) {
        if (blocked) return "";
        all.append(delta);
        if (filter.isEmpty()) return release(all.length());
        return scan(false);
    }

    /** The generation ended: checks the tail once more and releases what is left unless it is blocked. */
    public String finish() {
        if (blocked) return "";
        if (filter.isEmpty()) return release(all.length());
        return scan(true);
    }

    public boolean blocked() {
        return blocked;
    }

    /** All text released so far. */
    public String releasedText() {
        return all.substring(0, released);
    }

    private String scan(boolean atEnd) {
        // Matches that end in the new text may begin a little before what was released; look back a window.
        int from = Math.max(0, released - ContentFilter.WINDOW);
        Skeleton sk = Skeleton.of(all, from, all.length(), atEnd);
        String text = sk.text();
        int match = filter.firstMatch(text);
        if (match >= 0) {
            blocked = true;
            return release(Math.max(released, sk.origin(match)));
        }
        if (atEnd) return release(all.length());
        int hold = filter.holdFrom(text);
        return release(hold >= text.length() ? all.length() : Math.max(released, sk.origin(hold)));
    }

    private String release(int upTo) {
        // Never split a surrogate pair.
        if (upTo > released && upTo < all.length() && Character.isHighSurrogate(all.charAt(upTo - 1))) upTo--;
        String out = all.substring(released, Math.max(released, upTo));
        released = Math.max(released, upTo);
        return out;
    }
}
