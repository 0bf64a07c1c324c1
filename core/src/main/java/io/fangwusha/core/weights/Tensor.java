package io.fangwusha.core.weights;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A stored tensor: its raw bytes (usually a slice of a memory-mapped file, never copied to the heap), element type
 * and shape in row-major order as the file states it (safetensors order: {@code [rows, cols]} for a weight matrix
 * {@code [out_features, in_features]}). {@code fileBacked} says that {@code data} is a read-only view of a file
 * mapping: a kernel that copies the bytes into its own layout may drop those pages from memory
 * ({@link NativeMemory#release}), and any later read pages them in again from the file.
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data, boolean fileBacked) {

    /** A tensor whose bytes are not a file mapping's (e.g. computed, or on the heap). */
    public Tensor(String name, DType dtype, long[] shape, MemorySegment data) {
        this(name, dtype, shape, data, false);
    }

    /** The same bytes under another name or shape. */
    public Tensor with(String name, long[] shape) {
        return new Tensor(name, dtype, shape, data, fileBacked);
    }

    public long elements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public int rows() {
        return (int) shape[0];
    }

    /** Elements per row: the product of all dimensions after the first. */
    public int cols() {
        long n = 1;
        for (int i = 1; i < shape.length; i++) n *= shape[i];
        return (int) n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + shapeString();
    }
}
