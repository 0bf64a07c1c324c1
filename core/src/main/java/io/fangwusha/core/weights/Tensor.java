package io.fangwusha.core.weights;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A stored tensor: its raw bytes (usually a slice of a memory-mapped file, never copied to the heap), element type
 * and shape in row-major order as the file states it (safetensors order: {@code [rows, cols]} for a weight matrix
 * {@code [out_features, in_features]}).
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data) {

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
