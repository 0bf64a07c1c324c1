package io.fangwusha.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/** The web chat page, served from the jar (no build step). Only the listed files are served. */
final class StaticResources {
    private static final String BASE = "/io/fangwusha/server/web/";
    private static final Map<String, String> FILES = Map.of(
            "/", "index.html",
            "/index.html", "index.html",
            "/static/app.js", "app.js",
            "/static/style.css", "style.css");

    record Resource(byte[] body, String contentType) {}

    private StaticResources() {}

    static Resource find(String path) throws IOException {
        String name = FILES.get(path);
        if (name == null) return null;
        try (InputStream in = StaticResources.class.getResourceAsStream(BASE + name)) {
            if (in == null) return null;
            String type = name.endsWith(".html") ? "text/html; charset=utf-8"
                    : name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
            return new Resource(in.readAllBytes(), type);
        }
    }
}
