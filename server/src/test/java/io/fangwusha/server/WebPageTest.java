package io.fangwusha.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The chat page in headless Chromium: type a message, watch the answer stream in, start a new chat. */
class WebPageTest {
    @Test
    void typeAMessageAndSeeAStreamedAnswer() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Cdp.CHROMIUM),
                "skipped: " + Cdp.CHROMIUM + " is absent (install Debian's chromium package to run the browser test)");
        try (TestServer s = TestServer.start(); Cdp browser = new Cdp()) {
            browser.call("Page.navigate", Map.of("url", s.uri("/").toString()));
            browser.await("document.readyState === 'complete' && document.getElementById('model').textContent === '" + TestServer.MODEL + "'", 30);

            // Greedy, short, thinking on; count how often the answer's text changes while it streams.
            browser.eval("""
                    (() => {
                      localStorage.clear();
                      document.getElementById('temperature').value = '0';
                      document.getElementById('max-tokens').value = '24';
                      window.__updates = 0;
                      new MutationObserver(() => window.__updates++).observe(document.getElementById('messages'),
                          { subtree: true, childList: true, characterData: true });
                      const input = document.getElementById('input');
                      input.value = '你好，长城有多长？';
                      input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
                      return true;
                    })()""");
            JsonNode done = browser.await("""
                    (() => {
                      const d = document.querySelector('.msg.assistant[data-done="true"]');
                      return d ? { text: d.querySelector('.content').textContent, stats: d.querySelector('.stats').textContent,
                                   updates: window.__updates, user: document.querySelector('.msg.user').textContent } : null;
                    })()""", 60);
            assertThat(done.get("user").asText()).isEqualTo("你好，长城有多长？");
            assertThat(done.get("text").asText()).isNotEmpty();
            assertThat(done.get("stats").asText()).contains("tokens").contains("length");
            assertThat(done.get("updates").asInt()).as("DOM updates while streaming").isGreaterThan(5);

            // The page shows exactly what the API answers for the same request.
            String body = "{\"model\":\"" + TestServer.MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"你好，长城有多长？\"}],"
                    + "\"temperature\":0,\"max_tokens\":24,\"chat_template_kwargs\":{\"enable_thinking\":true}}";
            JsonNode api = new ObjectMapper().readTree(s.post("/v1/chat/completions", body).body());
            assertThat(done.get("text").asText()).isEqualTo(api.get("choices").get(0).get("message").get("content").asText());

            browser.eval("document.getElementById('new-chat').click()");
            assertThat(browser.eval("document.querySelectorAll('.msg').length").asInt()).isZero();
        }
    }
}
