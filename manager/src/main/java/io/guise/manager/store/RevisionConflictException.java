package io.guise.manager.store;

import java.io.IOException;

/**
 * Another writer of a shared store committed the revision that an append tried to
 * commit. Nothing of the rejected record was stored; by the time this is thrown the
 * store has caught up with the winner, so the caller can recompute its change on
 * {@link RevisionStore#latestSnapshot()} and retry.
 */
public final class RevisionConflictException extends IOException {

    private static final long serialVersionUID = 1L;

    private final long attemptedRevision;

    public RevisionConflictException(long attemptedRevision, String message) {
        super(message);
        this.attemptedRevision = attemptedRevision;
    }

    /** Returns the revision the rejected append tried to commit. */
    public long attemptedRevision() {
        return attemptedRevision;
    }
}
