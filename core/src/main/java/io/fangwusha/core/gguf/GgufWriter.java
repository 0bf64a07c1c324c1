package io.fangwusha.core.gguf;

import io.fangwusha.core.FangwushaException;
import io.fangwusha.core.weights.DType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF v3 file: header, metadata, tensor infos, then each tensor's bytes at an aligned offset (zero padding).
 * Tensor bytes are produced lazily, one tensor at a time in its own arena, so exporting a large model needs memory
 * for one converted tensor only. The file appears atomically (temp file in the same directory, then a move).
 */
public final class GgufWriter {

    /** Produces a tensor's bytes when the writer reaches it; the arena is closed right after they are written. */
    @FunctionalInterface
    public interface TensorBytes {
        MemorySegment produce(Arena arena);
    }

    private record Pending(String name, DType type, long[] shape, TensorBytes bytes) {}

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Pending> tensors = new ArrayList<>();
    private int alignment = GgufFile.DEFAULT_ALIGNMENT;

    /** A non-default alignment (power of two); recorded as {@code general.alignment}. */
    public GgufWriter alignment(int a) {
        if (a <= 0 || (a & (a - 1)) != 0 || a % 8 != 0) throw new IllegalArgumentException("alignment " + a);
        alignment = a;
        metadata.put("general.alignment", GgufValue.uint32(a));
        return this;
    }

    public GgufWriter put(String key, GgufValue value) {
        metadata.put(key, value);
        return this;
    }

    /** {@code shape} is row-major ({@code [rows, cols]}); it is written innermost-first as GGUF wants. */
    public GgufWriter addTensor(String name, DType type, long[] shape, TensorBytes bytes) {
        for (Pending p : tensors) if (p.name.equals(name)) throw new IllegalArgumentException("tensor " + name + " twice");
        tensors.add(new Pending(name, type, shape.clone(), bytes));
        return this;
    }

    public GgufWriter addTensor(String name, DType type, long[] shape, MemorySegment data) {
        return addTensor(name, type, shape, arena -> data);
    }

    public void write(Path out) {
        Path dir = out.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, out.getFileName().toString(), ".tmp");
            // createTempFile makes the file owner-only (0600); a model file should be as readable as any other output
            if (Files.getFileStore(tmp).supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class)) {
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeTo(ch, out.getFileName().toString());
                ch.force(true);
            }
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException e) {
            throw new FangwushaException(out + ": cannot write: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure is the one worth reporting
                }
            }
        }
    }

    private void writeTo(FileChannel ch, String fileName) throws IOException {
        Out o = new Out(ch);
        o.i32(GgufFile.MAGIC);
        o.i32(3);
        o.i64(tensors.size());
        o.i64(metadata.size());
        for (var e : metadata.entrySet()) {
            o.string(e.getKey());
            o.i32(e.getValue().type().code);
            value(o, e.getValue());
        }
        long offset = 0;
        long[] offsets = new long[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            Pending t = tensors.get(i);
            o.string(t.name);
            o.i32(t.shape.length);
            for (int d = t.shape.length - 1; d >= 0; d--) o.i64(t.shape[d]);
            o.i32(GgmlType.code(t.type));
            offsets[i] = offset;
            o.i64(offset);
            offset = GgufFile.alignUp(offset + size(t), alignment);
        }
        o.pad(alignment);
        for (int i = 0; i < tensors.size(); i++) {
            Pending t = tensors.get(i);
            // Shared: producers may fill the segment from several threads (parallel quantisation).
            try (Arena arena = Arena.ofShared()) {
                MemorySegment data = t.bytes.produce(arena);
                if (data.byteSize() != size(t)) {
                    throw new FangwushaException(fileName + ": tensor '" + t.name + "' has " + data.byteSize()
                            + " bytes, " + t.type + " " + java.util.Arrays.toString(t.shape) + " needs " + size(t));
                }
                o.segment(data);
            }
            o.pad(alignment);
        }
        o.flush();
    }

    private static long size(Pending t) {
        long n = 1;
        for (long d : t.shape) n *= d;
        return t.type.bytesFor(n);
    }

    private static void value(Out o, GgufValue v) throws IOException {
        if (v.type() != GgufValueType.ARRAY) {
            scalar(o, v.type(), v.value());
            return;
        }
        o.i32(v.elementType().code);
        o.i64(v.length());
        switch (v.value()) {
            case int[] a -> { for (int x : a) scalar(o, v.elementType(), x); }
            case long[] a -> { for (long x : a) scalar(o, v.elementType(), x); }
            case float[] a -> { for (float x : a) o.i32(Float.floatToRawIntBits(x)); }
            case double[] a -> { for (double x : a) o.i64(Double.doubleToRawLongBits(x)); }
            case boolean[] a -> { for (boolean x : a) o.u8(x ? 1 : 0); }
            case String[] a -> { for (String x : a) o.string(x); }
            case List<?> a -> {
                for (Object x : a) value(o, (GgufValue) x);
            }
            default -> throw new IllegalArgumentException("bad array value " + v);
        }
    }

    private static void scalar(Out o, GgufValueType t, Object v) throws IOException {
        switch (t) {
            case UINT8, INT8, BOOL -> o.u8(v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).intValue());
            case UINT16, INT16 -> o.u16(((Number) v).intValue());
            case UINT32, INT32 -> o.i32(((Number) v).intValue());
            case UINT64, INT64 -> o.i64(((Number) v).longValue());
            case FLOAT32 -> o.i32(Float.floatToRawIntBits(((Number) v).floatValue()));
            case FLOAT64 -> o.i64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
            case STRING -> o.string((String) v);
            default -> throw new IllegalArgumentException(t.name());
        }
    }

    /** Buffered little-endian output over a channel, tracking the absolute position for padding. */
    private static final class Out {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        private long pos;

        Out(FileChannel ch) {
            this.ch = ch;
        }

        private void room(int n) throws IOException {
            if (buf.remaining() < n) flush();
        }

        void u8(int v) throws IOException { room(1); buf.put((byte) v); pos += 1; }
        void u16(int v) throws IOException { room(2); buf.putShort((short) v); pos += 2; }
        void i32(int v) throws IOException { room(4); buf.putInt(v); pos += 4; }
        void i64(long v) throws IOException { room(8); buf.putLong(v); pos += 8; }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(ByteBuffer.wrap(b));
        }

        void pad(long alignment) throws IOException {
            while (pos % alignment != 0) u8(0);
        }

        void segment(MemorySegment seg) throws IOException {
            for (long off = 0; off < seg.byteSize(); off += 1 << 28) {
                bytes(seg.asSlice(off, Math.min(1 << 28, seg.byteSize() - off)).asByteBuffer());
            }
        }

        private void bytes(ByteBuffer b) throws IOException {
            if (b.remaining() <= buf.remaining()) {
                pos += b.remaining();
                buf.put(b);
                return;
            }
            flush();
            pos += b.remaining();
            while (b.hasRemaining()) ch.write(b);
        }

        void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) ch.write(buf);
            buf.clear();
        }
    }
}
