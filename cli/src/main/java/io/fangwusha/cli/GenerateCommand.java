package io.fangwusha.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fangwusha.core.LanguageModel;
import io.fangwusha.core.generate.GenerationResult;
import io.fangwusha.core.generate.SamplingParams;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code generate}: continues a prompt. Sampling defaults come from generation_config.json (as transformers'
 * generate() uses them); every flag overrides its field. Temperature 0 means greedy.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Continue a prompt, streaming the text.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = "--prompt", required = true, description = "Prompt text; special tokens such as <|im_start|> in it are recognised.")
    String prompt;

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Tokens to generate at most (default: generation_config's max_new_tokens, else 256).")
    Integer maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", description = "0 = greedy.")
    Double temperature;

    @Option(names = "--top-k", paramLabel = "K")
    Integer topK;

    @Option(names = "--top-p", paramLabel = "P")
    Double topP;

    @Option(names = "--min-p", paramLabel = "P")
    Double minP;

    @Option(names = "--repetition-penalty", paramLabel = "R")
    Double repetitionPenalty;

    @Option(names = "--presence-penalty", paramLabel = "P", defaultValue = "0")
    double presencePenalty;

    @Option(names = "--frequency-penalty", paramLabel = "P", defaultValue = "0")
    double frequencyPenalty;

    @Option(names = "--seed", paramLabel = "S", description = "Makes sampling reproducible.")
    Long seed;

    @Option(names = "--stop", paramLabel = "STR", description = "Stop before this string (repeatable).")
    List<String> stop = new ArrayList<>();

    @Option(names = "--top-logprobs", paramLabel = "K", defaultValue = "0", description = "With --json: the K best [id, logprob] per step.")
    int topLogprobs;

    @Option(names = "--json", description = "Print one JSON object instead of streaming text.")
    boolean json;

    @Option(names = "--chat", description = "Wrap the prompt as a user message in the checkpoint's chat template.")
    boolean chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "With --chat: a system message.")
    String system;

    @Option(names = "--no-think", description = "With --chat: enable_thinking=false (Qwen3 answers without reasoning).")
    boolean noThink;

    @Override
    public Integer call() throws Exception {
        try (LanguageModel lm = modelOptions.load()) {
            int[] promptIds = lm.encode(chat ? renderChat(lm) : prompt);
            SamplingParams params = sampling(lm);
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            GenerationResult r = lm.generate(promptIds, params, json ? null : (id, text) -> {
                out.print(text);
                out.flush();
                return true;
            });
            if (json) {
                out.println(toJson(r));
            } else {
                out.println();
                double secs = r.decodeNanos() / 1e9;
                int decoded = Math.max(0, r.outputIds().length - 1);
                System.err.printf("[prompt %d tokens in %.2f s, %d tokens at %.2f tok/s, finish: %s]%n", promptIds.length,
                        r.prefillNanos() / 1e9, r.outputIds().length, secs > 0 ? decoded / secs : 0.0, r.finishReason().openAiName);
            }
        }
        return 0;
    }

    private String renderChat(LanguageModel lm) {
        List<Map<String, Object>> messages = new ArrayList<>();
        if (system != null) messages.add(Map.of("role", "system", "content", system));
        messages.add(Map.of("role", "user", "content", prompt));
        return lm.chatTemplate().render(messages, null, true, Map.of("enable_thinking", !noThink));
    }

    SamplingParams sampling(LanguageModel lm) {
        Integer fromConfig = lm.generationDefaults().maxNewTokens();
        int max = maxNewTokens != null ? maxNewTokens : fromConfig != null ? fromConfig : 256;
        SamplingParams p = lm.defaultSampling(max);
        // An explicit temperature > 0 asks for sampling even if generation_config says do_sample=false.
        if (temperature != null) p = p.withTemperature(temperature);
        if (topK != null) p = p.withTopK(topK);
        if (topP != null) p = p.withTopP(topP);
        if (minP != null) p = p.withMinP(minP);
        if (repetitionPenalty != null) p = p.withRepetitionPenalty(repetitionPenalty);
        return p.withPenalties(presencePenalty, frequencyPenalty).withSeed(seed).withStop(stop).withTopLogprobs(topLogprobs);
    }

    static String toJson(GenerationResult r) {
        ObjectMapper om = new ObjectMapper();
        ObjectNode o = om.createObjectNode();
        ArrayNode p = o.putArray("prompt_ids");
        for (int id : r.promptIds()) p.add(id);
        ArrayNode g = o.putArray("output_ids");
        for (int id : r.outputIds()) g.add(id);
        o.put("text", r.text());
        o.put("finish_reason", r.finishReason().openAiName);
        if (!r.topLogprobs().isEmpty()) {
            ArrayNode steps = o.putArray("top_logprobs");
            for (GenerationResult.TopLogprobs t : r.topLogprobs()) {
                ArrayNode step = steps.addArray();
                for (int j = 0; j < t.ids().length; j++) step.addArray().add(t.ids()[j]).add(t.logprobs()[j]);
            }
        }
        o.put("prompt_seconds", r.prefillNanos() / 1e9);
        o.put("decode_seconds", r.decodeNanos() / 1e9);
        return o.toString();
    }
}
