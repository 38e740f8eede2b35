package io.guise.manager.store;

import io.guise.proto.RevisionRecord;
import io.guise.proto.RoutingSnapshot;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * The manager's durable revision log: the routing state at the newest revision and
 * the records of recent revisions, each a delta from the revision before.
 *
 * <p>Implementations are thread-safe. Writers are serialized by the caller (the
 * manager's write path holds one lock around validate-and-append), but reads may
 * run concurrently with an append and see either the state before or after it.
 */
public interface RevisionStore extends AutoCloseable {

    /**
     * Returns the store's epoch: an id made when the store's data was created. A
     * new data directory gets a new epoch, so access points can tell a restarted
     * manager (same epoch) from a different one.
     */
    String epoch();

    /** Returns the newest committed revision; 0 for an empty store. */
    long latestRevision();

    /** Returns the routing state at {@link #latestRevision()}. */
    RoutingSnapshot latestSnapshot();

    /**
     * Appends the next revision and returns once it is durable (fsynced for stores
     * on disk). {@code record.revision} must be {@code latestRevision() + 1} and its
     * delta must start at {@code latestRevision()}.
     *
     * @throws IllegalArgumentException when the record does not follow the latest revision
     * @throws RevisionConflictException when the store is shared and another writer
     *     committed that revision first
     * @throws IOException when the record could not be made durable; the store is then
     *     unchanged as far as readers can tell
     */
    void append(RevisionRecord record) throws IOException;

    /**
     * Returns the records after {@code fromRevision} up to the newest, in order, or
     * null when the log no longer retains all of them (the caller then sends a full
     * snapshot). An empty list means {@code fromRevision} is the newest revision.
     */
    List<RevisionRecord> recordsAfter(long fromRevision);

    /** Returns the commit time of a retained revision in Unix milliseconds, or -1 when unknown. */
    long commitTimeMillis(long revision);

    /**
     * Asks the store to announce every revision it gains. A store that several
     * managers share calls {@code listener} once per revision, in revision order and
     * from one thread at a time, for the revisions any writer commits (this process's
     * appends included), and returns true. The default, for a store with one writer,
     * announces nothing and returns false: that writer announces its own appends.
     *
     * <p>A shared store that loses part of the history (compacted while it was not
     * watching) announces one record whose delta spans the gap.
     */
    default boolean announceCommits(Consumer<RevisionRecord> listener) {
        return false;
    }

    @Override
    void close() throws IOException;
}
