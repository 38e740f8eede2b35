package io.guise.manager.store;

import static java.util.Objects.requireNonNull;

import io.guise.distribution.Deltas;
import io.guise.proto.RevisionRecord;
import io.guise.proto.RoutingSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A revision store in memory, for tests and for throwaway managers. Keeps at most
 * {@code retainedRecords} records. Thread-safe: every method is synchronized.
 */
public final class InMemoryRevisionStore implements RevisionStore {

    private final String epoch = UUID.randomUUID().toString();
    private final int retainedRecords;
    private final ArrayList<RevisionRecord> records = new ArrayList<>();
    private RoutingSnapshot snapshot = RoutingSnapshot.getDefaultInstance();

    public InMemoryRevisionStore(int retainedRecords) {
        if (retainedRecords < 1) {
            throw new IllegalArgumentException("retainedRecords: " + retainedRecords + " (expected: 1 or more)");
        }
        this.retainedRecords = retainedRecords;
    }

    @Override
    public String epoch() {
        return epoch;
    }

    @Override
    public synchronized long latestRevision() {
        return snapshot.getRevision();
    }

    @Override
    public synchronized RoutingSnapshot latestSnapshot() {
        return snapshot;
    }

    @Override
    public synchronized void append(RevisionRecord record) {
        requireNonNull(record, "record");
        if (record.getRevision() != snapshot.getRevision() + 1
            || record.getDelta().getToRevision() != record.getRevision()) {
            throw new IllegalArgumentException("record for revision " + record.getRevision()
                                               + " does not follow revision " + snapshot.getRevision());
        }
        try {
            snapshot = Deltas.apply(snapshot, record.getDelta());
        } catch (Deltas.RevisionGapException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        records.add(record);
        if (records.size() > retainedRecords) {
            records.subList(0, records.size() - retainedRecords).clear();
        }
    }

    @Override
    public synchronized List<RevisionRecord> recordsAfter(long fromRevision) {
        final long latest = snapshot.getRevision();
        if (fromRevision == latest) {
            return List.of();
        }
        if (fromRevision > latest || records.isEmpty() || records.get(0).getRevision() > fromRevision + 1) {
            return null;
        }
        final int start = (int) (fromRevision + 1 - records.get(0).getRevision());
        return List.copyOf(records.subList(start, records.size()));
    }

    @Override
    public synchronized long commitTimeMillis(long revision) {
        if (records.isEmpty()) {
            return -1;
        }
        final long index = revision - records.get(0).getRevision();
        return index < 0 || index >= records.size() ? -1 : records.get((int) index).getCommitTimeMs();
    }

    @Override
    public void close() {
    }
}
