package io.fangwusha.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.testing.ReferenceCases;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The reference checks through the user's path: {@code fangwusha generate --json}. */
class GenerateCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<ReferenceCases> cases() {
        return ReferenceCases.greedyF32();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void greedyJsonMatchesReference(ReferenceCases c) throws Exception {
        CliRun r = CliRun.of("generate", "--model", c.modelDir().toString(), "--prompt", c.prompt(),
                "--max-new-tokens", "32", "--temperature", "0", "--top-logprobs", "20", "--json", "--threads", "2");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode o = JSON.readTree(r.out());
        assertThat(JSON.convertValue(o.get("prompt_ids"), int[].class)).containsExactly(c.promptIds());
        assertThat(JSON.convertValue(o.get("output_ids"), int[].class)).containsExactly(c.greedyIds());
        assertThat(o.get("finish_reason").asText()).isEqualTo("length");
        JsonNode steps = o.get("top_logprobs");
        assertThat(steps.size()).isEqualTo(32);
        for (int s = 0; s < 32; s++) {
            Map<Integer, Double> got = new HashMap<>();
            for (JsonNode pair : steps.get(s)) got.put(pair.get(0).asInt(), pair.get(1).asDouble());
            assertThat(steps.get(s)).hasSize(20);
            assertThat(steps.get(s).get(0).get(0).asInt()).isEqualTo(c.greedyIds()[s]);
            for (int j = 0; j < c.topIds().get(s).length; j++) {
                Double lp = got.get(c.topIds().get(s)[j]);
                if (lp == null) continue; // a tie at the 20th place may swap members
                assertThat(lp).isCloseTo(c.topLogits().get(s)[j] - c.logSumExp()[s], offset(1e-3));
            }
            // best first
            for (int j = 1; j < 20; j++) assertThat(steps.get(s).get(j).get(1).asDouble()).isLessThanOrEqualTo(steps.get(s).get(j - 1).get(1).asDouble());
        }
    }

    @Test
    void samplingWithASeedIsReproducibleAndStopsAtStopStrings() throws Exception {
        String dir = ReferenceCases.greedyF32().getFirst().modelDir().toString();
        String[] args = {"generate", "--model", dir, "--prompt", "你好", "--max-new-tokens", "24", "--temperature", "0.9",
                "--top-k", "40", "--top-p", "0.9", "--seed", "7", "--json"};
        JsonNode a = JSON.readTree(CliRun.of(args).out());
        JsonNode b = JSON.readTree(CliRun.of(args).out());
        assertThat(a.get("output_ids")).isEqualTo(b.get("output_ids"));
        args[args.length - 2] = "8";
        JsonNode other = JSON.readTree(CliRun.of(args).out());
        assertThat(other.get("output_ids")).isNotEqualTo(a.get("output_ids"));

        // a stop string taken from the middle of the first run's text ends the output just before it
        String text = a.get("text").asText();
        assertThat(text.length()).isGreaterThan(4);
        String stop = text.substring(text.length() / 2, text.length() / 2 + 2);
        JsonNode stopped = JSON.readTree(CliRun.of("generate", "--model", dir, "--prompt", "你好", "--max-new-tokens", "24",
                "--temperature", "0.9", "--top-k", "40", "--top-p", "0.9", "--seed", "7", "--stop", stop, "--json").out());
        assertThat(stopped.get("finish_reason").asText()).isEqualTo("stop");
        assertThat(stopped.get("text").asText()).isEqualTo(text.substring(0, text.indexOf(stop)));
    }

    @Test
    void chatWrapsThePromptInTheCheckpointsTemplate() throws Exception {
        JsonNode c = null;
        for (String line : java.nio.file.Files.readAllLines(io.fangwusha.core.Fixtures.fixtures().resolve("chat-template-cases.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.get("name").asText().equals("system_user_gen")) c = n;
        }
        assertThat(c).isNotNull();
        String dir = ReferenceCases.greedyF32().getFirst().modelDir().toString();
        CliRun r = CliRun.of("generate", "--model", dir, "--chat", "--system", c.get("messages").get(0).get("content").asText(),
                "--prompt", c.get("messages").get(1).get("content").asText(), "--max-new-tokens", "1", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(JSON.readTree(r.out()).get("prompt_ids")).isEqualTo(c.get("ids"));
    }

    @Test
    void streamsTextWithoutJson() {
        String dir = ReferenceCases.greedyF32().getFirst().modelDir().toString();
        ReferenceCases c = ReferenceCases.greedyF32().getFirst();
        CliRun r = CliRun.of("generate", "--model", dir, "--prompt", c.prompt(), "--max-new-tokens", "8", "--temperature", "0");
        assertThat(r.exitCode()).isZero();
        CliRun j = CliRun.of("generate", "--model", dir, "--prompt", c.prompt(), "--max-new-tokens", "8", "--temperature", "0", "--json");
        assertThat(r.out().stripTrailing()).isEqualTo(readText(j.out()).stripTrailing());
        assertThat(r.err()).contains("tok/s");
    }

    private static String readText(String json) {
        try {
            return JSON.readTree(json).get("text").asText();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
