package io.fangwusha.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fangwusha.core.FangwushaException;
import io.fangwusha.server.api.ApiException;
import io.fangwusha.server.api.CompletionService;
import io.fangwusha.server.api.RequestParser;
import io.fangwusha.server.engine.EngineMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes: {@code POST /v1/chat/completions}, {@code POST /v1/completions}, {@code GET /v1/models[/{id}]},
 * {@code GET /health}, {@code GET /metrics}, and the chat page at {@code /}. Handlers block on Jetty's pool threads
 * (a streaming request holds one thread while it runs). Errors are OpenAI-shaped JSON.
 */
public final class ApiHandler extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger(ApiHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_BODY = 16L << 20;

    private final RequestParser parser;
    private final CompletionService completions;
    private final EngineMetrics engineMetrics;
    private final HttpMetrics httpMetrics = new HttpMetrics();
    private final String modelId;
    private final int maxModelLen;
    private final byte[] apiKey;
    private final long created = System.currentTimeMillis() / 1000;

    public ApiHandler(RequestParser parser, CompletionService completions, EngineMetrics engineMetrics, String modelId,
                      int maxModelLen, String apiKey) {
        this.parser = parser;
        this.completions = completions;
        this.engineMetrics = engineMetrics;
        this.modelId = modelId;
        this.maxModelLen = maxModelLen;
        this.apiKey = apiKey == null ? null : apiKey.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        JettyOutput out = new JettyOutput(request, response);
        String route = "other";
        int status = 200;
        try {
            route = routeName(path);
            dispatch(path, method, request, response, out);
            status = response.getStatus();
            if (out.streaming()) out.finishEvents();
            callback.succeeded();
        } catch (ApiException e) {
            status = e.status();
            answerError(request, out, response, callback, e);
        } catch (FangwushaException e) {
            status = 400;
            answerError(request, out, response, callback, ApiException.badRequest(paramOf(e.getMessage()), e.getMessage()));
        } catch (IOException e) {
            // The client went away (or sent a broken body); there is no one to answer.
            status = 499;
            callback.failed(e);
        } catch (RuntimeException e) {
            log.error("request {} {} failed", method, path, e);
            status = 500;
            answerError(request, out, response, callback, new ApiException(500, "server_error", null, null, "internal error: " + e));
        } finally {
            out.close();
        }
        httpMetrics.record(route, status);
        return true;
    }

    private void dispatch(String path, String method, Request request, Response response, JettyOutput out) throws IOException {
        if (path.startsWith("/v1/")) checkKey(request);
        switch (path) {
            case "/v1/chat/completions", "/v1/completions" -> {
                requireMethod(method, "POST", path);
                String body = readBody(request);
                var req = parser.parse(RequestParser.parseBody(body), path.equals("/v1/chat/completions"));
                completions.run(req, out);
            }
            case "/v1/models" -> {
                requireMethod(method, "GET", path);
                ObjectNode root = JSON.createObjectNode();
                root.put("object", "list");
                root.putArray("data").add(modelCard());
                out.sendJson(200, JSON.writeValueAsString(root));
            }
            case "/health" -> out.sendJson(200, "{\"status\":\"ok\"}");
            case "/metrics" -> {
                byte[] text = (engineMetrics.prometheus() + httpMetrics.prometheus()).getBytes(StandardCharsets.UTF_8);
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                try (var o = Content.Sink.asOutputStream(response)) {
                    o.write(text);
                }
            }
            default -> {
                if (path.startsWith("/v1/models/")) {
                    requireMethod(method, "GET", path);
                    String id = path.substring("/v1/models/".length());
                    if (!id.equals(modelId)) throw ApiException.notFound("model_not_found", "The model `" + id + "` does not exist.");
                    out.sendJson(200, JSON.writeValueAsString(modelCard()));
                    return;
                }
                StaticResources.Resource r = "GET".equals(method) ? StaticResources.find(path) : null;
                if (r == null) throw ApiException.notFound("not_found", "Unknown route: " + method + " " + path);
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, r.contentType());
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, r.body().length);
                try (var o = Content.Sink.asOutputStream(response)) {
                    o.write(r.body());
                }
            }
        }
    }

    private ObjectNode modelCard() {
        ObjectNode m = JSON.createObjectNode();
        m.put("id", modelId);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "fangwusha");
        m.put("max_model_len", maxModelLen);
        return m;
    }

    private void checkKey(Request request) {
        if (apiKey == null) return;
        String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        byte[] given = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                ? auth.substring(7).strip().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(given, apiKey)) {
            throw new ApiException(401, "invalid_request_error", null, "invalid_api_key",
                    auth == null ? "You didn't provide an API key. Send it as 'Authorization: Bearer KEY'."
                            : "Incorrect API key provided.");
        }
    }

    private static void requireMethod(String method, String expected, String path) {
        if (!expected.equals(method)) {
            throw new ApiException(405, "invalid_request_error", null, "method_not_allowed",
                    "Method " + method + " is not allowed on " + path + "; use " + expected + ".");
        }
    }

    private static final String BODY_READ = "fangwusha.bodyRead";

    private static boolean hasBody(Request request) {
        return request.getLength() > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
    }

    private static String readBody(Request request) throws IOException {
        long len = request.getLength();
        if (len > MAX_BODY) throw new ApiException(413, "invalid_request_error", null, "request_too_large", "Request body exceeds 16 MiB.");
        String body = Content.Source.asString(request, StandardCharsets.UTF_8);
        request.setAttribute(BODY_READ, Boolean.TRUE);
        if (body.length() > MAX_BODY) throw new ApiException(413, "invalid_request_error", null, "request_too_large", "Request body exceeds 16 MiB.");
        return body;
    }

    /** User errors name their field first ("max_tokens: ..."); that is OpenAI's {@code param}. */
    private static String paramOf(String message) {
        int colon = message == null ? -1 : message.indexOf(": ");
        return colon > 0 && message.substring(0, colon).matches("[a-z_][a-z0-9_.\\[\\]]*") ? message.substring(0, colon) : null;
    }

    private static String routeName(String path) {
        return switch (path) {
            case "/v1/chat/completions", "/v1/completions", "/v1/models", "/health", "/metrics", "/" -> path;
            default -> path.startsWith("/v1/models/") ? "/v1/models/{id}" : path.startsWith("/static/") ? "/static" : "other";
        };
    }

    private void answerError(Request request, JettyOutput out, Response response, Callback callback, ApiException e) {
        if (out.streaming() || response.isCommitted()) {
            // Too late for a status line; the stream just ends.
            callback.failed(e);
            return;
        }
        try {
            ObjectNode root = JSON.createObjectNode();
            ObjectNode err = root.putObject("error");
            err.put("message", e.getMessage());
            err.put("type", e.type());
            if (e.param() != null) err.put("param", e.param()); else err.putNull("param");
            if (e.code() != null) err.put("code", e.code()); else err.putNull("code");
            // Refused before its body was read (401, 404, 405, 413): Jetty will close the connection rather than
            // read the rest, so say so. Without the header a client returned the connection to its pool and
            // its next request met the close ("header parser received no bytes").
            if (request.getAttribute(BODY_READ) == null && hasBody(request)) response.getHeaders().put(HttpHeader.CONNECTION, "close");
            out.sendJson(e.status(), JSON.writeValueAsString(root));
            callback.succeeded();
        } catch (IOException io) {
            callback.failed(io);
        }
    }
}
