package io.guise.shaping;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * In-flight counts of the subsets that have a concurrency budget, keyed by prefix
 * so that a count outlives routing table rebuilds. Thread-safe and lock-free: a
 * slot is taken with a compare-and-set that never lets a count pass its budget.
 */
public final class SubsetBudgets {

    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    /** Takes a slot of {@code prefix} and returns true, or returns false when its {@code budget} is used up. */
    public boolean tryAcquire(String prefix, int budget) {
        final AtomicInteger count = inFlight.computeIfAbsent(prefix, key -> new AtomicInteger());
        while (true) {
            final int current = count.get();
            if (current >= budget) {
                return false;
            }
            if (count.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Frees a slot taken by {@link #tryAcquire}. */
    public void release(String prefix) {
        final AtomicInteger count = inFlight.get(prefix);
        if (count == null || count.decrementAndGet() < 0) {
            throw new IllegalStateException("release of subset " + prefix + " without a slot taken");
        }
    }

    /** Returns the requests in flight in {@code prefix}. */
    public int inFlight(String prefix) {
        final AtomicInteger count = inFlight.get(prefix);
        return count == null ? 0 : count.get();
    }
}
