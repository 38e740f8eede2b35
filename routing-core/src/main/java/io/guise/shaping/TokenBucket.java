package io.guise.shaping;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A token bucket that contains at most {@code burst} tokens and gains
 * {@code ratePerSecond} tokens per second.
 *
 * <p>Thread-safe and lock-free. The whole state is one {@link AtomicLong}: the clock
 * reading at which the bucket was (or would have been) empty. The tokens it contains
 * at time {@code now} follow from it in fixed point, one token being
 * {@code nanosPerToken} nanoseconds of refill: {@code (now - emptyAtNanos) /
 * nanosPerToken}, capped at {@code burst}. Taking a token moves that instant
 * forward by one token with a compare-and-set, so the token count and the last
 * refill time change together and no two threads can take the same token. The
 * clock must be monotonic, such as {@link System#nanoTime}.
 */
public final class TokenBucket {

    private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

    private final int ratePerSecond;
    private final int burst;
    private final long nanosPerToken;
    private final long fullNanos;
    private final LongSupplier nanoClock;
    private final AtomicLong emptyAtNanos;

    /**
     * Creates a full bucket.
     *
     * @param ratePerSecond tokens gained per second, 1 to 1,000,000,000
     * @param burst the maximum number of tokens in the bucket, at least 1
     * @param nanoClock a monotonic clock in nanoseconds
     */
    public TokenBucket(int ratePerSecond, int burst, LongSupplier nanoClock) {
        if (ratePerSecond < 1 || ratePerSecond > NANOS_PER_SECOND) {
            throw new IllegalArgumentException("ratePerSecond: " + ratePerSecond + " (expected: 1-1000000000)");
        }
        if (burst < 1) {
            throw new IllegalArgumentException("burst: " + burst + " (expected: >= 1)");
        }
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        this.nanoClock = requireNonNull(nanoClock, "nanoClock");
        nanosPerToken = NANOS_PER_SECOND / ratePerSecond;
        fullNanos = nanosPerToken * burst;
        emptyAtNanos = new AtomicLong(nanoClock.getAsLong() - fullNanos);
    }

    public int ratePerSecond() {
        return ratePerSecond;
    }

    public int burst() {
        return burst;
    }

    /**
     * Takes a token and returns 0, or, when the bucket is empty, takes nothing and
     * returns how many nanoseconds remain until a token is available.
     */
    public long tryAcquire() {
        while (true) {
            final long now = nanoClock.getAsLong();
            final long emptyAt = emptyAtNanos.get();
            final long missing = emptyAt + nanosPerToken - now;
            if (missing > 0) {
                return missing;
            }
            // Tokens beyond the burst are not kept: start from a full bucket at most.
            final long next = Math.max(emptyAt, now - fullNanos) + nanosPerToken;
            if (emptyAtNanos.compareAndSet(emptyAt, next)) {
                return 0;
            }
        }
    }

    /** Returns the number of whole tokens available now, for tests and diagnostics. */
    public long availableTokens() {
        final long refilledNanos = nanoClock.getAsLong() - emptyAtNanos.get();
        return Math.max(0, Math.min(burst, refilledNanos / nanosPerToken));
    }

    /** Returns a wait in nanoseconds as whole seconds for a Retry-After header, rounded up and at least 1. */
    public static long retryAfterSeconds(long waitNanos) {
        final long seconds = (waitNanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND;
        return Math.max(1, seconds);
    }
}
