package io.fangwusha.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** A streaming POST over a plain socket, so a test controls exactly when the client goes away. */
final class RawStream implements AutoCloseable {
    private final Socket socket;
    private final BufferedReader in;

    RawStream(URI base, String path, String json) throws IOException {
        this(base, path, json, null);
    }

    RawStream(URI base, String path, String json, String apiKey) throws IOException {
        socket = new Socket(base.getHost(), base.getPort());
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: " + base.getHost() + "\r\nContent-Type: application/json\r\n"
                + (apiKey == null ? "" : "Authorization: Bearer " + apiKey + "\r\n")
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    /** The status code of the response. */
    int status() throws IOException {
        String line = in.readLine();
        return Integer.parseInt(line.split(" ")[1]);
    }

    /** The next SSE {@code data:} payload (skipping headers, chunk sizes and blank lines), or null at the end. */
    String nextData() throws IOException {
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith("data: ")) return line.substring(6);
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
