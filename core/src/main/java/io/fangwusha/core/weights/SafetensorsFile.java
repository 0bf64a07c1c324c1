package io.fangwusha.core.weights;

import io.fangwusha.core.FangwushaException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One memory-mapped {@code .safetensors} file. The whole file is mapped once through FFM (no 2 GB limit); every
 * {@link Tensor} is a slice of that mapping, never a copy. Slices may be unaligned (safetensors only pads the header
 * to 8 bytes, and not every writer does), so readers must use unaligned layouts. Closing unmaps the file and
 * invalidates every tensor obtained from it.
 */
public final class SafetensorsFile implements AutoCloseable {
    private static final ValueLayout.OfLong LE_LONG =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final Map<String, Tensor> tensors;

    private SafetensorsFile(Path path, Arena arena, Map<String, Tensor> tensors) {
        this.path = path;
        this.arena = arena;
        this.tensors = tensors;
    }

    /** Maps and validates {@code path}; every problem is a {@link FangwushaException} naming the file. */
    public static SafetensorsFile open(Path path) {
        String name = path.getFileName().toString();
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new FangwushaException(name + ": file is " + size + " bytes, too short for a safetensors header");
            }
            MemorySegment all = NativeMemory.view(ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena), arena);
            long headerLen = all.get(LE_LONG, 0);
            if (headerLen < 2 || headerLen > SafetensorsHeader.MAX_HEADER_BYTES) {
                throw new FangwushaException(name + ": header length " + headerLen + " is not plausible (file size "
                        + size + ")");
            }
            if (8 + headerLen > size) {
                throw new FangwushaException(name + ": header length " + headerLen + " exceeds file size " + size);
            }
            byte[] json = all.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            long dataStart = 8 + headerLen;
            SafetensorsHeader header = SafetensorsHeader.parse(name, json, size - dataStart);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (SafetensorsHeader.Entry e : header.entries()) {
                tensors.put(e.name(), new Tensor(e.name(), e.dtype(), e.shape(),
                        all.asSlice(dataStart + e.begin(), e.bytes()), true));
            }
            return new SafetensorsFile(path, arena, Collections.unmodifiableMap(tensors));
        } catch (NoSuchFileException e) {
            arena.close();
            throw new FangwushaException(path + ": file not found");
        } catch (IOException e) {
            arena.close();
            throw new FangwushaException(path + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** Tensor names in file order. */
    public Set<String> names() {
        return tensors.keySet();
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor, or null when the file has none of that name. */
    public Tensor find(String name) {
        return tensors.get(name);
    }

    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new FangwushaException(path.getFileName() + ": no tensor '" + name + "'");
        return t;
    }

    /** Total bytes of tensor data (excluding header). */
    public long dataBytes() {
        long n = 0;
        for (Tensor t : tensors.values()) n += t.data().byteSize();
        return n;
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
