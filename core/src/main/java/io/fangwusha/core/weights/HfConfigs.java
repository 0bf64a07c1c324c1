package io.fangwusha.core.weights;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.generate.GenerationDefaults;
import io.fangwusha.core.model.Qwen3Config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code config.json} and {@code generation_config.json} as transformers does for Qwen3, naming the field
 * at fault on any problem. Absent optional fields take the defaults of transformers' {@code Qwen3Config} and
 * {@code GenerationConfig} classes; an explicit {@code null} counts as absent.
 */
public final class HfConfigs {
    public static final String CONFIG = "config.json";
    public static final String GENERATION_CONFIG = "generation_config.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private HfConfigs() {}

    public static Qwen3Config readConfig(Path file) {
        return parseConfig(read(file, CONFIG));
    }

    /** Parses a config.json tree (file name {@value #CONFIG} in messages). */
    public static Qwen3Config parseConfig(JsonNode root) {
        Fields f = new Fields(CONFIG, root);
        String modelType = f.string("model_type", null);
        if (modelType == null) throw new FangwushaException(CONFIG + ": missing field 'model_type'");
        if (!modelType.equals("qwen3")) {
            throw new FangwushaException(CONFIG + ": model_type '" + modelType + "' is not supported (only qwen3)");
        }
        if (!f.isNullOrAbsent("rope_scaling")) {
            throw new FangwushaException(CONFIG + ": rope_scaling " + root.get("rope_scaling")
                    + " is not supported (only plain RoPE)");
        }
        if (f.bool("use_sliding_window", false)) {
            throw new FangwushaException(CONFIG + ": use_sliding_window true is not supported");
        }
        String act = f.string("hidden_act", "silu");
        if (!act.equals("silu")) throw new FangwushaException(CONFIG + ": hidden_act '" + act + "' is not supported (only silu)");

        int vocab = f.positiveInt("vocab_size", null);
        int hidden = f.positiveInt("hidden_size", null);
        int intermediate = f.positiveInt("intermediate_size", null);
        int layers = f.positiveInt("num_hidden_layers", null);
        int heads = f.positiveInt("num_attention_heads", null);
        // transformers' Qwen3Config defaults num_key_value_heads to 32, which silently breaks any small model: require it.
        int kvHeads = f.positiveInt("num_key_value_heads", null);
        // transformers' Qwen3Config default is head_dim=128 (not hidden/heads as in Qwen2); real configs always state it.
        int headDim = f.positiveInt("head_dim", 128);
        if (heads % kvHeads != 0) {
            throw new FangwushaException(CONFIG + ": num_attention_heads " + heads
                    + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        double theta = f.positiveNumber("rope_theta", 10000.0);
        JsonNode ropeParams = root.get("rope_parameters"); // transformers 5 moves rope_theta here
        if (ropeParams != null && !ropeParams.isNull()) {
            Fields rp = new Fields(CONFIG + " rope_parameters", ropeParams);
            String type = rp.string("rope_type", "default");
            if (!type.equals("default")) {
                throw new FangwushaException(CONFIG + ": rope_parameters.rope_type '" + type + "' is not supported");
            }
            theta = rp.positiveNumber("rope_theta", theta);
        }
        double eps = f.positiveNumber("rms_norm_eps", 1e-6);
        int maxPos = f.positiveInt("max_position_embeddings", 32768);
        boolean tie = f.bool("tie_word_embeddings", false);
        boolean bias = f.bool("attention_bias", false);
        Integer bos = f.nonNegativeInt("bos_token_id", null);
        List<Integer> eos = f.tokenIds("eos_token_id", List.of());
        String dtype = f.string("torch_dtype", null);
        if (dtype == null) dtype = f.string("dtype", null); // transformers >= 4.56 writes "dtype"
        return new Qwen3Config(vocab, hidden, intermediate, layers, heads, kvHeads, headDim, eps, theta, maxPos, tie,
                bias, bos == null ? -1 : bos, eos, dtype);
    }

    /** generation_config.json when present, else transformers' defaults with the config's eos ids. */
    public static GenerationDefaults readGeneration(Path file, List<Integer> configEos) {
        if (!Files.isRegularFile(file)) return GenerationDefaults.transformersDefaults(configEos);
        return parseGeneration(read(file, GENERATION_CONFIG), configEos);
    }

    public static GenerationDefaults parseGeneration(JsonNode root, List<Integer> configEos) {
        Fields f = new Fields(GENERATION_CONFIG, root);
        GenerationDefaults d = GenerationDefaults.transformersDefaults(configEos);
        double temperature = f.nonNegativeNumber("temperature", d.temperature());
        double topP = f.nonNegativeNumber("top_p", d.topP());
        double minP = f.nonNegativeNumber("min_p", d.minP());
        if (topP > 1) throw new FangwushaException(GENERATION_CONFIG + ": top_p " + topP + " is above 1");
        if (minP > 1) throw new FangwushaException(GENERATION_CONFIG + ": min_p " + minP + " is above 1");
        return new GenerationDefaults(
                f.bool("do_sample", d.doSample()),
                temperature,
                f.nonNegativeInt("top_k", d.topK()),
                topP,
                minP,
                f.positiveNumber("repetition_penalty", d.repetitionPenalty()),
                f.tokenIds("eos_token_id", configEos),
                f.positiveIntOrNull("max_new_tokens"));
    }

    static JsonNode read(Path file, String label) {
        try {
            JsonNode root = JSON.readTree(file.toFile());
            if (root == null || !root.isObject()) throw new FangwushaException(label + ": not a JSON object");
            return root;
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            String msg = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().lines().findFirst().orElse("");
            throw new FangwushaException(label + ": malformed JSON" + where + ": " + msg);
        } catch (NoSuchFileException e) {
            throw new FangwushaException(file + ": file not found");
        } catch (IOException e) {
            if (!Files.exists(file)) throw new FangwushaException(file + ": file not found");
            throw new FangwushaException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Typed field access with one-line errors: {@code config.json: field 'x' must be ..., got ...}. */
    private record Fields(String file, JsonNode root) {
        boolean isNullOrAbsent(String name) {
            JsonNode v = root.get(name);
            return v == null || v.isNull();
        }

        private JsonNode get(String name, boolean required) {
            JsonNode v = root.get(name);
            if (v == null || v.isNull()) {
                if (required) throw new FangwushaException(file + ": missing field '" + name + "'");
                return null;
            }
            return v;
        }

        private FangwushaException wrong(String name, String what, JsonNode v) {
            return new FangwushaException(file + ": field '" + name + "' must be " + what + ", got " + v);
        }

        int positiveInt(String name, Integer dflt) {
            int v = intValue(name, dflt);
            JsonNode n = root.get(name);
            if (v <= 0) throw wrong(name, "a positive integer", n);
            return v;
        }

        Integer positiveIntOrNull(String name) {
            if (get(name, false) == null) return null;
            return positiveInt(name, null);
        }

        Integer nonNegativeInt(String name, Integer dflt) {
            JsonNode n = get(name, false);
            if (n == null && dflt == null) return null;
            int v = intValue(name, dflt);
            if (v < 0) throw wrong(name, "a non-negative integer", n);
            return v;
        }

        private int intValue(String name, Integer dflt) {
            JsonNode v = get(name, dflt == null);
            if (v == null) return dflt;
            if (!v.isIntegralNumber() || !v.canConvertToInt()) throw wrong(name, "an integer", v);
            return v.intValue();
        }

        double positiveNumber(String name, double dflt) {
            double v = number(name, dflt);
            if (!(v > 0)) throw wrong(name, "a positive number", root.get(name));
            return v;
        }

        double nonNegativeNumber(String name, double dflt) {
            double v = number(name, dflt);
            if (!(v >= 0)) throw wrong(name, "a non-negative number", root.get(name));
            return v;
        }

        private double number(String name, double dflt) {
            JsonNode v = get(name, false);
            if (v == null) return dflt;
            if (!v.isNumber()) throw wrong(name, "a number", v);
            double d = v.doubleValue();
            if (!Double.isFinite(d)) throw wrong(name, "a finite number", v);
            return d;
        }

        boolean bool(String name, boolean dflt) {
            JsonNode v = get(name, false);
            if (v == null) return dflt;
            if (!v.isBoolean()) throw wrong(name, "true or false", v);
            return v.booleanValue();
        }

        String string(String name, String dflt) {
            JsonNode v = get(name, false);
            if (v == null) return dflt;
            if (!v.isTextual()) throw wrong(name, "a string", v);
            return v.textValue();
        }

        /** An id or a list of ids (both forms occur for eos_token_id). */
        List<Integer> tokenIds(String name, List<Integer> dflt) {
            JsonNode v = get(name, false);
            if (v == null) return dflt;
            List<Integer> out = new ArrayList<>();
            if (v.isArray()) {
                for (JsonNode e : v) out.add(tokenId(name, v, e));
            } else {
                out.add(tokenId(name, v, v));
            }
            return List.copyOf(out);
        }

        private int tokenId(String name, JsonNode whole, JsonNode e) {
            if (!e.isIntegralNumber() || !e.canConvertToInt() || e.intValue() < 0) {
                throw wrong(name, "a token id or a list of token ids", whole);
            }
            return e.intValue();
        }
    }
}
