package io.fangwusha.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The llama.cpp / NumPy reference generations in {@code ../shared/fixtures/reference/greedy-f32.jsonl}. */
public record ReferenceCases(String model, String id, String prompt, int[] promptIds, int[] greedyIds,
                             List<int[]> topIds, List<float[]> topLogits, float[] logSumExp) {

    public Path modelDir() {
        return Fixtures.model(model.equals("A") ? "tiny-qwen3-a" : "tiny-qwen3-b");
    }

    public Path step0Logits() {
        return Fixtures.fixtures().resolve("reference/logits-step0/" + model + "_" + id + "_step0.npy");
    }

    @Override
    public String toString() {
        return model + "/" + id;
    }

    public static List<ReferenceCases> greedyF32() {
        return read(Fixtures.fixtures().resolve("reference/greedy-f32.jsonl"));
    }

    public static List<ReferenceCases> read(Path file) {
        ObjectMapper om = new ObjectMapper();
        List<ReferenceCases> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank()) continue;
                JsonNode r = om.readTree(line);
                List<int[]> ids = new ArrayList<>();
                List<float[]> vals = new ArrayList<>();
                for (JsonNode step : r.get("top_logits")) {
                    int[] i = new int[step.size()];
                    float[] v = new float[step.size()];
                    for (int j = 0; j < step.size(); j++) {
                        i[j] = step.get(j).get(0).asInt();
                        v[j] = (float) step.get(j).get(1).asDouble();
                    }
                    ids.add(i);
                    vals.add(v);
                }
                float[] lse = r.has("logit_stats") ? new float[r.get("logit_stats").size()] : null;
                if (lse != null) {
                    for (int j = 0; j < lse.length; j++) {
                        JsonNode s = r.get("logit_stats").get(j);
                        lse[j] = (float) (s.isNumber() ? s.asDouble() : s.get("logsumexp").asDouble());
                    }
                }
                out.add(new ReferenceCases(r.get("model").asText(), r.get("id").asText(), r.get("prompt").asText(),
                        om.convertValue(r.get("prompt_ids"), int[].class), om.convertValue(r.get("greedy_ids"), int[].class),
                        ids, vals, lse));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
