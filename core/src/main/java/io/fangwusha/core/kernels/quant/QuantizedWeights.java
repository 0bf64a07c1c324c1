package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.kernels.MatrixWeights;
import io.fangwusha.core.weights.Tensor;

/** Factory of the {@link MatrixWeights} kernels for ggml block-quantised tensors. */
public final class QuantizedWeights {
    private QuantizedWeights() {}

    /** {@link #of(Tensor, boolean)}, repacking. */
    public static MatrixWeights of(Tensor t) {
        return of(t, true);
    }

    /**
     * The kernel for a Q8_0, Q4_0, Q4_K or Q6_K tensor of shape {@code [rows, cols]} (or {@code [n]}, one row). It
     * reads {@code t.data()} in place, except that with {@code repack} some are copied into row groups: with
     * 16-float vectors matrices of a multiple of 16 rows (every real one) of all four types into 16-row groups of
     * interleaved byte pairs for the integer kernels (other Q4_K matrices into 4-row groups); with 8-float vectors
     * Q8_0 into 4-row groups and Q4_0 (of a multiple of 8 rows) into 8-row groups of interleaved byte pairs. Other
     * dtypes are not quantised: the float kernels handle them.
     */
    public static MatrixWeights of(Tensor t, boolean repack) {
        return switch (t.dtype()) {
            case Q8_0 -> new Q8_0Matrix(t, repack);
            case Q4_0 -> new Q4_0Matrix(t, repack);
            case Q4_K -> new Q4_KMatrix(t, repack);
            case Q6_K -> new Q6_KMatrix(t, repack);
            default -> throw new FangwushaException(t.name() + ": " + t.dtype() + " is not a block-quantised type");
        };
    }
}
