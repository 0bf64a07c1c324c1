package io.fangwusha.core.gguf;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.kernels.MatrixWeights;
import io.fangwusha.core.kernels.quant.QuantizedWeights;
import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.LongStream;

/** Converts a tensor to another storage type off-heap, row by row (for {@code --quant} at load time and export). */
public final class QuantizedMatrix {
    private QuantizedMatrix() {}

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * {@code src} (F32, F16, BF16 or a quantised type) re-encoded as {@code target} (Q8_0, Q4_0, F32, F16, BF16) in
     * a segment of {@code arena}; the result lives as long as the arena. Rows are the last dimension.
     */
    public static Tensor quantize(Tensor src, DType target, Arena arena) {
        int cols = src.shape().length == 1 ? (int) src.shape()[0] : src.cols();
        long rows = src.elements() / cols;
        if (target == DType.Q4_K || target == DType.Q6_K) {
            throw new FangwushaException(src.name() + ": quantising to " + target + " is not supported (Q8_0, Q4_0 are)");
        }
        if (cols % target.blockSize != 0) {
            throw new FangwushaException(src.name() + ": row length " + cols + " is not a multiple of the " + target
                    + " block size " + target.blockSize);
        }
        long rowBytes = target.bytesFor(cols);
        MemorySegment out = arena.allocate(rowBytes * rows, 64);
        RowReader reader = RowReader.of(src, cols);
        // Rows are independent and each lands at a fixed offset, so chunks run on all cores (the common pool: a
        // one-off job at load or export time) and the bytes are the same as a sequential pass — unless a segment
        // is confined to this thread (a caller's confined arena).
        long chunks = (rows + CHUNK_ROWS - 1) / CHUNK_ROWS;
        Thread other = Thread.ofVirtual().unstarted(() -> {});
        LongStream all = LongStream.range(0, chunks);
        if (out.isAccessibleBy(other) && src.data().isAccessibleBy(other)) all = all.parallel();
        all.forEach(ch -> {
            float[] row = new float[cols];
            for (long r = ch * CHUNK_ROWS; r < Math.min(rows, (ch + 1) * CHUNK_ROWS); r++) {
                reader.read(r, row);
                encodeRow(row, cols, target, out, r * rowBytes);
            }
        });
        return new Tensor(src.name(), target, src.shape().clone(), out);
    }

    private static final long CHUNK_ROWS = 64;

    private static void encodeRow(float[] row, int cols, DType target, MemorySegment out, long o) {
        switch (target) {
            case Q8_0 -> Quantizer.quantizeRowQ8_0(row, 0, cols, out, o);
            case Q4_0 -> Quantizer.quantizeRowQ4_0(row, 0, cols, out, o);
            case F32 -> MemorySegment.copy(row, 0, out, F32, o, cols);
            case F16 -> { for (int c = 0; c < cols; c++) out.set(I16, o + 2L * c, Float.floatToFloat16(row[c])); }
            case BF16 -> { for (int c = 0; c < cols; c++) out.set(I16, o + 2L * c, Quantizer.toBf16(row[c])); }
            default -> throw new IllegalStateException(target.name());
        }
    }

    /** Decodes rows of a stored tensor to float32. */
    interface RowReader {
        void read(long row, float[] dst);

        static RowReader of(Tensor t, int cols) {
            MemorySegment d = t.data();
            long need = t.dtype().bytesFor(t.elements());
            if (d.byteSize() < need) {
                throw new FangwushaException(t.name() + ": " + d.byteSize() + " bytes of data, needs " + need);
            }
            return switch (t.dtype()) {
                case F32 -> (r, dst) -> MemorySegment.copy(d, F32, r * cols * 4L, dst, 0, cols);
                case F16 -> (r, dst) -> {
                    for (int c = 0; c < cols; c++) dst[c] = Float.float16ToFloat(d.get(I16, (r * cols + c) * 2L));
                };
                case BF16 -> (r, dst) -> {
                    for (int c = 0; c < cols; c++) dst[c] = Float.intBitsToFloat(d.get(I16, (r * cols + c) * 2L) << 16);
                };
                default -> {
                    Tensor as2d = t.with(t.name(), new long[] {t.elements() / cols, cols});
                    MatrixWeights w = QuantizedWeights.of(as2d, false); // rows are read once: no repacking copy
                    yield (r, dst) -> w.readRow((int) r, dst, 0);
                }
            };
        }
    }
}
