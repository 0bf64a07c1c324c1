package io.fangwusha.core.gguf;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.model.Qwen3Config;
import io.fangwusha.core.weights.DType;
import io.fangwusha.core.weights.NativeMemory;
import io.fangwusha.core.weights.Tensor;
import io.fangwusha.core.weights.WeightStore;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (v2 or v3) memory-mapped through FFM (no size limit, no heap copies of tensor data). Valid until
 * {@link #close()}; tensors and stores obtained from it share its mapping.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" little-endian
    public static final int DEFAULT_ALIGNMENT = 32;

    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final int version;
    private final GgufMetadata metadata;
    private final Map<String, GgufTensorInfo> tensors;
    private final long alignment;
    private final long dataOffset;

    private GgufFile(Path path, Arena arena, MemorySegment file) {
        this.path = path;
        this.arena = arena;
        this.file = file;
        String name = path.getFileName().toString();
        GgufParser p = new GgufParser(file, name);
        int magic = p.i32("magic");
        if (magic != MAGIC) {
            throw new FangwushaException(name + ": not a GGUF file (magic 0x" + Integer.toHexString(magic) + ")");
        }
        this.version = p.i32("version");
        if (version != 2 && version != 3) {
            throw new FangwushaException(name + ": GGUF version " + version + " is not supported (2 and 3 are)");
        }
        long nTensors = p.i64("tensor count");
        long nKv = p.i64("metadata count");
        // a tensor info takes >= 8+4+8+4+8 bytes and a key/value >= 8+4+1: larger counts cannot fit the file
        if (nTensors < 0 || nTensors > file.byteSize() / 32) {
            throw new FangwushaException(name + ": tensor count " + nTensors + " is impossible for a file of " + file.byteSize() + " bytes");
        }
        if (nKv < 0 || nKv > file.byteSize() / 13) {
            throw new FangwushaException(name + ": metadata count " + nKv + " is impossible for a file of " + file.byteSize() + " bytes");
        }
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            String key = p.string("metadata key #" + i);
            GgufValueType t = p.type("metadata '" + key + "'");
            if (kv.put(key, p.value(t, key, 0)) != null) {
                throw new FangwushaException(name + ": metadata key '" + key + "' appears twice");
            }
        }
        this.metadata = new GgufMetadata(name, kv);
        this.alignment = metadata.contains("general.alignment") ? metadata.getLong("general.alignment") : DEFAULT_ALIGNMENT;
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
            throw new FangwushaException(name + ": general.alignment " + alignment + " is not a power of two");
        }
        List<GgufTensorInfo> infos = new ArrayList<>();
        for (long i = 0; i < nTensors; i++) {
            String tn = p.string("tensor name #" + i);
            long nDims = p.u32("tensor '" + tn + "' dimension count");
            if (nDims < 1 || nDims > 4) {
                throw new FangwushaException(name + ": tensor '" + tn + "' has " + nDims + " dimensions (1 to 4 allowed)");
            }
            long[] dims = new long[(int) nDims];
            for (int d = 0; d < nDims; d++) {
                dims[d] = p.i64("tensor '" + tn + "' dimension");
                if (dims[d] <= 0 || dims[d] > (1L << 40)) {
                    throw new FangwushaException(name + ": tensor '" + tn + "' has dimension " + dims[d]);
                }
            }
            long code = p.u32("tensor '" + tn + "' type");
            DType dt = GgmlType.toDType(code);
            if (dt == null) {
                throw new FangwushaException(name + ": tensor '" + tn + "' has unsupported ggml type " + code
                        + " (" + GgmlType.name(code) + ")");
            }
            if (dims[0] % dt.blockSize != 0) {
                throw new FangwushaException(name + ": tensor '" + tn + "' row length " + dims[0]
                        + " is not a multiple of the " + dt + " block size " + dt.blockSize);
            }
            long offset = p.i64("tensor '" + tn + "' offset");
            infos.add(new GgufTensorInfo(tn, dims, dt, offset));
        }
        this.dataOffset = alignUp(p.pos, alignment);
        Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        for (GgufTensorInfo t : infos) {
            long bytes = t.byteSize();
            if (t.offset() < 0 || t.offset() % alignment != 0) {
                throw new FangwushaException(name + ": tensor '" + t.name() + "' offset " + t.offset()
                        + " is not a multiple of the alignment " + alignment);
            }
            long start = dataOffset + t.offset();
            if (start + bytes > file.byteSize() || start + bytes < start) {
                throw new FangwushaException(name + ": tensor '" + t.name() + "' data [" + start + ", " + (start + bytes)
                        + ") exceeds file size " + file.byteSize());
            }
            if (byName.put(t.name(), t) != null) {
                throw new FangwushaException(name + ": tensor '" + t.name() + "' appears twice");
            }
        }
        this.tensors = Collections.unmodifiableMap(byName);
    }

    /** Maps and validates {@code path}; a bad file raises a one-line {@link FangwushaException} naming it. */
    public static GgufFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment seg = NativeMemory.view(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena), arena);
            return new GgufFile(path, arena, seg);
        } catch (IOException e) {
            arena.close();
            throw new FangwushaException(path + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    static long alignUp(long v, long a) {
        return (v + a - 1) / a * a;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    /** Tensor infos by GGUF name, in file order. */
    public Map<String, GgufTensorInfo> tensorInfos() {
        return tensors;
    }

    public long alignment() {
        return alignment;
    }

    /**
     * Drops the metadata's pages ({@code [0, dataOffset)}: ~6 MB for Qwen3, mostly the vocabulary and merges) from this
     * process's resident memory once a loader has built what it needs from them; a later read (a re-encoding, a
     * {@link MappedArray}) pages them in again from the file. 0.6B BF16 bench peak RSS: 3-5 MB less.
     */
    public void releaseMetadata() {
        NativeMemory.release(file.asSlice(0, dataOffset));
    }

    /** Absolute file offset where the tensor data section starts. */
    public long dataOffset() {
        return dataOffset;
    }

    /** A tensor under its GGUF name, shape in row-major order, data a slice of the mapping. */
    public Tensor tensor(String ggufName) {
        GgufTensorInfo t = tensors.get(ggufName);
        if (t == null) throw new FangwushaException(path.getFileName() + ": no tensor '" + ggufName + "'");
        return new Tensor(ggufName, t.dtype(), t.shape(), file.asSlice(dataOffset + t.offset(), t.byteSize()), true);
    }

    /**
     * The tensors under Hugging Face names ({@link GgufTensorNames}); names it does not know keep their GGUF name.
     * Closing the store closes this file.
     */
    public WeightStore weights() {
        return new GgufWeightStore(this);
    }

    /** The Qwen3 config from {@code qwen3.*} metadata; see {@link GgufQwen3}. */
    public Qwen3Config qwen3Config() {
        return GgufQwen3.config(this);
    }

    /** Tokenizer metadata as stored ({@code tokenizer.ggml.*}, {@code tokenizer.chat_template}). */
    public GgufVocab vocab() {
        return GgufVocab.read(metadata);
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
