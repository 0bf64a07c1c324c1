package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.kernels.MatrixWeights;
import io.fangwusha.core.weights.Tensor;

/** Factory of the {@link MatrixWeights} kernels for ggml block-quantised tensors. */
public final class QuantizedWeights {
    private QuantizedWeights() {}

    /**
     * The kernel for a Q8_0, Q4_0, Q4_K or Q6_K tensor of shape {@code [rows, cols]} (or {@code [n]}, one row); it
     * reads {@code t.data()} in place. Other dtypes are not quantised: the lead's float kernels handle them.
     */
    public static MatrixWeights of(Tensor t) {
        return switch (t.dtype()) {
            case Q8_0 -> new Q8_0Matrix(t);
            case Q4_0 -> new Q4_0Matrix(t);
            case Q4_K -> new Q4_KMatrix(t);
            case Q6_K -> new Q6_KMatrix(t);
            default -> throw new FangwushaException(t.name() + ": " + t.dtype() + " is not a block-quantised type");
        };
    }
}
