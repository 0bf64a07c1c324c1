package io.fangwusha.core.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fangwusha.core.FangwushaException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;

/**
 * Writes safetensors files. The output is sized up front and memory-mapped, and each tensor's {@link TensorOut.Fill}
 * writes its bytes straight into the mapping in chunks, several chunks in parallel: nothing model-sized touches the
 * heap. Every file is written under a temporary name in the same directory and then moved into place atomically.
 *
 * <p>Layout: 8-byte little-endian header length, a compact JSON header ({@code __metadata__: {format: pt}} first,
 * then the tensors sorted by name, data laid out in that order), padded with spaces to a multiple of 8 bytes as
 * the format allows so that the data section starts aligned.
 */
public class SafetensorsWriter {
    /** HF's {@code max_shard_size} spelled "2GB" (decimal, as huggingface_hub parses it). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 2_000_000_000L;
    private static final long CHUNK_BYTES = 4L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int threads;

    public SafetensorsWriter() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public SafetensorsWriter(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads " + threads);
        this.threads = threads;
    }

    /**
     * Parses a size as huggingface_hub does for {@code max_shard_size}: a byte count, or a number with KB/MB/GB
     * (powers of 1000) or KiB/MiB/GiB (powers of 1024), case-insensitive: "2GB" is 2,000,000,000 bytes.
     */
    public static long parseSize(String flag, String text) {
        String s = text.strip().toUpperCase(java.util.Locale.ROOT);
        long unit = 1;
        String[][] units = {{"GIB", "1073741824"}, {"MIB", "1048576"}, {"KIB", "1024"}, {"GB", "1000000000"},
                {"MB", "1000000"}, {"KB", "1000"}, {"B", "1"}};
        for (String[] u : units) {
            if (s.endsWith(u[0])) {
                s = s.substring(0, s.length() - u[0].length()).strip();
                unit = Long.parseLong(u[1]);
                break;
            }
        }
        try {
            double v = Double.parseDouble(s);
            long bytes = (long) (v * unit);
            if (!(v > 0) || bytes <= 0 || Double.isInfinite(v)) throw new NumberFormatException();
            return bytes;
        } catch (NumberFormatException e) {
            throw new FangwushaException(flag + ": '" + text + "' is not a positive size (e.g. 2GB, 500MB, 1GiB)");
        }
    }

    /** What a checkpoint write produced: the weight files (and index, if sharded) and the tensor data bytes. */
    public record Written(List<Path> files, long totalBytes) {}

