package io.fangwusha.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.ConcurrentLinkedQueue;
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
    void guidedChunksCoverEveryIndexOnceOnTheGrainAndShrinkToIt() {
        try (ThreadPool pool = new ThreadPool(3)) {
            for (int job = 0; job < 2000; job++) {
                boolean guided = job % 2 == 0; // interleaved with fixed jobs: the mode must not leak between jobs
                int start = job % 5, end = start + 1 + (job * 53) % 900, grain = 1 + job % 17;
                AtomicIntegerArray hits = new AtomicIntegerArray(end);
                ConcurrentLinkedQueue<int[]> chunks = new ConcurrentLinkedQueue<>();
                pool.parallelFor(start, end, grain, guided, (s, e) -> {
                    chunks.add(new int[] {s, e});
                    for (int i = s; i < e; i++) hits.incrementAndGet(i);
                });
                for (int i = 0; i < end; i++) assertThat(hits.get(i)).as("job %d index %d", job, i).isEqualTo(i < start ? 0 : 1);
                int n = end - start;
                for (int[] c : chunks) {
                    assertThat((c[0] - start) % grain).isZero();
                    if (c[1] < end) assertThat((c[1] - c[0]) % grain).isZero();
                    // A guided claim takes at most a 1/(2·threads) share of what was left, rounded up to the grain.
                    int share = (end - c[0] + 5) / 6, bound = Math.max(grain, (share + grain - 1) / grain * grain);
                    if (guided && n > grain) assertThat(c[1] - c[0]).isLessThanOrEqualTo(bound);
                    if (!guided && n > grain && c[1] < end) assertThat(c[1] - c[0]).isEqualTo(grain);
                }
                if (guided && n >= 6 * grain * 4) {
                    int first = chunks.stream().filter(c -> c[0] == start).findFirst().orElseThrow()[1] - start;
                    assertThat(first).as("job %d: the first guided chunk is a share, not the grain", job).isGreaterThan(grain);
                }
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
