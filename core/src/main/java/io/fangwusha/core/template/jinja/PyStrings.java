package io.fangwusha.core.template.jinja;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Python str method algorithms that differ from Java's (split on whitespace runs, title, replace with count). */
final class PyStrings {
    private PyStrings() {}

    static List<Object> split(String s, String sep, long maxsplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && Py.isSpace(s.charAt(i))) i++;
                if (i >= n) break;
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    out.add(Py.rstrip(s.substring(i), null));
                    break;
                }
                int j = i;
                while (j < n && !Py.isSpace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) throw new TemplateError("empty separator");
        int from = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int at = s.indexOf(sep, from);
            if (at < 0) break;
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    static List<Object> rsplit(String s, String sep, long maxsplit) {
        if (maxsplit < 0) return split(s, sep, -1);
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int j = s.length();
            while (true) {
                while (j > 0 && Py.isSpace(s.charAt(j - 1))) j--;
                if (j <= 0) break;
                if (out.size() == maxsplit) {
                    out.add(Py.lstrip(s.substring(0, j), null));
                    break;
                }
                int i = j;
                while (i > 0 && !Py.isSpace(s.charAt(i - 1))) i--;
                out.add(s.substring(i, j));
                j = i;
            }
        } else {
            if (sep.isEmpty()) throw new TemplateError("empty separator");
            int end = s.length();
            while (out.size() < maxsplit) {
                int at = s.lastIndexOf(sep, end - sep.length());
                if (at < 0) break;
                out.add(s.substring(at + sep.length(), end));
                end = at;
            }
            out.add(s.substring(0, end));
        }
        Collections.reverse(out);
        return out;
    }

    static String replace(String s, String old, String repl, long count) {
        if (count < 0) count = Long.MAX_VALUE;
        StringBuilder sb = new StringBuilder();
        if (old.isEmpty()) {
            List<String> chars = Py.chars(s);
            long done = 0;
            for (String c : chars) {
                if (done < count) {
                    sb.append(repl);
                    done++;
                }
                sb.append(c);
            }
            if (done < count) sb.append(repl);
            return sb.toString();
        }
        int from = 0;
        for (long done = 0; done < count; done++) {
            int at = s.indexOf(old, from);
            if (at < 0) break;
            sb.append(s, from, at).append(repl);
            from = at + old.length();
        }
        return sb.append(s.substring(from)).toString();
    }

    private static boolean cased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    static String title(String s) {
        StringBuilder sb = new StringBuilder();
        boolean prevCased = false;
        for (int cp : s.codePoints().toArray()) {
            if (prevCased) sb.append(Character.toString(cp).toLowerCase(Locale.ROOT));
            else sb.appendCodePoint(Character.toTitleCase(cp));
            prevCased = cased(cp);
        }
        return sb.toString();
    }

    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int first = s.codePointAt(0);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(first))
                .append(s.substring(Character.charCount(first)).toLowerCase(Locale.ROOT)).toString();
    }

    static String swapcase(String s) {
        StringBuilder sb = new StringBuilder();
        for (int cp : s.codePoints().toArray()) {
            if (Character.isUpperCase(cp)) sb.append(Character.toString(cp).toLowerCase(Locale.ROOT));
            else if (Character.isLowerCase(cp)) sb.append(Character.toString(cp).toUpperCase(Locale.ROOT));
            else sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    static long count(String s, String sub) {
        if (sub.isEmpty()) return Py.length(s) + 1L;
        long c = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) c++;
        return c;
    }

    static boolean classify(String s, String test) {
        if (s.isEmpty()) return false;
        int[] cps = s.codePoints().toArray();
        return switch (test) {
            case "isdigit" -> java.util.Arrays.stream(cps).allMatch(Character::isDigit);
            case "isalpha" -> java.util.Arrays.stream(cps).allMatch(Character::isLetter);
            case "isalnum" -> java.util.Arrays.stream(cps).allMatch(Character::isLetterOrDigit);
            case "isspace" -> java.util.Arrays.stream(cps).allMatch(Py::isSpace);
            case "islower" -> java.util.Arrays.stream(cps).anyMatch(Character::isLowerCase)
                    && java.util.Arrays.stream(cps).noneMatch(c -> Character.isUpperCase(c) || Character.isTitleCase(c));
            default -> java.util.Arrays.stream(cps).anyMatch(Character::isUpperCase)
                    && java.util.Arrays.stream(cps).noneMatch(c -> Character.isLowerCase(c) || Character.isTitleCase(c));
        };
    }

    private static boolean lineBreak(char c) {
        return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e || c == 0x85
                || c == 0x2028 || c == 0x2029;
    }

    static List<Object> splitlines(String s, boolean keepends) {
        List<Object> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (!lineBreak(c)) {
                i++;
                continue;
            }
            int eol = i;
            i += (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') ? 2 : 1;
            out.add(s.substring(start, keepends ? i : eol));
            start = i;
        }
        if (start < s.length()) out.add(s.substring(start));
        return out;
    }

    static String pad(String s, String how, int width, String fill) {
        if (Py.length(fill) != 1) throw new TemplateError("The fill character must be exactly one character long");
        int n = Py.length(s);
        if (width <= n) return s;
        int total = width - n;
        return switch (how) {
            case "ljust" -> s + fill.repeat(total);
            case "rjust" -> fill.repeat(total) + s;
            case "zfill" -> {
                boolean signed = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-');
                yield signed ? s.charAt(0) + "0".repeat(total) + s.substring(1) : "0".repeat(total) + s;
            }
            default -> {
                // Python's center puts the extra fill on the left when both total and width are odd.
                int left = total / 2 + (total & width & 1);
                yield fill.repeat(left) + s + fill.repeat(total - left);
            }
        };
    }
}
