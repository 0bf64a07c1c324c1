package io.fangwusha.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.Fixtures;
import org.junit.jupiter.api.Test;

class PerplexityCliTest {
    @Test
    void matchesTransformersStridedPerplexity() throws Exception {
        ObjectMapper om = new ObjectMapper();
        JsonNode ref = om.readTree(Fixtures.fixtures().resolve("reference/perplexity-a.json").toFile());
        CliRun r = CliRun.of("perplexity", "--model", Fixtures.fixtures().resolve(ref.get("model_dir").asText()).toString(),
                "--file", Fixtures.fixtures().resolve(ref.get("file").asText()).toString(),
                "--context", ref.get("context").asText(), "--stride", ref.get("stride").asText(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode got = om.readTree(r.out());
        assertThat(got.get("tokens").asLong()).isEqualTo(ref.get("tokens_scored").asLong());
        double want = ref.get("mean_nll").asDouble();
        assertThat(Math.abs(got.get("mean_nll").asDouble() - want) / want).isLessThan(1e-5);
        assertThat(got.get("perplexity").asDouble()).isCloseTo(Math.exp(got.get("mean_nll").asDouble()), org.assertj.core.data.Percentage.withPercentage(1e-9));
    }
}
