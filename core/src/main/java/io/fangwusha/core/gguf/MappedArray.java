package io.fangwusha.core.gguf;

import io.fangwusha.core.FangwushaException;
import java.lang.foreign.MemorySegment;

/**
 * A large metadata array left in the mapped file, parsed again on each read ({@link GgufValue#value()}).
 *
 * <p>Why: a model keeps its GGUF file open for the mapped weights, and with it the metadata. Parsed once into Java
 * objects, Qwen3's {@code tokenizer.ggml.tokens} and {@code tokenizer.ggml.merges} (300k strings) and
 * {@code token_type} held ~20 MB of heap for the life of the model, though they are read once, to build the tokenizer
 * (and when a file is re-encoded). The file was validated when opened, so a read cannot fail, except after the
 * file was closed.
 */
final class MappedArray {
    /** Arrays whose elements take at least this many bytes in the file stay there (small ones are parsed at once). */
    static final long MIN_BYTES = 16 * 1024;

    private final MemorySegment file;
    private final String fileName;
    private final String key;
    private final GgufValueType elementType;
    private final long offset;
    private final int length;

    /** @param offset where the first element starts */
    MappedArray(MemorySegment file, String fileName, String key, GgufValueType elementType, long offset, int length) {
        this.file = file;
        this.fileName = fileName;
        this.key = key;
        this.elementType = elementType;
        this.offset = offset;
        this.length = length;
    }

    int length() {
        return length;
    }

    /** A fresh array, as the parser would have made it when the file was opened. */
    Object read() {
        if (!file.scope().isAlive()) {
            throw new FangwushaException(fileName + ": metadata '" + key + "' cannot be read: the file is closed");
        }
        GgufParser p = new GgufParser(file, fileName);
        p.pos = offset;
        return p.elements(elementType, length, key);
    }
}
