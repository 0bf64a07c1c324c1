package io.fangwusha.core.generate;

/**
 * SplitMix64: a tiny generator whose output is fixed by its published algorithm, so a seed gives the same samples
 * on every JDK and platform (java.util.Random's successors make no such promise across versions).
 */
final class Rng {
    private long state;

    Rng(long seed) {
        this.state = seed;
    }

    long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }
}