    /** The header bytes (JSON padded with spaces to a multiple of 8) for tensors laid out in the given order. */
    public static byte[] header(List<TensorOut> ordered) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("__metadata__").put("format", "pt");
        long off = 0;
        for (TensorOut t : ordered) {
            ObjectNode e = root.putObject(t.name());
            e.put("dtype", t.dtype().name());
            var shape = e.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            long end = off + t.bytes();
            e.putArray("data_offsets").add(off).add(end);
            off = end;
        }
        byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) out[i] = ' ';
        return out;
    }

    /** Writes one safetensors file atomically; returns its tensor data bytes. */
    public long writeFile(Path file, List<TensorOut> tensors) {
        List<TensorOut> ordered = new ArrayList<>(tensors);
        ordered.sort(Comparator.comparing(TensorOut::name));
        checkUnique(ordered, file);
        byte[] header = header(ordered);
        long dataBytes = 0;
        for (TensorOut t : ordered) dataBytes += t.bytes();
        long size = 8 + header.length + dataBytes;
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            Files.deleteIfExists(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE); Arena arena = Arena.ofShared()) {
                MemorySegment all = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
                all.set(LE_LONG, 0, header.length);
                MemorySegment.copy(header, 0, all, ValueLayout.JAVA_BYTE, 8, header.length);
                fillAll(all, 8 + header.length, ordered, file);
                all.force();
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return dataBytes;
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new FangwushaException(file + ": cannot write: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    /**
     * Writes the weights of a checkpoint into {@code dir}: a single {@code model.safetensors} when the data fit in
     * {@code maxShardBytes}, else HF-named shards {@code model-00001-of-0000N.safetensors} plus
     * {@code model.safetensors.index.json}. Tensors are assigned to shards in the given order, opening a new shard
     * when the next tensor would overflow the current one (a tensor larger than the limit gets a shard of its own),
     * as transformers does. Weight files of an earlier write that are not part of this one are removed afterwards.
     */
    public Written writeCheckpoint(Path dir, List<TensorOut> tensors, long maxShardBytes) {
        if (maxShardBytes <= 0) throw new FangwushaException("max shard size must be positive, got " + maxShardBytes);
        checkUnique(tensors, dir);
        List<List<TensorOut>> shards = new ArrayList<>();
        List<TensorOut> current = new ArrayList<>();
        long currentBytes = 0, total = 0;
        for (TensorOut t : tensors) {
            long b = t.bytes();
            if (!current.isEmpty() && currentBytes + b > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(t);
            currentBytes += b;
            total += b;
        }
        shards.add(current);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new FangwushaException(dir + ": cannot create directory: " + e.getMessage(), e);
        }
        List<Path> files = new ArrayList<>();
        if (shards.size() == 1) {
            Path f = dir.resolve(SafetensorsStore.SINGLE);
            writeFile(f, shards.get(0));
            files.add(f);
        } else {
            int n = shards.size();
            Map<String, String> weightMap = new TreeMap<>(); // transformers writes the index with sorted keys
            for (int k = 0; k < n; k++) {
                String name = String.format("model-%05d-of-%05d.safetensors", k + 1, n);
                Path f = dir.resolve(name);
                writeFile(f, shards.get(k));
                files.add(f);
                for (TensorOut t : shards.get(k)) weightMap.put(t.name(), name);
            }
            ObjectNode index = JSON.createObjectNode();
            index.putObject("metadata").put("total_size", total);
            ObjectNode wm = index.putObject("weight_map");
            weightMap.forEach(wm::put);
            Path indexFile = dir.resolve(SafetensorsStore.INDEX);
            writeJsonAtomically(indexFile, index);
            files.add(indexFile);
        }
        removeStale(dir, files);
        return new Written(List.copyOf(files), total);
    }

    /** Writes pretty-printed JSON (plus a final newline) to {@code file} atomically. */
    public static void writeJsonAtomically(Path file, Object json) {
        try {
            String text = JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json) + "\n";
            writeAtomically(file, text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new FangwushaException(file + ": cannot write: " + e.getMessage(), e);
        }
    }

    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path tmp = file.toAbsolutePath().getParent()
                .resolve("." + file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /** Fills every tensor's bytes, in chunks spread over the writer's threads. */
    private void fillAll(MemorySegment all, long dataStart, List<TensorOut> ordered, Path file) {
        record Chunk(TensorOut t, long first, long count, long offset) {}
        List<Chunk> chunks = new ArrayList<>();
        long off = dataStart;
        for (TensorOut t : ordered) {
            int eb = t.dtype().blockBytes;
            long per = Math.max(1, CHUNK_BYTES / eb), n = t.elements();
            for (long first = 0; first < n; first += per) {
                long count = Math.min(per, n - first);
                chunks.add(new Chunk(t, first, count, off + first * eb));
            }
            off += t.bytes();
        }
        Runnable work = () -> chunks.parallelStream().forEach(c ->
                c.t.fill().fill(c.first, c.count, all.asSlice(c.offset, c.count * c.t.dtype().blockBytes)));
        if (threads == 1) {
            chunks.forEach(c -> c.t.fill().fill(c.first, c.count, all.asSlice(c.offset, c.count * c.t.dtype().blockBytes)));
            return;
        }
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            pool.submit(work).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FangwushaException(file + ": interrupted while writing", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new FangwushaException(file + ": " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static void checkUnique(List<TensorOut> tensors, Path where) {
        Set<String> seen = new HashSet<>();
        for (TensorOut t : tensors) {
            if (t.name().equals("__metadata__") || !seen.add(t.name())) {
                throw new FangwushaException(where + ": duplicate or reserved tensor name '" + t.name() + "'");
            }
        }
    }

    /** Removes weight files in {@code dir} left from an earlier write (stale shards, a stale index). */
    private static void removeStale(Path dir, List<Path> keep) {
        Set<Path> kept = new HashSet<>();
        for (Path p : keep) kept.add(p.toAbsolutePath().normalize());
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                boolean weightFile = n.equals(SafetensorsStore.INDEX)
                        || n.equals(SafetensorsStore.SINGLE) || n.matches("model-\\d{5}-of-\\d{5}\\.safetensors");
                if (weightFile && !kept.contains(p.toAbsolutePath().normalize())) Files.delete(p);
            }
        } catch (IOException e) {
            throw new FangwushaException(dir + ": cannot remove stale weight file: " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the temp name never looks like a finished file
        }
    }
}
