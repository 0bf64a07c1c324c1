package io.fangwusha.core.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeMemoryTest {

    @TempDir
    Path dir;

    @Test
    void aReleasedViewOfAFileReadsTheFileAgain() throws IOException {
        byte[] bytes = new byte[5 * 4096 + 123];
        new Random(3).nextBytes(bytes);
        Path f = dir.resolve("w.bin");
        Files.write(f, bytes);
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            MemorySegment view = NativeMemory.view(ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena), arena);
            assertThat(view.isMapped()).isFalse();
            assertThat(view.isReadOnly()).isTrue();
            assertThatThrownBy(() -> view.set(ValueLayout.JAVA_BYTE, 0, (byte) 1)).isInstanceOf(IllegalArgumentException.class);
            assertThat(view.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(bytes);
            NativeMemory.release(view.asSlice(100, 2 * 4096));
            NativeMemory.release(view);
            assertThat(view.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(bytes);
        }
    }

    @Test
    void uninitializedMemoryIsAlignedWritableAndFreedWithItsArena() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = NativeMemory.allocateUninitialized(3 * 4096 + 5, arena);
            assertThat(s.byteSize()).isEqualTo(3 * 4096 + 5);
            assertThat(s.address() % 64).isZero();
            s.fill((byte) 9);
            assertThat(s.get(ValueLayout.JAVA_BYTE, 3 * 4096 + 4)).isEqualTo((byte) 9);
            NativeMemory.release(s);
            assertThat(s.get(ValueLayout.JAVA_BYTE, 100)).isEqualTo((byte) 9);
        }
    }

    /** Anonymous memory would read back as zeros after MADV_DONTNEED: release must leave writable memory alone. */
    @Test
    void releaseLeavesMemoryThatIsNotAFileViewAlone() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(64 * 4096, 4096);
            s.fill((byte) 7);
            NativeMemory.release(s);
            NativeMemory.release(s.asReadOnly().asSlice(0, 0));
            assertThat(s.get(ValueLayout.JAVA_BYTE, 5 * 4096)).isEqualTo((byte) 7);
            MemorySegment heap = MemorySegment.ofArray(new byte[] {1, 2, 3}).asReadOnly();
            NativeMemory.release(heap);
            assertThat(heap.get(ValueLayout.JAVA_BYTE, 2)).isEqualTo((byte) 3);
        }
    }
}
