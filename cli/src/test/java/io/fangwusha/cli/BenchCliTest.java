package io.fangwusha.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.testing.ReferenceCases;
import org.junit.jupiter.api.Test;

/** {@code bench}: llama-bench's separate pp and tg tests, {@code --depth}, and its argument errors. */
class BenchCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DIR = ReferenceCases.greedyF32().getFirst().modelDir().toString();

    @Test
    void measuresAtADepthAndEachTestAlone() throws Exception {
        CliRun r = CliRun.of("bench", "--model", DIR, "--prompt-tokens", "6", "--gen-tokens", "3", "--depth", "5",
                "--repetitions", "2", "--threads", "2", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("pp").get("tokens").asInt()).isEqualTo(6);
        assertThat(o.get("tg").get("tokens").asInt()).isEqualTo(3);
        assertThat(o.get("pp").get("mean").asDouble()).isPositive();
        assertThat(o.get("tg").get("mean").asDouble()).isPositive();
        // tg alone, as llama-bench -p 0 -n 3: no prompt test, a rate of 0 for it
        CliRun tgOnly = CliRun.of("bench", "--model", DIR, "--prompt-tokens", "0", "--gen-tokens", "3", "--repetitions", "1",
                "--threads", "2", "--json");
        assertThat(tgOnly.exitCode()).as(tgOnly.err()).isZero();
        JsonNode t = JSON.readTree(tgOnly.out());
        assertThat(t.get("pp").get("mean").asDouble()).isZero();
        assertThat(t.get("tg").get("mean").asDouble()).isPositive();
    }

    @Test
    void badCountsAreOneLineErrorsNamingTheOption() {
        String[][] cases = {
            {"--gen-tokens", "-1"}, {"--prompt-tokens", "-2"}, {"--depth", "-1"}, {"--repetitions", "0"}, {"--depth", "100000000"},
        };
        for (String[] c : cases) {
            CliRun r = CliRun.of("bench", "--model", DIR, "--threads", "2", c[0], c[1]);
            assertThat(r.exitCode()).as("%s %s: %s", c[0], c[1], r.err()).isEqualTo(2);
            String err = r.err().strip();
            assertThat(err.lines().count()).as(err).isEqualTo(1);
            assertThat(err).contains(c[0]).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }
}
