package io.fangwusha.core.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.Fixtures;
import io.fangwusha.core.generate.Scorer;
import io.fangwusha.core.kernels.ThreadPool;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TmpPplTest {
    @Test
    void ppl() throws Exception {
        var r = new ObjectMapper().readTree(Fixtures.fixtures().resolve("reference/perplexity-a.json").toFile());
        int[] ids = new ObjectMapper().convertValue(r.get("ids"), int[].class);
        var dir = Fixtures.model("tiny-qwen3-a");
        var model = Qwen3Model.load(TmpLoader.config(dir), TmpLoader.store(dir), MatrixFactory.DENSE, new ThreadPool(2));
        int n = ids.length, prevEnd = 0; double total = 0; long scored = 0;
        for (int begin = 0; begin < n; begin += 32) {
            int end = Math.min(begin + 64, n); int from = Math.max(prevEnd, begin + 1);
            for (double v : Scorer.nll(model, Arrays.copyOfRange(ids, begin, end), from - begin)) { total += v; scored++; }
            prevEnd = end; if (end == n) break;
        }
        System.out.println("scored=" + scored + " mean=" + total / scored + " ref=" + r.get("mean_nll") + " rel=" + Math.abs(total/scored - r.get("mean_nll").asDouble())/r.get("mean_nll").asDouble());
    }
}
