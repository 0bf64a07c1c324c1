package io.fangwusha.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class CacheWarmerTest {
    @Test
    void warmsExactlyTheRangeWhateverItsAlignment() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(1000);
            // Every range ends inside the segment; a touch past 'to' (e.g. rounding up to a line) would throw.
            for (long from : new long[] {0, 1, 63, 64, 130}) {
                for (long to = from; to <= 1000; to += 37) {
                    MemorySegment slice = s.asSlice(0, to);
                    CacheWarmer.warm(slice, from, to);
                }
            }
            assertThatThrownBy(() -> CacheWarmer.warm(s, 0, 1001)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void chunksAreWholeGroupsOfRows() {
        assertThat(CacheWarmer.rowsPerChunk(1088, 4, CacheWarmer.CHUNK_BYTES)).isEqualTo(Math.max(4, CacheWarmer.CHUNK_BYTES / 1088 / 4 * 4));
        assertThat(CacheWarmer.rowsPerChunk(10_336, 4, CacheWarmer.CHUNK_BYTES)).isEqualTo(4); // a row longer than the chunk: one group
        assertThat(CacheWarmer.rowsPerChunk(64, 4, CacheWarmer.CHUNK_BYTES) % 4).isZero();
        assertThat(CacheWarmer.rowsPerChunk(64, 4, CacheWarmer.CHUNK_BYTES) * 64L).isLessThanOrEqualTo(CacheWarmer.CHUNK_BYTES);
        assertThat(CacheWarmer.rowsPerChunk(1088, 4, 65536)).isEqualTo(60); // 60 Q8_0 rows of 1024 columns
    }
}
