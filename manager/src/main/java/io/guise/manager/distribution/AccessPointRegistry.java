package io.guise.manager.distribution;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.HdrHistogram.Histogram;

/**
 * The distribution server's record of each access point: whether it is
 * connected, its epoch and applied revision, its newest NACK, when it was last
 * heard from, and its commit-to-ACK times in an HdrHistogram, plus one histogram
 * over all access points.
 *
 * <p>Thread-safe. Each access point's entry is guarded by its own monitor and the
 * total histogram by the registry's, and both are held only to copy or record.
 */
public final class AccessPointRegistry {

    /** Commit-to-ACK times above one hour are recorded as one hour. */
    private static final long MAX_TRACKED_MILLIS = 3_600_000;

    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentSkipListMap<>();
    private final Histogram total = newHistogram();
    private final List<AckListener> ackListeners = new CopyOnWriteArrayList<>();

    /** Receives every ACK whose commit time is known, for measurements per revision. */
    @FunctionalInterface
    public interface AckListener {
        /** Called on a distribution thread; keep it short. */
        void acked(String accessPointId, long revision, long commitToAckMillis);
    }

    public AccessPointRegistry(Clock clock) {
        this.clock = requireNonNull(clock, "clock");
    }

    /** Registers a listener for ACKs with a known commit time. */
    public void addAckListener(AckListener listener) {
        ackListeners.add(requireNonNull(listener, "listener"));
    }

    /** Returns a status per access point ever seen, ordered by id. */
    public List<AccessPointStatus> statuses() {
        final List<AccessPointStatus> statuses = new ArrayList<>(entries.size());
        for (Entry entry : entries.values()) {
            statuses.add(entry.status());
        }
        return List.copyOf(statuses);
    }

    /** Returns the status of one access point, or null when it never sent a hello. */
    public AccessPointStatus status(String id) {
        final Entry entry = entries.get(requireNonNull(id, "id"));
        return entry == null ? null : entry.status();
    }

    /** Returns a copy of the commit-to-ACK histogram over all access points, in milliseconds. */
    public synchronized Histogram totalCommitToAck() {
        return total.copy();
    }

    /** Returns the epoch an access point held at its newest hello or ACK, or null for an unknown id. */
    public String epoch(String id) {
        final Entry entry = entries.get(requireNonNull(id, "id"));
        return entry == null ? null : entry.epoch();
    }

    /** Returns when an access point last sent a message, or null for an unknown id. */
    public Instant lastSeen(String id) {
        final Entry entry = entries.get(requireNonNull(id, "id"));
        return entry == null ? null : entry.lastSeen();
    }

    /** Returns the number of snapshots and deltas sent to an access point over all its streams. */
    public long messagesSent(String id) {
        final Entry entry = entries.get(requireNonNull(id, "id"));
        return entry == null ? 0 : entry.messagesSent();
    }

    void streamOpened(String id, String epoch, long revision) {
        entry(id).opened(epoch, revision, clock.instant());
    }

    void streamClosed(String id) {
        entry(id).closed(clock.instant());
    }

    void messageSent(String id) {
        entry(id).sent();
    }

    /**
     * Records an ACK. {@code commitToAckMillis} is negative when the commit time is
     * unknown; the ACK then updates the applied revision but no histogram.
     */
    void acked(String id, String epoch, long revision, long commitToAckMillis) {
        final long recorded = Math.min(Math.max(commitToAckMillis, 0), MAX_TRACKED_MILLIS);
        entry(id).acked(epoch, revision, commitToAckMillis < 0 ? -1 : recorded, clock.instant());
        if (commitToAckMillis >= 0) {
            synchronized (this) {
                total.recordValue(recorded);
            }
            for (AckListener listener : ackListeners) {
                listener.acked(id, revision, recorded);
            }
        }
    }

    void nacked(String id, long revision, String reason) {
        entry(id).nacked(revision, reason, clock.instant());
    }

    private Entry entry(String id) {
        return entries.computeIfAbsent(id, Entry::new);
    }

    private static Histogram newHistogram() {
        return new Histogram(MAX_TRACKED_MILLIS, 3);
    }

    /** One access point's record; several streams with the same id may overlap during a reconnect. */
    private static final class Entry {
        private final String id;
        private final Histogram commitToAck = newHistogram();
        private int openStreams;
        private String epoch = "";
        private long appliedRevision;
        private String lastNackReason = "";
        private long lastNackRevision;
        private long messagesSent;
        private Instant lastSeen = Instant.EPOCH;

        Entry(String id) {
            this.id = id;
        }

        synchronized void opened(String helloEpoch, long revision, Instant now) {
            openStreams++;
            epoch = helloEpoch;
            appliedRevision = revision;
            lastSeen = now;
        }

        synchronized void closed(Instant now) {
            openStreams = Math.max(0, openStreams - 1);
            lastSeen = now;
        }

        synchronized void sent() {
            messagesSent++;
        }

        synchronized void acked(String ackedEpoch, long revision, long recordedMillis, Instant now) {
            epoch = ackedEpoch;
            appliedRevision = revision;
            lastSeen = now;
            if (recordedMillis >= 0) {
                commitToAck.recordValue(recordedMillis);
            }
        }

        synchronized void nacked(long revision, String reason, Instant now) {
            lastNackRevision = revision;
            lastNackReason = reason;
            lastSeen = now;
        }

        synchronized String epoch() {
            return epoch;
        }

        synchronized Instant lastSeen() {
            return lastSeen;
        }

        synchronized long messagesSent() {
            return messagesSent;
        }

        synchronized AccessPointStatus status() {
            final long count = commitToAck.getTotalCount();
            return new AccessPointStatus(id, openStreams > 0, appliedRevision, lastNackReason, lastNackRevision,
                                         count,
                                         count == 0 ? 0 : commitToAck.getValueAtPercentile(50),
                                         count == 0 ? 0 : commitToAck.getValueAtPercentile(99),
                                         count == 0 ? 0 : commitToAck.getMaxValue());
        }
    }
}
