package io.fangwusha.core.model;

import io.fangwusha.core.kernels.DenseMatrix;
import io.fangwusha.core.kernels.MatrixWeights;
import io.fangwusha.core.weights.Tensor;

/** Chooses the kernel for a stored weight matrix (and may re-quantise it on load, e.g. {@code --quant q8_0}). */
@FunctionalInterface
public interface MatrixFactory {
    MatrixWeights create(Tensor tensor);

    MatrixFactory DENSE = DenseMatrix::of;
}
