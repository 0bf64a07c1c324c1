package io.fangwusha.core.generate;

import io.fangwusha.core.FangwushaException;
import java.util.List;

/**
 * What to generate and how. Temperature 0 means greedy. {@code topK <= 0}, {@code topP >= 1}, {@code minP <= 0},
 * {@code repetitionPenalty == 1} and zero presence/frequency penalties disable those steps.
 *
 * @param seed          null: a random seed; otherwise sampling is reproducible
 * @param stop          strings that end generation; the returned text stops before them (OpenAI semantics)
 * @param eosTokenIds   ids that end generation (from generation_config.json unless overridden)
 * @param topLogprobs   how many best {@code [id, logprob]} pairs to record per step (0: none)
 */
public record SamplingParams(
        double temperature,
        int topK,
        double topP,
        double minP,
        double repetitionPenalty,
        double presencePenalty,
        double frequencyPenalty,
        Long seed,
        int maxNewTokens,
        List<String> stop,
        List<Integer> eosTokenIds,
        int topLogprobs) {

    public SamplingParams {
        stop = stop == null ? List.of() : List.copyOf(stop);
        eosTokenIds = eosTokenIds == null ? List.of() : List.copyOf(eosTokenIds);
        check(temperature >= 0 && Double.isFinite(temperature), "temperature", temperature, "must be >= 0");
        check(topP > 0 && topP <= 1, "top_p", topP, "must be in (0, 1]");
        check(minP >= 0 && minP <= 1, "min_p", minP, "must be in [0, 1]");
        check(repetitionPenalty > 0 && Double.isFinite(repetitionPenalty), "repetition_penalty", repetitionPenalty, "must be > 0");
        check(Math.abs(presencePenalty) <= 2, "presence_penalty", presencePenalty, "must be in [-2, 2]");
        check(Math.abs(frequencyPenalty) <= 2, "frequency_penalty", frequencyPenalty, "must be in [-2, 2]");
        check(maxNewTokens >= 0, "max_new_tokens", maxNewTokens, "must be >= 0");
        check(topLogprobs >= 0 && topLogprobs <= 100, "top_logprobs", topLogprobs, "must be in [0, 100]");
        for (String s : stop) if (s.isEmpty()) throw new FangwushaException("stop: stop strings must not be empty");
    }

    private static void check(boolean ok, String field, double value, String rule) {
        if (!ok) throw new FangwushaException(field + ": " + rule + ", got " + value);
    }

    public boolean greedy() {
        return temperature == 0;
    }

    /** The checkpoint's defaults, as transformers' generate() would use them with no arguments. */
    public static SamplingParams from(GenerationDefaults d, int maxNewTokens) {
        double t = d.doSample() ? d.temperature() : 0;
        return new SamplingParams(t, d.topK(), d.topP(), d.minP(), d.repetitionPenalty(), 0, 0, null,
                maxNewTokens, List.of(), d.eosTokenIds(), 0);
    }

    public SamplingParams withTemperature(double v) {
        return new SamplingParams(v, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed, maxNewTokens, stop, eosTokenIds, topLogprobs);
    }

    public SamplingParams withTopK(int v) {
        return new SamplingParams(temperature, v, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed, maxNewTokens, stop, eosTokenIds, topLogprobs);
    }

    public SamplingParams withTopP(double v) {
        return new SamplingParams(temperature, topK, v, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed, maxNewTokens, stop, eosTokenIds, topLogprobs);
    }

    public SamplingParams withMinP(double v) {
        return new SamplingParams(temperature, topK, topP, v, repetitionPenalty, presencePenalty, frequencyPenalty, seed, maxNewTokens, stop, eosTokenIds, topLogprobs);
    }

    public SamplingParams withRepetitionPenalty(double v) {
        return new SamplingParams(temperature, topK, topP, minP, v, presencePenalty, frequencyPenalty, seed, maxNewTokens, stop, eosTokenIds, topLogprobs);
    }

    public SamplingParams withPenalties(double presence, double frequency) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presence, frequency, seed, maxNewTokens, stop, eosTokenIds, topLogprobs);
    }

    public SamplingParams withSeed(Long v) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, v, maxNewTokens, stop, eosTokenIds, topLogprobs);
    }

    public SamplingParams withMaxNewTokens(int v) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed, v, stop, eosTokenIds, topLogprobs);
    }

    public SamplingParams withStop(List<String> v) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed, maxNewTokens, v, eosTokenIds, topLogprobs);
    }

    public SamplingParams withEos(List<Integer> v) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed, maxNewTokens, stop, v, topLogprobs);
    }

    public SamplingParams withTopLogprobs(int v) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed, maxNewTokens, stop, eosTokenIds, v);
    }
}
