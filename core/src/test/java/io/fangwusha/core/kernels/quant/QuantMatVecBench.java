package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.gguf.Quantizer;
import io.fangwusha.core.kernels.MatrixWeights;
import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-thread throughput of the quantised kernels: {@code matvec} (batch 1, decode: the in-register
 * {@code dot4} path) and {@code batch} (prefill-sized batches: the packed tile path). Run through
 * {@link io.fangwusha.core.kernels.KernelBenchMain}, which prints GFLOP/s = 2*rows*cols*batch / time and
 * GB/s = weight bytes / time. On an 8-lane machine {@code matvec} of Q4_0, Q4_K and Q6_K runs the int8-activation
 * kernels ({@link MatrixWeights#int8Decode}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class QuantMatVecBench {
    @Param({"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    public String type;

    @Param({"1024x1024", "4096x1024"})
    public String shape;

    /** Tokens per call of the {@code batch} benchmark. */
    @Param({"64"})
    public int batch;

    private Arena arena;
    private MatrixWeights w;
    private float[] x1, xb, out1, outb;

    @Setup
    public void setup() {
        String[] rc = shape.split("x");
        int rows = Integer.parseInt(rc[0]), cols = Integer.parseInt(rc[1]);
        Random rnd = new Random(42);
        arena = Arena.ofShared();
        DType dt = DType.valueOf(type);
        MemorySegment seg = arena.allocate(dt.bytesFor((long) rows * cols), 64);
        float[] row = new float[cols];
        switch (dt) {
            case Q8_0, Q4_0 -> {
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) row[c] = (float) rnd.nextGaussian();
                    long off = r * dt.bytesFor(cols);
                    if (dt == DType.Q8_0) Quantizer.quantizeRowQ8_0(row, 0, cols, seg, off);
                    else Quantizer.quantizeRowQ4_0(row, 0, cols, seg, off);
                }
            }
            case Q4_K -> MemorySegment.copy(MemorySegment.ofArray(QuantKernelTest.buildQ4_K(rows, cols, rnd).bytes()), 0, seg, 0, seg.byteSize());
            case Q6_K -> MemorySegment.copy(MemorySegment.ofArray(QuantKernelTest.buildQ6_K(rows, cols, rnd).bytes()), 0, seg, 0, seg.byteSize());
            default -> throw new IllegalStateException();
        }
        Tensor t = new Tensor("w", dt, new long[] {rows, cols}, seg);
        w = QuantizedWeights.of(t);
        x1 = new float[cols];
        xb = new float[batch * cols];
        for (int i = 0; i < xb.length; i++) xb[i] = (float) rnd.nextGaussian();
        System.arraycopy(xb, 0, x1, 0, cols);
        out1 = new float[rows];
        outb = new float[batch * rows];
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float matvec() {
        w.multiply(x1, 1, out1, 0, w.rows());
        return out1[0];
    }

    @Benchmark
    public float batch() {
        w.multiply(xb, batch, outb, 0, w.rows());
        return outb[0];
    }
}
