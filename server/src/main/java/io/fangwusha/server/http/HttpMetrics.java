package io.fangwusha.server.http;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Requests answered, by route and status, for {@code /metrics}. */
final class HttpMetrics {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    void record(String route, int status) {
        counts.computeIfAbsent("route=\"" + route + "\",status=\"" + status + "\"", k -> new LongAdder()).increment();
    }

    String prometheus() {
        StringBuilder b = new StringBuilder();
        b.append("# HELP fangwusha_http_requests_total HTTP requests answered\n");
        b.append("# TYPE fangwusha_http_requests_total counter\n");
        new TreeMap<>(counts).forEach((labels, n) ->
                b.append("fangwusha_http_requests_total{").append(labels).append("} ").append(n.sum()).append('\n'));
        return b.toString();
    }
}
