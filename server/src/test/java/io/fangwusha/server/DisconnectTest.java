package io.fangwusha.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A client that goes away (mid-stream, or while waiting for a non-streaming answer) cancels its generation and its KV cache is released. */
class DisconnectTest {
    @Test
    void closingTheStreamCancelsAndFreesTheCache() throws Exception {
        try (TestServer s = TestServer.start()) {
            String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"讲个很长的故事\"}],\"max_tokens\":4000,"
                    + "\"ignore_eos\":true,\"stream\":true}";
            try (RawStream stream = new RawStream(s.server.baseUri(), "/v1/chat/completions", body)) {
                assertThat(stream.status()).isEqualTo(200);
                for (int i = 0; i < 5; i++) assertThat(stream.nextData()).isNotNull();
                assertThat(s.metric("fangwusha_running_sequences")).isEqualTo(1);
                assertThat(s.metric("fangwusha_kv_cache_bytes")).isGreaterThan(0);
            }
            awaitFreed(s);
            assertThat(s.metric("fangwusha_sequences_cancelled_total")).isEqualTo(1);
            // It stopped well before its 4000 tokens.
            assertThat(s.metric("fangwusha_generation_tokens_total")).isLessThan(4000);
        }
    }

    @Test
    void closingANonStreamingRequestCancelsAndFreesTheCache() throws Exception {
        try (TestServer s = TestServer.start()) {
            String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"讲个很长的故事\"}],\"max_tokens\":4000,"
                    + "\"ignore_eos\":true}";
            try (RawStream request = new RawStream(s.server.baseUri(), "/v1/chat/completions", body)) {
                // Nothing comes back until the answer is complete; wait until it is generating.
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (s.metric("fangwusha_generation_tokens_total") < 5 && System.nanoTime() < deadline) Thread.sleep(5);
                assertThat(s.metric("fangwusha_running_sequences")).isEqualTo(1);
                assertThat(s.metric("fangwusha_kv_cache_bytes")).isGreaterThan(0);
            }
            awaitFreed(s);
            // Cancelled, not finished: it did not run to its 4000 tokens.
            assertThat(s.metric("fangwusha_sequences_cancelled_total")).isEqualTo(1);
            assertThat(s.metric("fangwusha_sequences_finished_total")).isZero();
            assertThat(s.metric("fangwusha_generation_tokens_total")).isLessThan(4000);
            // The server still answers on other connections.
            assertThat(s.get("/health").statusCode()).isEqualTo(200);
        }
    }

    /** Waits (up to 30 s, polling) until no sequence runs, then checks that every KV cache was freed. */
    private static void awaitFreed(TestServer s) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (s.metric("fangwusha_running_sequences") != 0 && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(s.metric("fangwusha_running_sequences")).isZero();
        assertThat(s.metric("fangwusha_kv_cache_bytes")).isZero();
        assertThat(s.metric("fangwusha_kv_caches")).isZero();
    }
}
