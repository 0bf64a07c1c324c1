package io.fangwusha.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void basics() throws Exception {
        try (TestServer s = TestServer.start()) {
            System.out.println(s.get("/health").body());
            System.out.println(s.get("/v1/models").body());
            var r = s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"你好\"}],\"max_tokens\":20,\"seed\":1}");
            System.out.println(r.statusCode() + " " + r.body());
            r = s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"你好\"}],\"max_tokens\":8,\"seed\":1,\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
            System.out.println(r.statusCode() + " " + r.body());
            r = s.post("/v1/completions", "{\"prompt\":\"Hello\",\"max_tokens\":5,\"logprobs\":2}");
            System.out.println(r.statusCode() + " " + r.body());
            System.out.println(s.get("/metrics").body());
            assertThat(r.statusCode()).isEqualTo(200);
        }
    }
}
