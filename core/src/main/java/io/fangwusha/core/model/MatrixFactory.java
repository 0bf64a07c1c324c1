package io.fangwusha.core.model;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.gguf.QuantizedMatrix;
import io.fangwusha.core.kernels.DenseMatrix;
import io.fangwusha.core.kernels.MatrixWeights;
import io.fangwusha.core.kernels.quant.QuantizedWeights;
import io.fangwusha.core.weights.DType;
import java.lang.foreign.Arena;
import java.util.Locale;

/** Chooses the kernel for a stored weight matrix (and may re-quantise it on load, e.g. {@code --quant q8_0}). */
@FunctionalInterface
public interface MatrixFactory {
    MatrixWeights create(io.fangwusha.core.weights.Tensor tensor);

    /** The kernel for the type the tensor is stored in, repacking Q4_0 and Q8_0 ({@link #stored}). */
    MatrixFactory STORED = stored(true);

    /**
     * The kernel for the type the tensor is stored in. It reads the mapped bytes in place, except Q4_0 and Q8_0
     * matrices with {@code repack}, which it copies into its decode kernels' layout.
     */
    static MatrixFactory stored(boolean repack) {
        return t -> t.dtype().quantized() ? QuantizedWeights.of(t, repack) : DenseMatrix.of(t);
    }

    /**
     * Float matrices re-encoded as {@code quant} ("q8_0" or "q4_0", ggml's reference quantisers); already-quantised
     * ones are kept. Null means {@link #stored}. Each re-encoded matrix lives in its own automatic arena: a kernel
     * that repacks it drops the quantiser's copy, which the collector then frees.
     */
    static MatrixFactory requantizing(String quant, boolean repack) {
        MatrixFactory stored = stored(repack);
        if (quant == null) return stored;
        DType target = switch (quant.toLowerCase(Locale.ROOT)) {
            case "q8_0" -> DType.Q8_0;
            case "q4_0" -> DType.Q4_0;
            default -> throw new FangwushaException("--quant: unknown type '" + quant + "' (expected q8_0 or q4_0)");
        };
        return t -> stored.create(t.dtype().quantized() ? t : QuantizedMatrix.quantize(t, target, Arena.ofAuto()));
    }
}
