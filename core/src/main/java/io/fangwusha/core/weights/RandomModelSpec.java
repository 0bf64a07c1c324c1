package io.fangwusha.core.weights;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.model.Qwen3Config;

import java.util.List;

/**
 * The shape, storage type and initialisation scheme of a randomly initialised Qwen3 model. Presets mirror the real
 * Qwen3 configs (and the shared tiny fixture A); {@link #with} applies command-line overrides.
 */
public record RandomModelSpec(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        boolean tieWordEmbeddings,
        int maxPositionEmbeddings,
        double ropeTheta,
        double rmsNormEps,
        DType dtype,
        Init init) {

    /** Qwen3's special tokens: <|endoftext|> (bos, pad) and <|im_end|>. */
    public static final int BOS = 151643;
    public static final int EOS = 151645;

    /**
     * How values are drawn. {@code HF}: every matrix N(0, 0.02²)-like (initializer_range), norms exactly 1,
     * biases 0, like a freshly constructed transformers model. {@code SCALED}: the default scheme of
     * {@code shared/tools/make_random_qwen3.py} (Linear std 1/sqrt(fan_in), embedding std 0.02, norms 1 ± 0.05,
     * final norm 16 ± 0.8), which yields well separated greedy logits; with seed 1 the tiny preset reproduces the
     * shared fixture tiny-qwen3-a bit for bit.
     */
    public enum Init { HF, SCALED }

    public static final List<String> PRESETS = List.of("tiny", "qwen3-0.6b", "qwen3-4b");

    public static RandomModelSpec preset(String name) {
        return switch (name) {
            case "tiny" -> new RandomModelSpec(151936, 64, 192, 2, 4, 2, 16, true, 40960, 1e6, 1e-6, DType.BF16, Init.HF);
            case "qwen3-0.6b" ->
                    new RandomModelSpec(151936, 1024, 3072, 28, 16, 8, 128, true, 40960, 1e6, 1e-6, DType.BF16, Init.HF);
            case "qwen3-4b" ->
                    new RandomModelSpec(151936, 2560, 9728, 36, 32, 8, 128, true, 40960, 1e6, 1e-6, DType.BF16, Init.HF);
            default -> throw new FangwushaException("--preset: unknown preset '" + name + "' (one of " + PRESETS + ")");
        };
    }

    /** Optional overrides; null leaves the preset's value. */
    public record Overrides(Integer layers, Integer hidden, Integer heads, Integer kvHeads, Integer headDim,
                            Integer intermediate, Integer vocab, Boolean tie, DType dtype, Init init) {
        public static Overrides none() {
            return new Overrides(null, null, null, null, null, null, null, null, null, null);
        }
    }

    public RandomModelSpec with(Overrides o) {
        return new RandomModelSpec(
                o.vocab() != null ? o.vocab() : vocabSize,
                o.hidden() != null ? o.hidden() : hiddenSize,
                o.intermediate() != null ? o.intermediate() : intermediateSize,
                o.layers() != null ? o.layers() : numLayers,
                o.heads() != null ? o.heads() : numHeads,
                o.kvHeads() != null ? o.kvHeads() : numKvHeads,
                o.headDim() != null ? o.headDim() : headDim,
                o.tie() != null ? o.tie() : tieWordEmbeddings,
                maxPositionEmbeddings, ropeTheta, rmsNormEps,
                o.dtype() != null ? o.dtype() : dtype,
                o.init() != null ? o.init() : init).validated();
    }

    /** Checks every field, naming the command-line flag at fault. */
    public RandomModelSpec validated() {
        positive("--vocab", vocabSize);
        positive("--hidden", hiddenSize);
        positive("--intermediate", intermediateSize);
        positive("--layers", numLayers);
        positive("--heads", numHeads);
        positive("--kv-heads", numKvHeads);
        positive("--head-dim", headDim);
        if (numHeads % numKvHeads != 0) {
            throw new FangwushaException("--heads " + numHeads + " is not a multiple of --kv-heads " + numKvHeads);
        }
        if (dtype != DType.BF16 && dtype != DType.F16 && dtype != DType.F32) {
            throw new FangwushaException("--dtype: " + dtype + " is not one of bf16, f16, f32");
        }
        return this;
    }

    private static void positive(String flag, int v) {
        if (v <= 0) throw new FangwushaException(flag + " must be positive, got " + v);
    }

    /** The config this model will have (and that HfCheckpoint will read back from its config.json). */
    public Qwen3Config config() {
        return new Qwen3Config(vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                rmsNormEps, ropeTheta, maxPositionEmbeddings, tieWordEmbeddings, false, BOS, List.of(EOS),
                torchDtype(dtype));
    }

    public static String torchDtype(DType d) {
        return switch (d) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            case F32 -> "float32";
            default -> throw new IllegalArgumentException(d.toString());
        };
    }

    /** Parses --dtype (bf16, f16, f32; case-insensitive). */
    public static DType parseDtype(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "bf16", "bfloat16" -> DType.BF16;
            case "f16", "fp16", "float16" -> DType.F16;
            case "f32", "fp32", "float32" -> DType.F32;
            default -> throw new FangwushaException("--dtype: '" + s + "' is not one of bf16, f16, f32");
        };
    }
}
