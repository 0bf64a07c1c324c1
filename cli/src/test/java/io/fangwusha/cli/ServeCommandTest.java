package io.fangwusha.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.Fixtures;
import io.fangwusha.server.FangwushaServer;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServeCommandTest {
    static final String MODEL = Fixtures.model("tiny-qwen3-a").toString();

    static ServeCommand parse(String... args) {
        CommandLine cl = new CommandLine(new ServeCommand());
        cl.parseArgs(args);
        return cl.getCommand();
    }

    @Test
    void servesUntilStopped(@TempDir Path dir) throws Exception {
        Path filter = dir.resolve("filter.txt");
        Files.writeString(filter, "坏蛋\n");
        ServeCommand cmd = parse("--model", MODEL, "--threads", "2", "--port", "0", "--api-key", "k",
                "--served-model-name", "tiny", "--content-filter", filter.toString(), "--max-concurrent", "2");
        CompletableFuture<FangwushaServer> started = new CompletableFuture<>();
        cmd.onStarted = started::complete;
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
            try {
                return cmd.call();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        FangwushaServer server = started.get(60, TimeUnit.SECONDS);
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> models = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/v1/models"))
                .header("Authorization", "Bearer k").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(models.body()).contains("\"id\":\"tiny\"");
        HttpResponse<String> blocked = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/v1/chat/completions"))
                .header("Authorization", "Bearer k").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"你是坏。蛋\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(blocked.statusCode()).isEqualTo(400);
        assertThat(blocked.body()).contains("content_filter");
        server.close();
        assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void portInUseIsAUserError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            ServeCommand cmd = parse("--model", MODEL, "--threads", "1", "--port", String.valueOf(taken.getLocalPort()));
            assertThatThrownBy(cmd::call).isInstanceOf(FangwushaException.class).hasMessageStartingWith("--port: cannot listen on");
        }
    }

    @Test
    void badContentFilterNamesTheLine(@TempDir Path dir) throws Exception {
        Path filter = dir.resolve("f.txt");
        Files.writeString(filter, "re:[\n");
        ServeCommand cmd = parse("--model", MODEL, "--content-filter", filter.toString());
        assertThatThrownBy(cmd::call).isInstanceOf(FangwushaException.class).hasMessageStartingWith(filter + ":1: bad regular expression");
    }
}
