package io.fangwusha.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Both slot layouts against a HashMap, with the corner pairs (0, 0) and the largest ids. */
class PairRanksTest {

    static void check(int idLimit, int merges, long seed) {
        Random rnd = new Random(seed);
        PairRanks ranks = new PairRanks(idLimit, merges);
        Map<Long, Integer> expected = new HashMap<>();
        int[][] pairs = new int[merges][];
        for (int r = 0; r < merges; r++) {
            int a = r == 0 ? 0 : r == 1 ? idLimit - 1 : rnd.nextInt(Math.min(idLimit, 64));
            int b = r == 0 ? 0 : r == 1 ? idLimit - 1 : rnd.nextInt(idLimit);
            pairs[r] = new int[] {a, b};
            ranks.put(a, b, r);
            expected.put(((long) a << 32) | b, r); // a later duplicate replaces an earlier one
        }
        for (int[] p : pairs) assertThat(ranks.rank(p[0], p[1])).isEqualTo(expected.get(((long) p[0] << 32) | p[1]));
        for (int i = 0; i < 10 * merges; i++) {
            int a = rnd.nextInt(Math.min(idLimit, 64)), b = rnd.nextInt(idLimit);
            assertThat(ranks.rank(a, b)).isEqualTo(expected.getOrDefault(((long) a << 32) | b, -1));
        }
    }

    @Test
    void packedSlots() {
        check(151_669, 5000, 1);
        check(300, 4000, 2); // many duplicates
        check(2, 3, 3);
        check(1 << 30, 15, 5); // 30 + 30 + 4 bits: exactly one long, sign bit used
    }

    @Test
    void wideSlotsWhenIdsAndRanksExceedALong() {
        check(Integer.MAX_VALUE, 5000, 4); // 31 + 31 + 13 bits
        check(1 << 30, 16, 6); // 30 + 30 + 5 bits
    }

    @Test
    void emptyTable() {
        assertThat(new PairRanks(10, 0).rank(0, 0)).isEqualTo(-1);
    }
}
