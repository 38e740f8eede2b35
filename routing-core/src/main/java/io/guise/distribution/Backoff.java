package io.guise.distribution;

import static java.util.Objects.requireNonNull;

import io.guise.fault.SplitMix64;
import java.time.Duration;

/**
 * Reconnect delays: exponential growth from {@code initial} up to {@code max},
 * with full jitter, so attempt {@code n} waits a uniform random time in
 * [0, min(max, initial * 2^n)]. The random source is seeded, so a run repeats.
 *
 * <p>Not thread-safe: the owner calls it from one thread.
 */
public final class Backoff {

    /** Default first delay. */
    public static final Duration DEFAULT_INITIAL = Duration.ofMillis(100);

    /** Default maximum delay. */
    public static final Duration DEFAULT_MAX = Duration.ofSeconds(10);

    private final long initialMillis;
    private final long maxMillis;
    private final SplitMix64 random;
    private int attempts;

    public Backoff(Duration initial, Duration max, long seed) {
        requireNonNull(initial, "initial");
        requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initial: " + initial + " (expected: > 0)");
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("max: " + max + " (expected: >= initial, " + initial + ")");
        }
        this.initialMillis = initial.toMillis();
        this.maxMillis = max.toMillis();
        this.random = new SplitMix64(seed);
    }

    /** Returns the delay before the next attempt and counts the attempt. */
    public Duration nextDelay() {
        final long ceilingMillis = ceilingMillis(attempts);
        if (attempts < 62) {
            attempts++;
        }
        return Duration.ofMillis(random.nextLong(ceilingMillis + 1));
    }

    /** Starts over from the initial delay, after a connection that worked. */
    public void reset() {
        attempts = 0;
    }

    /** Returns the upper bound of the delay for attempt {@code attempt}, counted from 0. */
    long ceilingMillis(int attempt) {
        // Shifting stops once the bound reaches max, so it cannot overflow for any max below 2^62 ms.
        long ceiling = initialMillis;
        for (int i = 0; i < attempt && ceiling < maxMillis; i++) {
            ceiling <<= 1;
        }
        return Math.min(ceiling, maxMillis);
    }
}
