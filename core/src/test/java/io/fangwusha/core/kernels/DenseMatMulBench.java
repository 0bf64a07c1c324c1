package io.fangwusha.core.kernels;

import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * Single-thread dense (F32/BF16) matrix multiply: {@code batch} activation rows times a {@code rows x cols} weight
 * matrix. Batch 1 is decode (memory bound: compare GB/s with one core's ~25-31 GB/s), batch 64 is prefill (compute
 * bound: compare GFLOP/s with the core's FMA peak). Run with {@link KernelBenchMain}, which prints GFLOP/s and GB/s:
 * <pre>java -cp core/target/test-classes:core/target/classes:$(cat cp.txt) --add-modules jdk.incubator.vector \
 *   io.fangwusha.core.kernels.KernelBenchMain DenseMatMulBench</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class DenseMatMulBench {
    @Param({"BF16"})
    public String type;

    @Param({"1024x1024", "3072x1024", "1024x3072", "151936x1024"})
    public String shape;

    @Param({"1", "64"})
    public int batch;

    private Arena arena;
    private MatrixWeights w;
    private float[] x, out;

    @Setup
    public void setup() {
        String[] rc = shape.split("x");
        int rows = Integer.parseInt(rc[0]), cols = Integer.parseInt(rc[1]);
        DType dt = DType.valueOf(type);
        Random rnd = new Random(42);
        arena = Arena.ofShared();
        int bytes = dt == DType.F32 ? 4 : 2;
        MemorySegment seg = arena.allocate((long) rows * cols * bytes, 64);
        for (long i = 0; i < (long) rows * cols; i++) {
            float f = (float) rnd.nextGaussian();
            if (bytes == 4) seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, f);
            else seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (Float.floatToIntBits(f) >>> 16));
        }
        w = DenseMatrix.of(new Tensor("w", dt, new long[] {rows, cols}, seg));
        x = new float[batch * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        out = new float[batch * rows];
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float multiply() {
        w.multiply(x, batch, out, 0, w.rows());
        return out[0];
    }
}
