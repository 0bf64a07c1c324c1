package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.gguf.Quantizer;
import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Benchmark-only alternative Q8_0 mat-vec in llama.cpp's style: the activation row is quantised to Q8_0 once per
 * call, then each block is an int8 x int8 dot (widened to int16 products, summed in int32) times {@code dw * dx}.
 * Kept out of main code because it was slower than decoding to float (see the report) and it changes the numbers.
 */
final class Q8_0Int8Act {
    private final MemorySegment w;
    private final int rows, cols;
    private final MemorySegment xq;
    private final byte[] xqBytes;

    Q8_0Int8Act(Tensor t) {
        this.w = t.data();
        this.rows = t.rows();
        this.cols = t.cols();
        this.xqBytes = new byte[cols / 32 * 34];
        this.xq = MemorySegment.ofArray(xqBytes);
    }

    void multiply(float[] x, float[] out) {
        Quantizer.quantizeRowQ8_0(x, 0, cols, xq, 0);
        int nb = cols / 32;
        float[] dx = new float[nb]; // small; escape analysis removes most of it, fine for a benchmark
        for (int b = 0; b < nb; b++) dx[b] = Float.float16ToFloat(xq.get(ValueLayout.JAVA_SHORT_UNALIGNED, b * 34L));
        for (int r = 0; r < rows; r++) {
            long off = (long) r * nb * 34;
            FloatVector acc = FloatVector.zero(FloatVector.SPECIES_512);
            for (int b = 0; b < nb; b++, off += 34) {
                ByteVector wb = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, w, off + 2, ByteOrder.LITTLE_ENDIAN);
                ByteVector xb = ByteVector.fromArray(ByteVector.SPECIES_256, xqBytes, b * 34 + 2);
                ShortVector p = ((ShortVector) wb.convertShape(VectorOperators.B2S, ShortVector.SPECIES_512, 0))
                        .mul((ShortVector) xb.convertShape(VectorOperators.B2S, ShortVector.SPECIES_512, 0));
                IntVector s = ((IntVector) p.convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 0))
                        .add((IntVector) p.convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 1));
                float scale = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, off)) * dx[b];
                acc = ((FloatVector) s.convertShape(VectorOperators.I2F, FloatVector.SPECIES_512, 0))
                        .fma(FloatVector.broadcast(FloatVector.SPECIES_512, scale), acc);
            }
            out[r] = acc.reduceLanes(VectorOperators.ADD);
        }
    }
}
