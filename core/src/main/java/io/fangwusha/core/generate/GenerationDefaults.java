package io.fangwusha.core.generate;

import java.util.List;

/**
 * Sampling defaults from {@code generation_config.json}, as transformers reads them. Missing fields take
 * transformers' own defaults (temperature 1, top_k 50, top_p 1, no repetition penalty); {@code doSample=false}
 * means greedy. eos may be a list in the file.
 */
public record GenerationDefaults(
        boolean doSample,
        double temperature,
        int topK,
        double topP,
        double minP,
        double repetitionPenalty,
        List<Integer> eosTokenIds,
        Integer maxNewTokens) {

    public static GenerationDefaults transformersDefaults(List<Integer> eos) {
        return new GenerationDefaults(false, 1.0, 50, 1.0, 0.0, 1.0, eos, null);
    }
}
