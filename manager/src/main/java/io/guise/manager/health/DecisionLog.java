package io.guise.manager.health;

import static java.util.Objects.requireNonNull;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The newest health decisions in memory, at most {@code capacity} of them, and
 * the count of every decision ever recorded by action. Thread-safe: the health
 * loop adds and API threads read, each under the log's monitor for a short copy.
 */
public final class DecisionLog {

    /** Decisions kept by default. */
    public static final int DEFAULT_CAPACITY = 1000;

    private final int capacity;
    private final ArrayDeque<DecisionRecord> records = new ArrayDeque<>();
    private final Map<DecisionRecord.Action, Long> counts = new EnumMap<>(DecisionRecord.Action.class);

    public DecisionLog(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: 1 or more)");
        }
        this.capacity = capacity;
    }

    /** Adds a decision, dropping the oldest one when the log is full. */
    public synchronized void add(DecisionRecord record) {
        requireNonNull(record, "record");
        if (records.size() == capacity) {
            records.removeFirst();
        }
        records.addLast(record);
        counts.merge(record.action(), 1L, Long::sum);
    }

    /** Returns up to {@code limit} decisions, newest first. */
    public synchronized List<DecisionRecord> newest(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: 0 or more)");
        }
        final List<DecisionRecord> newest = new ArrayList<>(Math.min(limit, records.size()));
        final Iterator<DecisionRecord> iterator = records.descendingIterator();
        while (newest.size() < limit && iterator.hasNext()) {
            newest.add(iterator.next());
        }
        return List.copyOf(newest);
    }

    /** Returns how many decisions with {@code action} were ever recorded, including those dropped since. */
    public synchronized long count(DecisionRecord.Action action) {
        return counts.getOrDefault(requireNonNull(action, "action"), 0L);
    }

    public int capacity() {
        return capacity;
    }
}
