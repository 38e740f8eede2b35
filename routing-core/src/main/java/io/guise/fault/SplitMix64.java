package io.guise.fault;

/**
 * A seeded SplitMix64 pseudo-random generator: a Weyl sequence with the increment
 * {@code 0x9E3779B97F4A7C15}, passed through a 64-bit finalizer. For the same seed it
 * returns the same {@code nextLong()} and {@code nextDouble()} values as
 * {@code java.util.SplittableRandom(seed)} in JDK 17, which the tests check.
 *
 * <p>Not thread-safe: the state is a plain field with no synchronization, so each
 * connection or thread needs its own instance. The generator allocates nothing after
 * construction. Two instances built with the same seed return the same sequence on
 * every JVM. It is not suitable for anything that needs unpredictable numbers.
 */
public final class SplitMix64 {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final double DOUBLE_UNIT = 0x1.0p-53;

    private long state;

    /** Creates a generator whose sequence depends only on {@code seed}. */
    public SplitMix64(long seed) {
        this.state = seed;
    }

    /**
     * Creates a generator for stream {@code streamId} of {@code seed}, such as one per
     * connection. Distinct stream ids give unrelated sequences, and the same pair
     * always gives the same sequence.
     *
     * <p>NOTE: all streams walk the same Weyl sequence from different start points, so
     * two streams overlap only if their start points lie close together on it. With
     * mixed 64-bit start points the chance is negligible for any realistic stream
     * count, but it is not zero.
     */
    public static SplitMix64 forStream(long seed, long streamId) {
        return new SplitMix64(mix(seed ^ mix(streamId)));
    }

    /**
     * Returns the SplitMix64 finalizer of {@code value}: a bijection on 64-bit values
     * with good avalanche, usable as a stable hash. Note that {@code mix(0) == 0}.
     */
    public static long mix(long value) {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Advances the generator and returns the next 64 uniformly distributed bits. */
    public long nextLong() {
        state += GOLDEN_GAMMA;
        return mix(state);
    }

    /** Advances the generator and returns a double in [0, 1) built from the top 53 bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * DOUBLE_UNIT;
    }

    /**
     * Returns a uniformly distributed value in [0, {@code boundExclusive}).
     *
     * <p>Each attempt takes 63 bits and rejects the values above the largest multiple of
     * the bound, so the result has no modulo bias. At least half of all attempts
     * succeed for any bound, and every attempt succeeds when the bound is a power of
     * two.
     *
     * @throws IllegalArgumentException when {@code boundExclusive} is not positive
     */
    public long nextLong(long boundExclusive) {
        if (boundExclusive <= 0) {
            throw new IllegalArgumentException(
                    "boundExclusive: " + boundExclusive + " (expected: > 0)");
        }
        // 2^63 mod bound, computed without forming 2^63: (2^63 - 1) mod bound, plus one.
        final long remainder = (Long.MAX_VALUE % boundExclusive + 1) % boundExclusive;
        final long maxAccepted = Long.MAX_VALUE - remainder;
        long candidate = nextLong() >>> 1;
        while (candidate > maxAccepted) {
            candidate = nextLong() >>> 1;
        }
        return candidate % boundExclusive;
    }
}
