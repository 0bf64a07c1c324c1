package io.fangwusha.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.testing.ReferenceCases;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@code --kv-type} through the commands that load a model. */
class KvTypeCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void generateWithABf16CacheFollowsTheReference() throws Exception {
        ReferenceCases c = ReferenceCases.greedyF32().getFirst();
        CliRun r = CliRun.of("generate", "--model", c.modelDir().toString(), "--prompt", c.prompt(), "--max-new-tokens", "12",
                "--temperature", "0", "--json", "--threads", "2", "--kv-type", "BF16");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode o = JSON.readTree(r.out());
        assertThat(JSON.convertValue(o.get("output_ids"), int[].class)).containsExactly(Arrays.copyOf(c.greedyIds(), 12));
    }

    @Test
    void unknownKvTypeIsOneLineAndExitCode2() {
        String dir = ReferenceCases.greedyF32().getFirst().modelDir().toString();
        CliRun r = CliRun.of("generate", "--model", dir, "--prompt", "hi", "--max-new-tokens", "2", "--kv-type", "q4");
        assertThat(r.exitCode()).isEqualTo(2);
        String err = r.err().strip();
        assertThat(err.lines().count()).as(err).isEqualTo(1);
        assertThat(err).contains("--kv-type").contains("q4").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void benchJsonNamesTheKvTypeAndKeepsItsFields() throws Exception {
        String dir = ReferenceCases.greedyF32().getFirst().modelDir().toString();
        CliRun r = CliRun.of("bench", "--model", dir, "--prompt-tokens", "8", "--gen-tokens", "4", "--repetitions", "1",
                "--threads", "2", "--json", "--kv-type", "f16");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("kv_type").asText()).isEqualTo("f16");
        for (String field : new String[] {"model", "weight_type", "threads", "pp", "tg", "load_seconds", "peak_rss_bytes"}) {
            assertThat(o.has(field)).as(field).isTrue();
        }
        assertThat(o.get("warmup_runs").asInt()).isBetween(1, 8); // until a run compiles nothing, at most 8
        CliRun text = CliRun.of("bench", "--model", dir, "--prompt-tokens", "8", "--gen-tokens", "4", "--repetitions", "1",
                "--threads", "2");
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).contains("kv f32");
    }
}
