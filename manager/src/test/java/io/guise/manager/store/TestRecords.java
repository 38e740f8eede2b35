package io.guise.manager.store;

import io.guise.distribution.Deltas;
import io.guise.proto.Delta;
import io.guise.proto.Persona;
import io.guise.proto.RevisionRecord;
import io.guise.proto.RoutingSnapshot;

/** Deterministic revision records for store tests: revision n upserts one of eight personas. */
final class TestRecords {

    static final int PERSONA_COUNT = 8;

    private TestRecords() {
    }

    /** Returns the record of revision {@code revision}, whose persona's address names the revision. */
    static RevisionRecord record(long revision) {
        final Persona persona = Persona.newBuilder()
                .setId("persona-" + revision % PERSONA_COUNT)
                .setAddressFamily("IPv4")
                .setAddress("host-" + revision + ".test")
                .setPort((int) (revision % 60_000) + 1)
                .addCipherSuites("padding-" + "x".repeat((int) (revision % 97)))
                .build();
        return RevisionRecord.newBuilder()
                .setRevision(revision)
                .setCommitTimeMs(1_700_000_000_000L + revision)
                .setDelta(Delta.newBuilder()
                                  .setFromRevision(revision - 1)
                                  .setToRevision(revision)
                                  .addUpsertedPersonas(persona))
                .build();
    }

    /** Returns the state after applying records 1 to {@code revision} to an empty snapshot. */
    static RoutingSnapshot replay(long revision) {
        RoutingSnapshot state = RoutingSnapshot.getDefaultInstance();
        for (long r = 1; r <= revision; r++) {
            try {
                state = Deltas.apply(state, record(r).getDelta());
            } catch (Deltas.RevisionGapException e) {
                throw new AssertionError(e);
            }
        }
        return state;
    }

    static void appendRange(RevisionStore store, long first, long last) throws Exception {
        for (long r = first; r <= last; r++) {
            store.append(record(r));
        }
    }
}
