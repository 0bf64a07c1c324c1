package io.fangwusha.core.kernels.quant;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.kernels.CacheWarmer;
import io.fangwusha.core.kernels.MatrixWeights;
import io.fangwusha.core.kernels.PackedTile;
import io.fangwusha.core.kernels.VectorMath;
import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.NativeMemory;
import io.fangwusha.core.weights.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Shared plumbing of the block-quantised kernels: bounds checks, the batch loop and the canonical dot product.
 *
 * <p>Every (row, token) result is {@code sum_c w[c] * x[c]} with {@code w[c]} the float32 value that
 * {@link #decodeRow} writes (e.g. {@code (float) q * d} for Q8_0), accumulated in one vector accumulator in column
 * order, then the lanes reduced by {@link io.fangwusha.core.kernels.VectorMath#sumLanes} — the order of {@link PackedTile}. Batches of 4 or more (prefill)
 * decode a panel of rows once into a per-thread float buffer and run the register-blocked tile kernel; smaller
 * batches (decode) use {@link #dot4}, which decodes in registers with 4 rows in flight. Both give bit-identical
 * results, so a token's output does not depend on the batch it is in. Compared with an exact dot product of the
 * dequantised values, only float32 rounding differs. The exceptions round the activations to int8 blocks, as
 * llama.cpp does ({@link #int8Decode}, {@link #int8Batches}): with 16-float vectors Q4_0, Q4_K and Q6_K in every
 * batch and Q8_0 in decode, in groups of 16 rows; with 8-float vectors Q4_0 (8-row groups), Q4_K and Q6_K in decode.
 */
abstract sealed class BlockMatrix implements MatrixWeights
        permits Q8_0Matrix, Q4_0Matrix, Q4_KMatrix, Q6_KMatrix {

    /** Float species: the preferred one, capped at 16 lanes so one 16-byte load expands into whole vectors. */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() <= 16
            ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_512;
    static final int L = F.length();
    /** Float vectors per 16 decoded bytes. */
    static final int PARTS = 16 / L;
    /**
     * The byte loads that widen into whole float vectors: 16 bytes for 16 lanes, 8 for 8 (AVX2) and 4. Widening
     * part 1 of a 16-byte load into 8 floats is not intrinsified on AVX2 (C2 falls back to Java code that
     * allocates): the 8-lane Q8_0 decode ran at 5.8 GFLOP/s on a Zen 1 core, 1024x1024 in cache.
     */
    static final VectorSpecies<Byte> BYTES = L == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    /** Float vectors per {@link #BYTES} load. */
    static final int BYTE_PARTS = BYTES.length() / L;

    /** From this batch size on, rows are decoded once into a float panel ({@link PackedTile}). */
    static final int PACK_MIN_BATCH = 4;

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I16 = IntVector.SPECIES_512;

    /** Per-thread buffers: decoded rows for the generic {@link #dot4}, lane sums. */
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[2][0]);

    final MemorySegment data;
    final int rows;
    final int cols;
    final long rowBytes;
    final int blocksPerRow;
    private final DType dtype;

    /**
     * Rows stored in groups of {@link #groupSize} rows (a multiple of it; 0 when the type keeps the file's
     * layout): see {@link #group}.
     */
    final int groupedRows;
    /** Rows per group of the grouped layout: 4, or 8 or 16 (the lanes) for the pair groups of the integer kernels. */
    final int groupSize;
    /** Bytes of a block's header (its scales) and of each chunk of its quants, as {@link #group} lays them out. */
    final int headBytes, chunkBytes;

    BlockMatrix(Tensor t, DType expected) {
        this(t, expected, false);
    }

    /** With {@code groupRows}, a type whose blocks are an f16 scale and then quants is copied into 4-row groups. */
    BlockMatrix(Tensor t, DType expected, boolean groupRows) {
        this(t, expected, groupRows ? 4 : 0, 2, expected.blockBytes - 2);
    }

    /**
     * With {@code groupSize} (4, 8 or 16; 0 keeps the file's layout), the rows are copied into groups of that many
     * rows ({@link #group}) of blocks that start with a {@code headBytes} header (scales) followed by quants in
     * chunks of {@code chunkBytes}.
     */
    BlockMatrix(Tensor t, DType expected, int groupSize, int headBytes, int chunkBytes) {
        if (t.dtype() != expected) {
            throw new IllegalArgumentException(t.name() + ": expected " + expected + ", got " + t.dtype());
        }
        if (t.shape().length < 1 || t.shape().length > 2) {
            throw new FangwushaException(t.name() + ": a weight matrix needs 1 or 2 dimensions, got " + t.shapeString());
        }
        this.dtype = expected;
        this.rows = t.shape().length == 1 ? 1 : t.rows();
        this.cols = t.shape().length == 1 ? (int) t.shape()[0] : t.cols();
        if (cols % expected.blockSize != 0) {
            throw new FangwushaException(t.name() + ": row length " + cols + " is not a multiple of the "
                    + expected + " block size " + expected.blockSize);
        }
        this.blocksPerRow = cols / expected.blockSize;
        this.rowBytes = (long) blocksPerRow * expected.blockBytes;
        if (t.data().byteSize() < rowBytes * rows) {
            throw new FangwushaException(t.name() + ": " + t.data().byteSize() + " bytes of data, " + expected + " "
                    + t.shapeString() + " needs " + rowBytes * rows);
        }
        this.groupSize = groupSize == 0 ? 4 : groupSize;
        this.groupedRows = groupSize > 0 ? rows - rows % groupSize : 0;
        this.headBytes = headBytes;
        this.chunkBytes = chunkBytes;
        this.data = groupedRows > 0 ? group(t.data().asSlice(0, rowBytes * rows), rows, this.groupSize, expected, blocksPerRow,
                headBytes, chunkBytes, t.fileBacked()) : t.data();
    }

    /** Source bytes copied per task, between releases of a file mapping's pages. */
    private static final long RELEASE_BYTES = 8 << 20;

    /**
     * Copies rows of blocks (a {@code headBytes} header: Q4_0's and Q8_0's {@code f16} scale, Q4_K's scales and
     * mins; then quants in chunks of {@code chunkBytes}) into groups of {@code G} (4, 8 or 16), as llama.cpp repacks
     * Q4_0 and Q8_0 for its AVX kernels: group {@code g} occupies the same {@code G·rowBytes} bytes as its rows do
     * in the file, first the G rows' headers of every block ({@code G·headBytes·blocksPerRow} bytes, block by
     * block, row by row), then their quants (chunk by chunk, row by row). A decode kernel then reads one sequential
     * stream, widens a group's scales 16 at a time ({@link #widenScales}; Q4_K unpacks its own) and addresses
     * everything from one base. Rows after the last whole group keep the file's layout. The pages of a file
     * mapping are released as the copy proceeds ({@link NativeMemory#release}), so the resident size does not
     * double. The copy costs fresh memory: on the VM we measure on, first-touching 2.3 GB of it took 1-10 s (a C
     * loop is as slow). So the memory is not zeroed first (the copy writes every byte) and chunks of groups are
     * copied on the common fork-join pool, at load time only: 4B Q8_0 loaded in 4.8-7.6 s instead of 7.9-22 s
     * (alternating runs).
     */
    private static MemorySegment group(MemorySegment src, int rows, int G, DType type, int blocksPerRow, int headBytes,
            int chunkBytes, boolean fileBacked) {
        int blockBytes = type.blockBytes;
        long rowBytes = (long) blocksPerRow * blockBytes, groupBytes = G * rowBytes;
        int groups = rows / G;
        MemorySegment dst = NativeMemory.allocateUninitialized(rows * rowBytes, Arena.ofAuto());
        int perTask = (int) Math.max(1, RELEASE_BYTES / groupBytes);
        int tasks = (groups + perTask - 1) / perTask;
        IntStream.range(0, tasks).parallel().forEach(t -> {
            int g0 = t * perTask, g1 = Math.min(groups, g0 + perTask);
            if (chunkBytes == 2) copyPairGroups(src, dst, g0, g1, G, type, blocksPerRow, headBytes);
            else copyGroups(src, dst, g0, g1, G, blocksPerRow, blockBytes, headBytes, chunkBytes);
            if (fileBacked) NativeMemory.release(src.asSlice(g0 * groupBytes, (g1 - g0) * groupBytes));
        });
        long tail = groups * groupBytes;
        MemorySegment.copy(src, tail, dst, tail, src.byteSize() - tail);
        if (fileBacked) NativeMemory.release(src.asSlice(tail));
        return dst;
    }

    private static void copyGroups(MemorySegment src, MemorySegment dst, int g0, int g1, int G, int blocksPerRow,
            int blockBytes, int headBytes, int chunkBytes) {
        int chunks = (blockBytes - headBytes) / chunkBytes;
        long rowBytes = (long) blocksPerRow * blockBytes, groupBytes = G * rowBytes, quants = (long) G * headBytes * blocksPerRow;
        for (int g = g0; g < g1; g++) {
            long base = g * groupBytes;
            for (int k = 0; k < G; k++) {
                long from = base + k * rowBytes;
                for (int b = 0; b < blocksPerRow; b++, from += blockBytes) {
                    long head = base + (long) headBytes * (G * b + k);
                    // Headers are 2 bytes (an f16 scale) or a multiple of 8 (Q4_K's 16).
                    if (headBytes == 2) dst.set(SHORT, head, src.get(SHORT, from));
                    else for (int j = 0; j < headBytes; j += 8) dst.set(LONG, head + j, src.get(LONG, from + j));
                    for (int c = 0; c < chunks; c++) {
                        long to = base + quants + (long) chunkBytes * ((long) G * (chunks * b + c) + k);
                        long at = from + headBytes + (long) chunkBytes * c;
                        // 8 bytes at a time: a MemorySegment.copy call per block took several times longer.
                        for (int j = 0; j < chunkBytes; j += 8) dst.set(LONG, to + j, src.get(LONG, at + j));
                    }
                }
            }
        }
    }

    /**
     * {@link #copyGroups} for 2-byte chunks, in groups of {@code G} = 8 or 16 rows, for the integer kernels: block
     * by block, the G rows' header ({@code headBytes} per row: first its f16 fields, each for the G rows together,
     * then its bytes, byte {@code i} of the G rows together: Q4_0 and Q8_0 {@code d}; Q4_K {@code d}, {@code dmin},
     * 12 packed scale bytes; Q6_K {@code d}, 16 scales), then {@code P} chunks (8 for Q4_0's 16 quant bytes, 16 for
     * Q8_0's 32, 64 for Q4_K's 128, 96 for Q6_K's 192) of {@code 2G} bytes, chunk {@code c} holding byte pair
     * {@code c} of every row.
     * Per block the rows' pairs are a G x P matrix of shorts, read as longs and transposed as 4x4 blocks of shorts
     * inside longs ({@link #transpose4}). Plain long arithmetic: this runs once, at load, mostly before C2 compiles
     * it, where Vector API code is very slow (a version zipping vectors took 46 s for 4B Q4_0, against 7 s for a
     * pair-by-pair get and set, and less than that for this).
     */
    private static void copyPairGroups(MemorySegment src, MemorySegment dst, int g0, int g1, int G, DType type,
            int blocksPerRow, int headBytes) {
        if (G != 8 && G != 16) throw new IllegalArgumentException("2-byte chunks come in groups of 8 or 16 rows, not " + G);
        int blockBytes = type.blockBytes, P = (blockBytes - headBytes) / 2;
        // Where the header's f16 fields and bytes, and the quants, lie in the file's block (Q6_K's header is last).
        int[] halves = switch (type) {
            case Q4_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            default -> new int[] {0};
        };
        int bytesFrom = type == DType.Q4_K ? 4 : 192, byteCount = headBytes - 2 * halves.length;
        int quantsFrom = type == DType.Q6_K ? 0 : headBytes;
        long rowBytes = (long) blocksPerRow * blockBytes, groupBytes = G * rowBytes;
        long[] w = new long[P / 4 * G];
        int[] slots = new int[P];
        for (int c = 0; c < P; c++) slots[c] = pairSlot(type, c);
        // The header bytes go through arrays: byte by byte through the segments, loading 4B Q4_K_M took 2 s longer.
        byte[] rowHeads = new byte[G * byteCount], groupHeads = new byte[G * byteCount];
        for (int g = g0; g < g1; g++) {
            long base = g * groupBytes;
            for (int b = 0; b < blocksPerRow; b++) {
                long head = base + (long) G * blockBytes * b;
                for (int k = 0; k < G; k++) {
                    long from = base + k * rowBytes + (long) blockBytes * b;
                    for (int f = 0; f < halves.length; f++) dst.set(SHORT, head + 2L * (G * f + k), src.get(SHORT, from + halves[f]));
                    if (byteCount > 0) MemorySegment.copy(src, ValueLayout.JAVA_BYTE, from + bytesFrom, rowHeads, k * byteCount, byteCount);
                    for (int q = 0; q < P / 4; q++) w[q * G + k] = src.get(LONG, from + quantsFrom + 8L * q); // pairs 4q .. 4q+3
                }
                if (byteCount > 0) {
                    for (int i = 0; i < byteCount; i++) {
                        for (int k = 0; k < G; k++) groupHeads[G * i + k] = rowHeads[k * byteCount + i];
                    }
                    MemorySegment.copy(groupHeads, 0, dst, ValueLayout.JAVA_BYTE, head + 2L * G * halves.length, groupHeads.length);
                }
                for (int i = 0; i < w.length; i += 4) transpose4(w, i);
                long to = head + (long) headBytes * G;
                for (int c = 0; c < P; c++) {
                    long slot = to + 2L * G * slots[c];
                    for (int q = 0; q < G / 4; q++) dst.set(LONG, slot + 8 * q, w[pairLong(G, c, q)]);
                }
            }
        }
    }

    /**
     * Where a pair group keeps byte pair {@code c} of its rows' blocks: in the order the kernel reads them, so that it
     * reads one sequential stream. That is pair order, except for Q6_K, whose kernel takes per position pair
     * {@code p} of a half super-block (16 of them) {@code ql} pairs {@code p} and {@code p+16} and {@code qh} pair
     * {@code p} together: from three places in the file's block, which Zen 4's prefetchers did not follow (6 against
     * 16 GB/s from DRAM, one core).
     */
    static int pairSlot(DType type, int c) {
        if (type != DType.Q6_K) return c;
        if (c >= 64) return 3 * (c - 64) + 2; // qh pair 16·half + p
        int half = c / 32, w = c % 32;
        return 3 * (16 * half + w % 16) + w / 16;
    }

    /**
     * After {@link #transpose4} of a block's longs: the long holding pair {@code c} of rows {@code 4q .. 4q+3}.
     * The same transpose brings the chunks back to rows: then row {@code j}'s pairs {@code 4q .. 4q+3} are long
     * {@code q·G + j}.
     */
    static int pairLong(int G, int c, int q) {
        return (c >> 2) * G + 4 * q + (c & 3);
    }

    /**
     * Block {@code blk} of the pair group at row {@code g} ({@link #copyPairGroups}) back in rows: row {@code j}'s
     * quant bytes to {@code rowsOf[j·quantBytes ..]}, using {@code w} ({@code G·quantBytes/8} longs) as
     * scratch. Returns the offset of the block's scales (row {@code j}'s at {@code +2j}).
     */
    long ungroup(int g, int blk, MemorySegment rowsOf, long[] w) {
        int G = groupSize, quantBytes = dtype.blockBytes - headBytes, P = quantBytes / 2;
        long heads = g * rowBytes + (long) G * dtype.blockBytes * blk, at = heads + (long) headBytes * G;
        for (int c = 0; c < P; c++) {
            long slot = at + 2L * G * pairSlot(dtype, c);
            for (int q = 0; q < G / 4; q++) w[pairLong(G, c, q)] = data.get(LONG, slot + 8 * q);
        }
        int n = P / 4 * G;
        for (int i = 0; i < n; i += 4) transpose4(w, i);
        for (int j = 0; j < G; j++) {
            for (int q = 0; q < P / 4; q++) rowsOf.set(LONG, (long) quantBytes * j + 8 * q, w[q * G + j]);
        }
        return heads;
    }

    /**
     * Transposes {@code w[i .. i+4)} as a 4x4 matrix of shorts, element {@code k} of a long at bits {@code 16k}:
     * swap the off-diagonal shorts of each 2x2 block, then the off-diagonal 2x2 blocks.
     */
    static void transpose4(long[] w, int i) {
        long x0 = w[i], x1 = w[i + 1], x2 = w[i + 2], x3 = w[i + 3];
        long t = ((x0 >>> 16) ^ x1) & 0x0000FFFF0000FFFFL;
        x1 ^= t;
        x0 ^= t << 16;
        t = ((x2 >>> 16) ^ x3) & 0x0000FFFF0000FFFFL;
        x3 ^= t;
        x2 ^= t << 16;
        t = ((x0 >>> 32) ^ x2) & 0x00000000FFFFFFFFL;
        x2 ^= t;
        x0 ^= t << 32;
        t = ((x1 >>> 32) ^ x3) & 0x00000000FFFFFFFFL;
        x3 ^= t;
        x1 ^= t << 32;
        w[i] = x0;
        w[i + 1] = x1;
        w[i + 2] = x2;
        w[i + 3] = x3;
    }

    /** Byte offset of row {@code r}'s first block header (scale); the next block's is {@link #scaleStep} further. */
    final long scaleAt(int r) {
        return r < groupedRows ? (r - r % groupSize) * rowBytes + (long) headBytes * (r % groupSize) : r * rowBytes;
    }

    final long scaleStep(int r) {
        return r < groupedRows ? (long) groupSize * headBytes : dtype.blockBytes;
    }

    /**
     * Byte offset of row {@code r}'s first quant; the next block's is {@link #quantStep} further, the next chunk of
     * the same block's {@link #chunkStep}.
     */
    final long quantsAt(int r) {
        return r < groupedRows ? (r - r % groupSize) * rowBytes + (long) groupSize * headBytes * blocksPerRow
                + (long) chunkBytes * (r % groupSize) : r * rowBytes + headBytes;
    }

    final long quantStep(int r) {
        return r < groupedRows ? (long) groupSize * (dtype.blockBytes - headBytes) : dtype.blockBytes;
    }

    final long chunkStep(int r) {
        return r < groupedRows ? (long) groupSize * chunkBytes : chunkBytes;
    }

    /**
     * Widens the {@code 4·blocksPerRow} f16 scales of the group at {@code base} into {@code lanes[at ..]}, 16 per
     * vector: the bits shifted into a float's exponent and mantissa and multiplied by {@code 2^112}, exact for
     * every finite half (subnormals included); a vector holding an infinity or NaN, and the rest, one by one.
     * Results equal {@link Float#float16ToFloat}'s. Not {@link io.fangwusha.core.kernels.HalfVectors#widenF16}
     * (short arrays, infinities and NaN inside the vector step): this one reads the segment and does fewer
     * operations. A segment version of it in {@code HalfVectors}, called from the same place, was inlined into
     * the Q4_0 kernel and cost decode 54.5 -> 47 tok/s (0.6B, 3 alternating rounds), so it stays here.
     */
    final void widenScales(long base, float[] lanes, int at) {
        widenHalves(base, 4 * blocksPerRow, lanes, at);
    }

    /** {@link #widenScales} for the {@code n} f16 values at {@code base} (the K-quant pair groups' {@code d}, {@code dmin}). */
    final void widenHalves(long base, int n, float[] lanes, int at) {
        int i = 0;
        // The 16-wide step needs 512-bit int vectors; with fewer lanes the scales are widened one by one.
        for (; L == 16 && i + 16 <= n; i += 16) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S16, data, base + 2L * i, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, I16, 0);
            if (h.and(0x7C00).compare(VectorOperators.EQ, 0x7C00).anyTrue()) break;
            h.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).intoArray(lanes, at + i);
        }
        for (; i < n; i++) lanes[at + i] = Float.float16ToFloat(data.get(SHORT, base + 2L * i));
    }

    @Override
    public final int rows() {
        return rows;
    }

    @Override
    public final int cols() {
        return cols;
    }

    @Override
    public final DType dtype() {
        return dtype;
    }

    /** Decodes one row into {@code dst[off .. off+cols)}. */
    final void decodeRow(long rowOffset, float[] dst, int off) {
        decodeRow(rowOffset, dst, off, L);
    }

    /**
     * Decodes one row, its {@code L}-float chunk {@code j} into {@code dst[off + j·step ..]} (a prefill panel's
     * layout, {@link PackedTile#rowOffset}); {@code step == L} writes the row contiguously.
     */
    abstract void decodeRow(long rowOffset, float[] dst, int off, int step);

    /** Where element {@code e} (a multiple of {@code L}) of a row decoded at {@code off} with {@code step} goes. */
    static int at(int off, int e, int step) {
        return off + e / L * step;
    }

    /**
     * {@code out[o + k] = dot(row r+k, x[xOff ..])} for {@code k < 4}, in the canonical order. Types whose
     * {@link #streamsGroups} is true may read {@code [ahead, ahead + 4·rowBytes)} (inside the matrix) to bring the
     * next group into cache; the others ignore {@code ahead}. This generic version
     * decodes the rows into a scratch buffer; types override it with an in-register decode. Accumulators leave
     * through {@code lanes} ({@link #lanesLength} floats: {@link #sums4} uses the first {@code 5·L}, a kernel may
     * use the rest as scratch): handing a vector to a call C2 does not inline (such as {@link VectorMath#sumLanes}
     * in a large kernel) boxes it, which cost ~50 MB of garbage per 0.6B token.
     */
    void dot4(int r, float[] x, int xOff, float[] out, int o, float[] lanes, long ahead) {
        float[] w = buffer(0, 4 * cols);
        for (int k = 0; k < 4; k++) decodeRow((r + k) * rowBytes, w, k * cols);
        for (int k = 0; k < 4; k++) out[o + k] = dot(w, k * cols, x, xOff, cols, lanes);
    }

    /**
     * The length of the per-thread {@code lanes} buffer {@link #dot4} gets: 5 vectors, then scratch for a kernel's
     * per-block factors (Q4_0's two groups of 16 rows: 32 floats per 32 columns; Q6_K decode: one super-block's
     * 288; Q4_K and Q6_K prefill: from {@link #PREPARED}, 256 per super-block of a whole group) and a vector's
     * slack.
     */
    final int lanesLength() {
        return 5 * L + Math.max(cols, 256) + 320;
    }

    /** Where {@link #prepareGroupsInt4} of the K-quants leaves a group's factors in {@code lanes}. */
    static final int PREPARED = 288;

    /**
     * Called before a batch's 4-token calls on group {@code r} ({@link #dotGroupInt4}, {@code groups} = 1) or on
     * the two groups from {@code r} on ({@link #dotGroupPairInt4}, {@code groups} = 2): a type unpacks the
     * groups' per-block factors into {@code lanes} once here, which its 4-token kernel then reads, instead of
     * unpacking them again for every 4 tokens (Q4_K's factors were 6% of a 4B Q4_K_M prefill profile, 32 times
     * over for 128 tokens). Same factors, same bits.
     */
    void prepareGroupsInt4(int r, int groups, float[] lanes) {}

    /**
     * {@code out[o + k] = sumLanes(lanes[kL .. (k+1)L))} for {@code k < 4}: how {@link #dot4} kernels end. Uses
     * {@code lanes[4L .. 5L)} as scratch.
     */
    static void sums4(float[] lanes, float[] out, int o) {
        if (VectorMath.SIXTEEN_LANES && L == 16) {
            VectorMath.sumLanesOf4(lanes, 0, lanes, 4 * L);
            for (int k = 0; k < 4; k++) out[o + k] = lanes[4 * L + k];
        } else {
            for (int k = 0; k < 4; k++) out[o + k] = VectorMath.sumLanesScalar(lanes, k * L, L);
        }
    }

    /** The canonical dot of one row (decoded at {@code w[wOff..]}) with {@code x[xOff..]}. */
    static float dot(float[] w, int wOff, float[] x, int xOff, int n, float[] lanes) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < n; i += L) acc = FloatVector.fromArray(F, w, wOff + i).fma(FloatVector.fromArray(F, x, xOff + i), acc);
        acc.intoArray(lanes, 0);
        return VectorMath.sumLanesScalar(lanes, 0, L);
    }

    private static float[] buffer(int which, int size) {
        float[][] b = BUFFERS.get();
        if (b[which].length < size) b[which] = new float[size];
        return b[which];
    }

    @Override
    public final void multiply(float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        if (rowStart < 0 || rowEnd > rows || rowStart > rowEnd || batch < 1) {
            throw new IndexOutOfBoundsException("rows [" + rowStart + ", " + rowEnd + ") of " + rows + ", batch " + batch);
        }
        if (x.length < (long) batch * cols || out.length < (long) batch * rows) {
            throw new IndexOutOfBoundsException("x " + x.length + " / out " + out.length + " too short for batch " + batch
                    + " of " + rows + "x" + cols);
        }
        float[] lanes = buffer(1, lanesLength());
        if (batch >= PACK_MIN_BATCH && int8Batches()) {
            multiplyIntGroups(x, batch, out, rowStart, rowEnd, lanes);
            return;
        }
        if (batch >= PACK_MIN_BATCH) {
            multiplyPacked(x, batch, out, rowStart, rowEnd);
            return;
        }
        if (int8Decode()) {
            multiplyInt(x, batch, out, rowStart, rowEnd, lanes);
            return;
        }
        // With 8 lanes the kernels neither touch ahead nor outrun memory, so long rows stream too (4B Q8_0 tg
        // 0.90, 1.36 -> 1.19, 1.71 tok/s, alternating, Zen 1).
        if (streamsGroups() && (L == 8 || rowBytes <= TOUCH_MAX_ROW_BYTES)) {
            multiplyStreaming(x, batch, out, rowStart, rowEnd, lanes);
            return;
        }
        int step = CacheWarmer.rowsPerChunk(rowBytes, 4, CacheWarmer.BLOCK_QUANT_CHUNK_BYTES);
        int r = rowStart;
        while (r + 4 <= rowEnd) {
            int end = r + Math.min(step, (rowEnd - r) & ~3);
            CacheWarmer.warm(data, r * rowBytes, end * rowBytes);
            for (int b = 0; b < batch; b++) {
                for (int k = r; k < end; k += 4) dot4(k, x, b * cols, out, b * rows + k, lanes, k * rowBytes);
            }
            r = end;
        }
        singleRows(x, batch, out, r, rowEnd, lanes);
    }

    /**
     * Rows up to this long are streamed by {@link #multiplyStreaming}; longer ones are warmed in
     * {@link CacheWarmer#BLOCK_QUANT_CHUNK_BYTES} chunks. 2 threads, 4B tg64 tok/s, warming / touching, two
     * rounds: Q4_0 (touching its 1440-byte rows) 7.49, 7.33 / 7.95, 7.57; Q8_0 (touching its 2720-byte rows)
     * 6.08, 5.91 / 5.92, 5.66. One core, Q8_0 from DRAM, GB/s warming / touching: 8192x9728 14.2 / 7.7 (a 41 KB
     * group and the next one no longer fit in L1 together).
     */
    static final long TOUCH_MAX_ROW_BYTES = 2048;

    /**
     * Whether {@link #dot4} brings the next groups into cache itself while it computes, by reading one byte of
     * every line of the group at {@code ahead} (rows in the file's layout) or by reading its rows as one
     * sequential stream (grouped Q4_0), so that {@link #multiply} can stream with {@link #multiplyStreaming} instead of warming chunks first.
     */
    boolean streamsGroups() {
        return false;
    }

    /**
     * Decode without separate warm bursts: while {@link #dot4} computes a group of 4 rows (from L1, 4 interleaved
     * streams), it touches the next group's bytes in address order, one sequential stream that the hardware
     * prefetchers follow (or, for a grouped layout, reads its group as part of one such stream). A warm burst and
     * the kernel never overlapped; this way the next group's misses are in flight while this group computes. On the Zen 5 machine, C loops with the kernel's loads (one core, 1 GB,
     * 2720-byte rows) read 17 GB/s from the 4 interleaved row streams alone, 21 warming each next group after
     * computing this one, and 30 touching it during. 2 threads, tg tok/s, warming / touching, alternating:
     * 0.6B Q8_0 33.9, 31.6 / 42.2, 40.3; 0.6B Q4_0 34.5, 39.6 / 43.0, 46.7 (4B: see
     * {@link #TOUCH_MAX_ROW_BYTES}). BF16 decode touching the same way, with 1, 2 or 4 loads per 256 bytes, was
     * slower or no faster (0.6B tg 25-26 without, 16-26 with): it reads twice the bytes per multiply-add.
     */
    private void multiplyStreaming(float[] x, int batch, float[] out, int rowStart, int rowEnd, float[] lanes) {
        int end = rowStart + ((rowEnd - rowStart) & ~3);
        if (end > rowStart) CacheWarmer.warm(data, rowStart * rowBytes, (rowStart + 4) * rowBytes);
        for (int k = rowStart; k < end; k += 4) {
            // The last group touches itself: the next rows may lie outside the matrix (or belong to another thread).
            long ahead = (k + 8 <= end ? k + 4 : k) * rowBytes;
            for (int b = 0; b < batch; b++) dot4(k, x, b * cols, out, b * rows + k, lanes, b == 0 ? ahead : k * rowBytes);
        }
        singleRows(x, batch, out, end, rowEnd, lanes);
    }

    /**
     * Whether decode (batches under {@link #PACK_MIN_BATCH}) quantises the activations to int8 blocks
     * ({@link Int8Activations}) and runs {@link #dot4Int} or, in pair groups, {@link #dotGroupInt}, as llama.cpp's
     * quantised dot products do. With 16-float vectors Q4_0 and Q8_0 do (session 18: their float kernels were
     * bound by instructions, the integer ones read 1.3-2x the bytes per second); with 8-float vectors (AVX2) Q4_0,
     * Q4_K and Q6_K, where their float kernels are compute-bound: converting every
     * weight to float costs more than the multiply-add itself (0.6B Q4_0 tg 7.5 -> 10.4 tok/s, Zen 1, 2 threads;
     * the K-quants' float decode had no in-register kernel for 8 lanes at all). A token's results then
     * differ from what it gets inside a batch of {@link #PACK_MIN_BATCH} or more (which decodes the weights to
     * floats) by the activations' rounding, at most half a step of {@code max|x|/127} per block.
     *
     * <p>With 8 lanes Q8_0 had the same kernel (int8 weights widened to shorts): 1024x1024 in cache it beat the
     * float one (9.9 vs 7.7 GFLOP/s), but inside the model decode was slower (0.6B tg 9.7, 9.7, 8.4 vs 10.6, 11.4,
     * 11.3 tok/s, alternating): C2 kept a bounds check per segment load and spilled the loop's offsets to the stack.
     */
    @Override
    public boolean int8Decode() {
        return false;
    }

    /**
     * Whether batches of {@link #PACK_MIN_BATCH} or more take the grouped integer kernels too ({@link #dotGroupInts})
     * instead of decoding panels of floats: then a token gets the same bits in any batch.
     */
    @Override
    public boolean int8Batches() {
        return false;
    }

    /**
     * {@code out[o + k] = dot(row r+k, token's activations)} for {@code k < 4}, with the activations quantised:
     * {@code sum over blocks of d_w·d_x·sum(q_w·q_x)}, each block's integer sum exact. Each row's result must not
     * depend on the other three.
     */
    void dot4Int(int r, Int8Activations q, int token, float[] out, int o, float[] lanes) {
        throw new UnsupportedOperationException(dtype + " has no integer decode kernel");
    }

    /**
     * {@link #int8Decode} kernels: 4 rows at a time, every token of the batch. The 1-3 rows after the last whole
     * group are computed as part of the matrix's 4 rows that end with them (a row's result does not depend on
     * its group), so that a row gets the same bits whatever ranges the threads split the matrix into. A matrix of
     * fewer than 4 rows takes the float path.
     */
    private void multiplyInt(float[] x, int batch, float[] out, int rowStart, int rowEnd, float[] lanes) {
        if (groupedRows > 0 && chunkBytes == 2) {
            multiplyIntGroups(x, batch, out, rowStart, rowEnd, lanes);
            return;
        }
        if (rows < 4) {
            singleRows(x, batch, out, rowStart, rowEnd, lanes);
            return;
        }
        Int8Activations q = Int8Activations.local().quantize(x, batch, cols);
        int end = rowStart + ((rowEnd - rowStart) & ~3);
        for (int k = rowStart; k < end; k += 4) {
            for (int b = 0; b < batch; b++) dot4Int(k, q, b, out, b * rows + k, lanes);
        }
        if (end < rowEnd) {
            float[] four = buffer(0, 4);
            int g = rowEnd - 4;
            for (int b = 0; b < batch; b++) {
                dot4Int(g, q, b, four, 0, lanes);
                for (int r = end; r < rowEnd; r++) out[b * rows + r] = four[r - g];
            }
        }
    }

    /**
     * {@code out[o + k] = dot(row r+k, token's activations)} for {@code k <} {@link #groupSize} (8 or 16), {@code r}
     * the first row of a group of 2-byte chunks, with the activations quantised as in {@link #dot4Int}.
     */
    void dotGroupInt(int r, Int8Activations q, int token, float[] out, int o, float[] lanes) {
        throw new UnsupportedOperationException(dtype + " has no grouped integer decode kernel");
    }

    /**
     * {@link #dotGroupInt} over whole groups (every row is grouped: such groups are used only for a multiple of
     * {@link #groupSize} rows). A group that the range cuts is computed whole into scratch, so that the rows'
     * bits do not depend on how the threads split the matrix.
     */
    private void multiplyIntGroups(float[] x, int batch, float[] out, int rowStart, int rowEnd, float[] lanes) {
        Int8Activations q = Int8Activations.local().quantize(x, batch, cols);
        int G = groupSize;
        boolean fours = batch >= 4 && int8Batches();
        for (int g = rowStart - rowStart % G; g < rowEnd; g += G) {
            if (g >= rowStart && g + 2 * G <= rowEnd && batch >= 4 && pairsGroups()) {
                prepareGroupsInt4(g, 2, lanes);
                for (int b = 0; b < batch; ) b += dotGroupPairInts(g, q, b, batch - b, out, b * rows + g, rows, lanes);
                g += G;
                continue;
            }
            if (fours) prepareGroupsInt4(g, 1, lanes);
            if (g >= rowStart && g + G <= rowEnd) {
                for (int b = 0; b < batch; ) b += dotGroupInts(g, q, b, batch - b, out, b * rows + g, rows, lanes);
                continue;
            }
            float[] part = buffer(0, batch * G);
            for (int b = 0; b < batch; ) b += dotGroupInts(g, q, b, batch - b, part, b * G, G, lanes);
            for (int b = 0; b < batch; b++) {
                for (int r = Math.max(g, rowStart); r < Math.min(g + G, rowEnd); r++) out[b * rows + r] = part[b * G + r - g];
            }
        }
    }

    /**
     * {@link #dotGroupInt} for up to {@code tokens} tokens from {@code token} on, token {@code token+j}'s results
     * at {@code out[o + j·stride ..]}, each with the bits {@link #dotGroupInt} gives it; returns how many it did.
     */
    final int dotGroupInts(int r, Int8Activations q, int token, int tokens, float[] out, int o, int stride, float[] lanes) {
        if (tokens >= 4 && int8Batches()) {
            dotGroupInt4(r, q, token, out, o, stride, lanes);
            return 4;
        }
        dotGroupInt(r, q, token, out, o, lanes);
        return 1;
    }

    /**
     * Whether batches take {@link #dotGroupPairInt4} on two neighbouring whole groups (both in the range), so that
     * each broadcast activation serves twice the rows.
     */
    boolean pairsGroups() {
        return false;
    }

    /** {@link #dotGroupInts} for the two groups from row {@code r} on: 4 tokens with {@link #dotGroupPairInt4}, or 1. */
    private int dotGroupPairInts(int r, Int8Activations q, int token, int tokens, float[] out, int o, int stride, float[] lanes) {
        if (tokens >= 4) {
            dotGroupPairInt4(r, q, token, out, o, stride, lanes);
            return 4;
        }
        dotGroupInt(r, q, token, out, o, lanes);
        dotGroupInt(r + groupSize, q, token, out, o + groupSize, lanes);
        return 1;
    }

    /** {@link #dotGroupInt4} for the two groups of rows {@code r .. r + 2·groupSize}, with the same bits. */
    void dotGroupPairInt4(int r, Int8Activations q, int token, float[] out, int o, int stride, float[] lanes) {
        throw new UnsupportedOperationException(dtype + " has no two-group integer kernel");
    }

    /**
     * {@link #dotGroupInt} for 4 tokens at once, token {@code token+j}'s results at {@code out[o + j·stride ..]},
     * with the bits {@code dotGroupInt} gives each: the prefill kernel of the types whose batches take the integer
     * kernels ({@link #int8Batches}).
     */
    void dotGroupInt4(int r, Int8Activations q, int token, float[] out, int o, int stride, float[] lanes) {
        throw new UnsupportedOperationException(dtype + " has no 4-token integer kernel");
    }

    private void singleRows(float[] x, int batch, float[] out, int r, int rowEnd, float[] lanes) {
        if (r < rowEnd) {
            float[] w = buffer(0, cols);
            for (; r < rowEnd; r++) {
                decodeRow(r * rowBytes, w, 0);
                for (int b = 0; b < batch; b++) out[b * rows + r] = dot(w, 0, x, b * cols, cols, lanes);
            }
        }
    }

    private void multiplyPacked(float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        PackedTile.Scratch s = PackedTile.scratch();
        s.layOut(x, batch, cols, cols, false);
        float[] w = s.panel(cols);
        int[][] places = PANEL_PLACES.get();
        for (int r = rowStart; r < rowEnd; r += PackedTile.PANEL_ROWS) {
            int n = Math.min(PackedTile.PANEL_ROWS, rowEnd - r);
            CacheWarmer.warm(data, r * rowBytes, (r + n) * rowBytes);
            for (int k = 0; k < n; k++) {
                places[0][k] = PackedTile.rowOffset(n, k, cols);
                places[1][k] = PackedTile.chunkStep(n, k);
            }
            decodePanel(r, n, w, places[0], places[1]);
            PackedTile.multiply(s, n, cols, cols, x, batch, out, rows, r);
        }
    }

    /** Per thread: where each row of a prefill panel goes ({@link PackedTile#rowOffset}) and its chunk step. */
    private static final ThreadLocal<int[][]> PANEL_PLACES = ThreadLocal.withInitial(() -> new int[2][PackedTile.PANEL_ROWS]);

    /** Rows {@code r .. r+n} decoded into a prefill panel, row {@code r+k} at {@code offs[k]} with {@code steps[k]}. */
    void decodePanel(int r, int n, float[] dst, int[] offs, int[] steps) {
        if (r < groupedRows && chunkBytes == 2) {
            for (int g = r - r % groupSize; g < r + n; g += groupSize) {
                int from = Math.max(r, g) - g;
                decodePairGroup(g, from, Math.min(r + n, g + groupSize) - g, dst, offs, steps, g + from - r);
            }
            return;
        }
        for (int k = 0; k < n; k++) decodeRow((r + k) * rowBytes, dst, offs[k], steps[k]);
    }

    /**
     * Row {@code r} of a pair group ({@link #copyPairGroups}) into {@code dst} at {@code off} with {@code step}:
     * {@link #decodeRow} for those rows (embedding lookups, tests).
     */
    final void decodePairRow(int r, float[] dst, int off, int step) {
        int[][] one = ONE_ROW.get();
        one[0][0] = off;
        one[1][0] = step;
        int j = r % groupSize;
        decodePairGroup(r - j, j, j + 1, dst, one[0], one[1], 0);
    }

    /**
     * Rows {@code g+from .. g+to} of the pair group at {@code g}, row {@code g+j} into {@code dst} at
     * {@code offs[first + j - from]} with that {@code steps} entry ({@link #decodeRow}'s panel layout). Per block
     * the group's byte pairs are transposed back into rows in a per-thread buffer ({@link #ungroup}), then
     * each row's block decodes as in the file's layout ({@link #decodeQuants}).
     */
    private void decodePairGroup(int g, int from, int to, float[] dst, int[] offs, int[] steps, int first) {
        MemorySegment rowsOf = ROW_BYTES.get();
        long[] w = PAIRS.get();
        long quantBytes = dtype.blockBytes - headBytes;
        for (int blk = 0; blk < blocksPerRow; blk++) {
            long heads = ungroup(g, blk, rowsOf, w);
            for (int j = from; j < to; j++) {
                int k = first + j - from;
                decodeQuants(rowsOf, quantBytes * j, f16(data, heads + 2L * j), dst, offs[k], blk, steps[k]);
            }
        }
    }

    /**
     * Block {@code blk} of a row, its quant bytes at {@code src[at ..]} and its scale {@code d}, into the row at
     * {@code dst[off ..]} with {@code step}: for the types stored in pair groups.
     */
    void decodeQuants(MemorySegment src, long at, float d, float[] dst, int off, int blk, int step) {
        throw new UnsupportedOperationException(dtype + " is not stored in pair groups");
    }

    /**
     * A group's block of quant bytes back in rows, per thread (16 rows of Q6_K's 192 bytes at most), and the longs
     * {@link #ungroup} transposes them in. Native, as
     * the grouped weights are: with a heap segment at the same load, C2 no longer intrinsified it (Q4_0 prefill
     * 36 -> 5 tok/s).
     */
    static final ThreadLocal<MemorySegment> ROW_BYTES = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(3072, 16));
    static final ThreadLocal<long[]> PAIRS = ThreadLocal.withInitial(() -> new long[384]);
    /** A single row's offset and step for {@link #decodePairGroup}, per thread. */
    private static final ThreadLocal<int[][]> ONE_ROW = ThreadLocal.withInitial(() -> new int[2][1]);

    @Override
    public final void readRow(int row, float[] dst, int offset) {
        if (row < 0 || row >= rows) throw new IndexOutOfBoundsException("row " + row + " of " + rows);
        decodeRow(row * rowBytes, dst, offset);
    }

    static float f16(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, off));
    }
}
