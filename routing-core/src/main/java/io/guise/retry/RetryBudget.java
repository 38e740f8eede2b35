package io.guise.retry;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * A limit on retries over a sliding window of {@value #WINDOW_SECONDS} one-second
 * buckets: the retries of the window may not exceed
 * {@code max(budgetPercent % of the window's requests, minRetriesPerSecond * 10)}.
 *
 * <p>Thread-safe and lock-free. Each bucket is one {@code long} in an
 * {@link AtomicLongArray} that packs the second it counts (24 bits, modulo
 * 2^24), its requests (20 bits) and its retries (20 bits). A bucket whose second
 * is not the current one is reset by the compare-and-set that first counts into
 * it, so the counts of one second never add to another. Counts saturate at
 * 2^20 - 1 per second and bucket. A retry is counted first and taken back when
 * the sum is then over the limit, so callers that race for the last retry may
 * both be rejected but never both allowed.
 *
 * <p>NOTE: a bucket left untouched for exactly a multiple of 2^24 seconds (about
 * 194 days) reads as current again; the figures it then adds are at most one
 * window's worth.
 */
public final class RetryBudget {

    /** Length of the window in seconds. */
    public static final int WINDOW_SECONDS = 10;

    private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final int COUNT_BITS = 20;
    private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;
    private static final int SECOND_BITS = 24;
    private static final long SECOND_MASK = (1L << SECOND_BITS) - 1;
    private static final int REQUESTS_SHIFT = COUNT_BITS;
    private static final int SECOND_SHIFT = 2 * COUNT_BITS;

    private final int budgetPercent;
    private final int minRetriesPerSecond;
    private final LongSupplier nanoClock;
    private final long originNanos;
    private final AtomicLongArray buckets = new AtomicLongArray(WINDOW_SECONDS);

    /**
     * Creates an empty budget.
     *
     * @param budgetPercent retries allowed as a share of the window's requests, 0-100
     * @param minRetriesPerSecond retries per second allowed whatever the share, >= 0
     * @param nanoClock a monotonic clock in nanoseconds, such as {@link System#nanoTime}
     */
    public RetryBudget(int budgetPercent, int minRetriesPerSecond, LongSupplier nanoClock) {
        if (budgetPercent < 0 || budgetPercent > 100) {
            throw new IllegalArgumentException("budgetPercent: " + budgetPercent + " (expected: 0-100)");
        }
        if (minRetriesPerSecond < 0) {
            throw new IllegalArgumentException("minRetriesPerSecond: " + minRetriesPerSecond + " (expected: >= 0)");
        }
        this.budgetPercent = budgetPercent;
        this.minRetriesPerSecond = minRetriesPerSecond;
        this.nanoClock = requireNonNull(nanoClock, "nanoClock");
        // Every bucket starts at second 0 with no counts, so stale seconds add nothing.
        this.originNanos = nanoClock.getAsLong();
    }

    /** Counts one request that arrived for a first attempt. */
    public void recordRequest() {
        add(currentSecond(), 1, 0);
    }

    /**
     * Takes one retry from the budget and returns true, or returns false when the
     * window's retries have reached the limit.
     */
    public boolean tryRetry() {
        final long second = currentSecond();
        add(second, 0, 1);
        long requests = 0;
        long retries = 0;
        for (int i = 0; i < WINDOW_SECONDS; i++) {
            final long bucket = buckets.get(i);
            if (inWindow(secondOf(bucket), second)) {
                requests += requestsOf(bucket);
                retries += retriesOf(bucket);
            }
        }
        if (retries <= limit(requests)) {
            return true;
        }
        takeBackRetry(second);
        return false;
    }

    /** Returns the retries that the window allows with {@code requests} requests in it. */
    long limit(long requests) {
        return Math.max(requests * budgetPercent / 100, (long) minRetriesPerSecond * WINDOW_SECONDS);
    }

    public int budgetPercent() {
        return budgetPercent;
    }

    public int minRetriesPerSecond() {
        return minRetriesPerSecond;
    }

    private long currentSecond() {
        return Math.floorDiv(nanoClock.getAsLong() - originNanos, NANOS_PER_SECOND);
    }

    private void add(long second, long requests, long retries) {
        final int index = Math.floorMod(second, WINDOW_SECONDS);
        final long tag = second & SECOND_MASK;
        while (true) {
            final long bucket = buckets.get(index);
            final long next;
            if (secondOf(bucket) == tag) {
                next = pack(tag, Math.min(COUNT_MASK, requestsOf(bucket) + requests),
                            Math.min(COUNT_MASK, retriesOf(bucket) + retries));
            } else {
                next = pack(tag, requests, retries);
            }
            if (buckets.compareAndSet(index, bucket, next)) {
                return;
            }
        }
    }

    private void takeBackRetry(long second) {
        final int index = Math.floorMod(second, WINDOW_SECONDS);
        final long tag = second & SECOND_MASK;
        while (true) {
            final long bucket = buckets.get(index);
            if (secondOf(bucket) != tag || retriesOf(bucket) == 0) {
                // The bucket moved on to a later second, which reset the retry with it.
                return;
            }
            if (buckets.compareAndSet(index, bucket, bucket - 1)) {
                return;
            }
        }
    }

    private static boolean inWindow(long bucketSecond, long currentSecond) {
        return ((currentSecond - bucketSecond) & SECOND_MASK) < WINDOW_SECONDS;
    }

    private static long pack(long second, long requests, long retries) {
        return ((second & SECOND_MASK) << SECOND_SHIFT) | (requests << REQUESTS_SHIFT) | retries;
    }

    private static long secondOf(long bucket) {
        return bucket >>> SECOND_SHIFT;
    }

    private static long requestsOf(long bucket) {
        return (bucket >>> REQUESTS_SHIFT) & COUNT_MASK;
    }

    private static long retriesOf(long bucket) {
        return bucket & COUNT_MASK;
    }
}
