package io.fangwusha.core.kernels;

import io.fangwusha.core.weights.DType;

/**
 * A weight matrix {@code W[rows, cols]} (PyTorch Linear layout: {@code [out_features, in_features]}) in its stored
 * type, multiplied without ever materialising it in float32. One implementation per storage type; each reads the
 * mapped bytes directly.
 */
public interface MatrixWeights {
    int rows();

    int cols();

    DType dtype();

    /**
     * {@code out[b*rows + r] = sum_c W[r,c] * x[b*cols + c]} for every {@code b < batch} and {@code r} in
     * {@code [rowStart, rowEnd)}. Callers split rows across threads; implementations must not allocate per call on
     * the hot path and must reuse each weight row for the whole batch (weights are read once per call).
     */
    void multiply(float[] x, int batch, float[] out, int rowStart, int rowEnd);

    /**
     * Whether batches of fewer than 4 tokens (decode) round the activations to 8-bit blocks for integer dot
     * products, as llama.cpp's quantised kernels do; their results then differ from the same tokens' in larger
     * batches by that rounding. False: every batch size gives the same bits.
     */
    default boolean int8Decode() {
        return false;
    }

    /**
     * Whether batches of 4 tokens or more (prefill) round the activations to 8-bit blocks too, with the same
     * arithmetic per token as decode: then every batch size gives a token the same bits again.
     */
    default boolean int8Batches() {
        return false;
    }

    /** Writes row {@code row} as float32 into {@code dst[offset .. offset+cols)} (embedding lookup, tests). */
    void readRow(int row, float[] dst, int offset);
}
