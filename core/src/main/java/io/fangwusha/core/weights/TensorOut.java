package io.fangwusha.core.weights;

import io.fangwusha.core.FangwushaException;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A tensor to be written: name, dtype (F32, F16 or BF16), shape, and a callback that produces its bytes in pieces,
 * straight into the output file's mapping, so that multi-GB models never pass through the heap.
 */
public record TensorOut(String name, DType dtype, long[] shape, Fill fill) {

    /**
     * Writes elements {@code [first, first + count)} (row-major) into {@code dst}, which holds exactly
     * {@code count * elementBytes} little-endian bytes and may be unaligned. Called concurrently for disjoint ranges.
     */
    @FunctionalInterface
    public interface Fill {
        void fill(long first, long count, MemorySegment dst);
    }

    public TensorOut {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new FangwushaException(name + ": cannot write dtype " + dtype + " to safetensors (F32, F16, BF16 only)");
        }
        for (long d : shape) {
            if (d < 0) throw new FangwushaException(name + ": negative dimension in shape " + Arrays.toString(shape));
        }
        shape = shape.clone();
    }

    /** A tensor copied from an existing one (e.g. re-saving a loaded checkpoint), in its own dtype. */
    public static TensorOut copyOf(Tensor t) {
        int eb = t.dtype().blockBytes;
        return new TensorOut(t.name(), t.dtype(), t.shape(),
                (first, count, dst) -> MemorySegment.copy(t.data(), first * eb, dst, 0, count * eb));
    }

    public long elements() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public long bytes() {
        return Math.multiplyExact(elements(), (long) dtype.blockBytes);
    }
}
