package io.fangwusha.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ThreadPoolTest {
    @Test
    void everyIndexRunsExactlyOnceAcrossManyJobs() {
        try (ThreadPool pool = new ThreadPool(3)) {
            for (int job = 0; job < 2000; job++) {
                int start = job % 7, end = start + 1 + (job * 37) % 500, grain = 1 + job % 13;
                AtomicIntegerArray hits = new AtomicIntegerArray(end);
                pool.parallelFor(start, end, grain, (s, e) -> {
                    assertThat((s - start) % grain).isZero(); // chunks start on the grain
                    for (int i = s; i < e; i++) hits.incrementAndGet(i);
                });
                for (int i = 0; i < end; i++) assertThat(hits.get(i)).as("job %d index %d", job, i).isEqualTo(i < start ? 0 : 1);
            }
        }
    }

    @Test
    void aFailureInAnyChunkIsRethrownAndThePoolStaysUsable() {
        try (ThreadPool pool = new ThreadPool(2)) {
            assertThatThrownBy(() -> pool.parallelFor(0, 100, 1, (s, e) -> {
                if (s == 57) throw new IllegalStateException("chunk 57");
            })).isInstanceOf(IllegalStateException.class).hasMessage("chunk 57");
            int[] sum = new int[1];
            pool.parallelFor(0, 10, 10, (s, e) -> sum[0] += e - s);
            assertThat(sum[0]).isEqualTo(10);
        }
    }
}
