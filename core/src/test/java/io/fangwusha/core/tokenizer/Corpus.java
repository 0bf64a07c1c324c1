package io.fangwusha.core.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Texts for differential tests: every line of every file under shared/corpus, JSONL by string field. */
final class Corpus {
    private Corpus() {}

    /** A text and where it came from (file:line or file:line:field). */
    record Text(String where, String text) {}

    static List<Path> files() {
        try (Stream<Path> s = Files.walk(Fixtures.shared().resolve("corpus"))) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Text> texts() {
        ObjectMapper json = new ObjectMapper();
        List<Text> out = new ArrayList<>();
        for (Path f : files()) {
            List<String> lines;
            try {
                lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String name = Fixtures.shared().relativize(f).toString();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (name.endsWith(".jsonl") && !line.isBlank()) {
                    try {
                        JsonNode n = json.readTree(line);
                        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                            String field = it.next();
                            if (n.get(field).isTextual()) out.add(new Text(name + ":" + (i + 1) + ":" + field, n.get(field).asText()));
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                } else {
                    out.add(new Text(name + ":" + (i + 1), line));
                }
            }
        }
        return out;
    }

    static String whole(String relative) {
        try {
            return Files.readString(Fixtures.shared().resolve(relative), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Code points chosen to stress the pre-tokenizer: every White_Space char, near-misses, marks, astral letters. */
    static final int[] TRICKY = {
        0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2005, 0x200A, 0x2028, 0x2029, 0x202F,
        0x205F, 0x3000, 0x1C, 0x1D, 0x1E, 0x1F, 0x180E, 0x200B, 0x200C, 0x200D, 0xFEFF, 0x00,
        '\'', '\'', '\'', 's', 'S', 't', 'T', 'r', 'R', 'e', 'E', 'v', 'V', 'm', 'M', 'l', 'L', 'd', 'D', 0x17F,
        0x212A, 'a', 'z', '0', '9', '!', '<', '|', '>', '_', '-', '.', 0x2019,
        0x4E2D, 0x6587, 0x3002, 0xFF0C, 0xFF01, 0x3001, 0xFF10, 0x0660, 0x2160, 0xBD, 0x2460, 0x00B2,
        0x0301, 0x0308, 0x20DD, 0x0903, 0x0E31, 0x1F600, 0x1F44D, 0x1F3FB, 0x20000, 0x2A6A5, 0x1D400, 0x1D7CE,
        0x10140, 0x1F1E8, 0xFE0F, 0x20E3, 0xE000, 0xFFFD, 0x00C5, 0x212B, 0x0041, 0x030A, 0xAC00, 0x1100, 0x1161,
    };

    /** Random strings over {@link #TRICKY} plus random BMP and astral code points, and added-token strings. */
    static List<String> fuzz(long seed, int count, boolean withAddedTokens) {
        Random rnd = new Random(seed);
        String[] added = {"<|im_start|>", "<|im_end|>", "<think>", "</think>", "<|endoftext|>", "<tool_call>", "<|im_start"};
        List<String> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            StringBuilder sb = new StringBuilder();
            int len = 1 + rnd.nextInt(24);
            for (int i = 0; i < len; i++) {
                int r = rnd.nextInt(20);
                if (r < 13) sb.appendCodePoint(TRICKY[rnd.nextInt(TRICKY.length)]);
                else if (r < 16) sb.appendCodePoint(randomScalar(rnd, 0x3000));
                else if (r < 18) sb.appendCodePoint(randomScalar(rnd, 0x10000));
                else if (r < 19) sb.appendCodePoint(randomScalar(rnd, 0x110000));
                else if (withAddedTokens) sb.append(added[rnd.nextInt(added.length)]);
                else sb.append(' ');
            }
            out.add(sb.toString());
        }
        return out;
    }

    private static int randomScalar(Random rnd, int bound) {
        while (true) {
            int cp = rnd.nextInt(bound);
            if ((cp < 0xD800 || cp > 0xDFFF) && Character.isDefined(cp)) return cp;
        }
    }
}
