package io.fangwusha.core.weights;

import io.fangwusha.core.FangwushaException;

/**
 * Element types of stored tensors. Block-quantised types hold {@code blockSize} elements in {@code blockBytes}
 * bytes (GGUF layouts); plain types have a block of one element.
 */
public enum DType {
    F32(1, 4),
    F16(1, 2),
    BF16(1, 2),
    Q8_0(32, 34),
    Q4_0(32, 18),
    Q4_K(256, 144),
    Q6_K(256, 210);

    public final int blockSize;
    public final int blockBytes;

    DType(int blockSize, int blockBytes) {
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    public boolean quantized() {
        return blockSize > 1;
    }

    /** Bytes needed for {@code elements} elements; they must fill whole blocks. */
    public long bytesFor(long elements) {
        if (elements % blockSize != 0) {
            throw new FangwushaException(this + " needs a multiple of " + blockSize + " elements, got " + elements);
        }
        return elements / blockSize * blockBytes;
    }

    /** The dtype named by a safetensors header ("BF16", "F16", "F32"); other names are rejected by the caller. */
    public static DType fromSafetensors(String name) {
        return switch (name) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            default -> null;
        };
    }
}
