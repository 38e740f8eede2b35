package io.guise.shaping;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * A concurrency limit with a bounded priority queue. A request takes a free slot
 * if there is one. Otherwise it waits in the queue, which admits the highest
 * priority first and, within a priority, the earliest arrival first.
 *
 * <p>When the queue is full, the lowest-priority request is shed. That is the
 * newest queued request of the lowest priority when the arriving request has a
 * higher priority, and the arriving request otherwise.
 *
 * <p>Thread-safe. One short lock guards the slot count and the queue. Requests
 * from every event loop pass through it once on arrival and once on completion,
 * which is off the routing lookup path. {@link Waiter} callbacks run after the lock is
 * released, on the thread that freed the slot or shed the request, so a waiter
 * must hand its work to its own event loop.
 */
public final class AdmissionController {

    /** The outcome of a request on arrival. */
    public enum Decision { ADMITTED, QUEUED, SHED }

    /** A queued request, notified once when it gets a slot or is shed. */
    public interface Waiter {
        /** The request holds a slot now and must call {@link #release()} when done. */
        void admitted();

        /** The request left the queue without a slot. */
        void shed();
    }

    private static final Comparator<Entry> ORDER =
            Comparator.comparingInt((Entry entry) -> -entry.priority).thenComparingLong(entry -> entry.sequence);

    private final int maxConcurrent;
    private final int queueLimit;
    private final Object lock = new Object();
    // Guarded by lock.
    private final TreeSet<Entry> queue = new TreeSet<>(ORDER);
    private int inFlight;
    private long nextSequence;

    /**
     * @param maxConcurrent requests in flight at once, at least 1
     * @param queueLimit requests that may wait for a slot, at least 0
     */
    public AdmissionController(int maxConcurrent, int queueLimit) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("maxConcurrent: " + maxConcurrent + " (expected: >= 1)");
        }
        if (queueLimit < 0) {
            throw new IllegalArgumentException("queueLimit: " + queueLimit + " (expected: >= 0)");
        }
        this.maxConcurrent = maxConcurrent;
        this.queueLimit = queueLimit;
    }

    /**
     * Admits, queues or sheds a request of {@code priority}. The waiter is notified
     * later only after {@link Decision#QUEUED}, and never after the other decisions.
     */
    public Decision acquire(int priority, Waiter waiter) {
        requireNonNull(waiter, "waiter");
        final Entry evicted;
        synchronized (lock) {
            if (inFlight < maxConcurrent) {
                inFlight++;
                return Decision.ADMITTED;
            }
            if (queue.size() < queueLimit) {
                queue.add(new Entry(priority, nextSequence++, waiter));
                return Decision.QUEUED;
            }
            if (queue.isEmpty() || queue.last().priority >= priority) {
                return Decision.SHED;
            }
            evicted = queue.pollLast();
            queue.add(new Entry(priority, nextSequence++, waiter));
        }
        evicted.waiter.shed();
        return Decision.QUEUED;
    }

    /** Frees a slot taken by an admitted request and hands it to the first queued one. */
    public void release() {
        final Entry next;
        synchronized (lock) {
            next = queue.pollFirst();
            if (next == null) {
                if (inFlight <= 0) {
                    throw new IllegalStateException("release() without a slot taken");
                }
                inFlight--;
                return;
            }
        }
        next.waiter.admitted();
    }

    /** Removes a queued waiter that gave up, such as a closed connection; returns whether it was queued. */
    public boolean cancel(Waiter waiter) {
        synchronized (lock) {
            return queue.removeIf(entry -> entry.waiter == waiter);
        }
    }

    public int inFlight() {
        synchronized (lock) {
            return inFlight;
        }
    }

    /** Returns the priorities of the queued requests in the order they would be admitted. */
    public List<Integer> queuedPriorities() {
        synchronized (lock) {
            final List<Integer> priorities = new ArrayList<>(queue.size());
            queue.forEach(entry -> priorities.add(entry.priority));
            return priorities;
        }
    }

    private record Entry(int priority, long sequence, Waiter waiter) {}
}
