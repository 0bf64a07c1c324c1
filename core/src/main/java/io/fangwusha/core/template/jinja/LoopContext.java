package io.fangwusha.core.template.jinja;

import java.util.List;

/** The {@code loop} variable inside a for loop. */
final class LoopContext {
    private final List<Object> items;
    private int index0;
    private Object lastChanged = NOTHING;
    private static final Object NOTHING = new Object();

    LoopContext(List<Object> items) {
        this.items = items;
    }

    void at(int i) {
        index0 = i;
    }

    Object attribute(String name) {
        int n = items.size();
        return switch (name) {
            case "index" -> (long) index0 + 1;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (n - index0);
            case "revindex0" -> (long) (n - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == n - 1;
            case "length" -> (long) n;
            case "depth" -> 1L;
            case "depth0" -> 0L;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : new Undefined("there is no previous item");
            case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : new Undefined("there is no next item");
            case "cycle" -> new Fn("loop.cycle", (in, args, kw) -> {
                if (args.isEmpty()) throw new TemplateError("no items for cycling given");
                return args.get(index0 % args.size());
            });
            case "changed" -> new Fn("loop.changed", (in, args, kw) -> {
                if (lastChanged != NOTHING && Py.eq(lastChanged, args)) return false;
                lastChanged = args;
                return true;
            });
            default -> Undefined.attribute(this, name);
        };
    }
}
