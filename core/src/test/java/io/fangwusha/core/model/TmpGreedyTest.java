package io.fangwusha.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.Fixtures;
import io.fangwusha.core.kernels.ThreadPool;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class TmpGreedyTest {
    @Test
    void greedy() throws Exception {
        ObjectMapper om = new ObjectMapper();
        for (String line : Files.readAllLines(Fixtures.fixtures().resolve("reference/greedy-f32.jsonl"))) {
            JsonNode r = om.readTree(line);
            String name = r.get("model").asText().equals("A") ? "tiny-qwen3-a" : "tiny-qwen3-b";
            var dir = Fixtures.model(name);
            var cfg = TmpLoader.config(dir);
            var model = Qwen3Model.load(cfg, TmpLoader.store(dir), MatrixFactory.DENSE, new ThreadPool(2));
            int[] prompt = om.convertValue(r.get("prompt_ids"), int[].class);
            KvCache cache = model.newCache(prompt.length + 40);
            int[] pos = new int[prompt.length]; KvCache[] cs = new KvCache[prompt.length];
            for (int i = 0; i < pos.length; i++) { pos[i] = i; cs[i] = cache; }
            float[] logits = model.forward(prompt, pos, cs, new int[]{prompt.length - 1});
            double maxErr = 0; int mism = 0;
            for (int step = 0; step < 32; step++) {
                int best = 0; for (int j = 1; j < logits.length; j++) if (logits[j] > logits[best]) best = j;
                for (JsonNode pair : r.get("top_logits").get(step)) maxErr = Math.max(maxErr, Math.abs(logits[pair.get(0).asInt()] - pair.get(1).asDouble()));
                int expect = r.get("greedy_ids").get(step).asInt();
                if (best != expect) mism++;
                logits = model.forward(new int[]{expect}, new int[]{prompt.length + step}, new KvCache[]{cache}, new int[]{0});
            }
            System.out.println(r.get("model").asText() + " " + r.get("id").asText() + " mism=" + mism + " maxErr=" + maxErr);
        }
    }
}
