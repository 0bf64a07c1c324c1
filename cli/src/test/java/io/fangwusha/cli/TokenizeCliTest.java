package io.fangwusha.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizeCliTest {
    private final ObjectMapper om = new ObjectMapper();

    @Test
    void jsonlInputGivesOneIdsLinePerCaseMatchingHuggingFace(@TempDir Path tmp) throws Exception {
        List<String> in = new ArrayList<>();
        List<JsonNode> cases = new ArrayList<>();
        for (String line : Files.readAllLines(Fixtures.fixtures().resolve("tokenizer-cases.jsonl"))) {
            JsonNode c = om.readTree(line);
            cases.add(c);
            in.add(om.createObjectNode().put("text", c.get("text").asText()).toString());
        }
        Path file = tmp.resolve("in.jsonl");
        Files.write(file, in);
        CliRun r = CliRun.of("tokenize", "--model", Fixtures.model("tiny-qwen3-a").toString(), "--input", file.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        String[] lines = r.out().split("\n");
        assertThat(lines).hasSize(cases.size());
        for (int i = 0; i < lines.length; i++) {
            assertThat(om.readTree(lines[i]).get("ids")).as(cases.get(i).get("id").asText()).isEqualTo(cases.get(i).get("ids"));
        }
    }

    @Test
    void noSpecialTreatsAddedTokensAsText() throws Exception {
        String dir = Fixtures.model("tiny-qwen3-a").toString();
        JsonNode special = om.readTree(CliRun.of("tokenize", "--model", dir, "--text", "<|im_start|>user").out()).get("ids");
        JsonNode plain = om.readTree(CliRun.of("tokenize", "--model", dir, "--text", "<|im_start|>user", "--no-special").out()).get("ids");
        assertThat(special.get(0).asInt()).isEqualTo(151644);
        assertThat(plain.size()).isGreaterThan(special.size());
        assertThat(plain.toString()).doesNotContain("151644");
    }
}
