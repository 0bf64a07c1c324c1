package io.fangwusha.core.gguf;

import io.fangwusha.core.weights.DType;

/**
 * A tensor as the GGUF file describes it. {@code ggmlDims} are innermost-first ({@code ne[0]} is the row length);
 * {@link #shape()} is our row-major order (reversed). {@code offset} is relative to the start of the data section.
 */
public record GgufTensorInfo(String name, long[] ggmlDims, DType dtype, long offset) {

    public long[] shape() {
        long[] s = new long[ggmlDims.length];
        for (int i = 0; i < s.length; i++) s[i] = ggmlDims[ggmlDims.length - 1 - i];
        return s;
    }

    public long elements() {
        long n = 1;
        for (long d : ggmlDims) n *= d;
        return n;
    }

    public long byteSize() {
        return dtype.bytesFor(elements());
    }
}
