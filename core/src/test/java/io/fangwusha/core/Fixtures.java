package io.fangwusha.core;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates {@code ../shared} (read-only fixtures) from any module's tests. */
public final class Fixtures {
    private Fixtures() {}

    public static Path shared() {
        String prop = System.getProperty("fangwusha.shared");
        if (prop != null && Files.isDirectory(Path.of(prop))) return Path.of(prop).toAbsolutePath().normalize();
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared");
            if (Files.isRegularFile(candidate.resolve("README.md")) && Files.isDirectory(candidate.resolve("fixtures"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("../shared not found from " + dir);
    }

    public static Path fixtures() {
        return shared().resolve("fixtures");
    }

    public static Path tokenizerDir() {
        return shared().resolve("qwen3-tokenizer");
    }

    public static Path model(String name) {
        return fixtures().resolve("models").resolve(name);
    }
}
