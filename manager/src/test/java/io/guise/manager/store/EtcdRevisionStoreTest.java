package io.guise.manager.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.guise.proto.Persona;
import io.guise.proto.RevisionRecord;
import io.guise.proto.RoutingSnapshot;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link RevisionStore} contract on {@link EtcdRevisionStore} over a real
 * three-member etcd cluster on loopback. Each test uses its own key prefix.
 */
@Timeout(120)
class EtcdRevisionStoreTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    static Path folder;

    private static EtcdCluster cluster;

    private final List<EtcdRevisionStore> opened = new ArrayList<>();
    private final String prefix = "/guise-test/" + UUID.randomUUID();

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = EtcdCluster.start(folder);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void closeStores() {
        opened.forEach(EtcdRevisionStore::close);
    }

    private EtcdRevisionStore open(int retainedRecords) throws Exception {
        final EtcdRevisionStore store = EtcdRevisionStore.open(EtcdRevisionStore.Options.builder()
                .endpoints(cluster.endpoints()).prefix(prefix).retainedRecords(retainedRecords)
                .requestTimeout(Duration.ofSeconds(5)).build());
        opened.add(store);
        return store;
    }

    @Test
    void emptyPrefix_startsAtRevisionZero() throws Exception {
        final EtcdRevisionStore store = open(100);

        assertThat(store.latestRevision()).isZero();
        assertThat(store.latestSnapshot()).isEqualTo(RoutingSnapshot.getDefaultInstance());
        assertThat(store.recordsAfter(0)).isEmpty();
        assertThat(store.recordsAfter(1)).isNull();
        assertThat(store.epoch()).isNotBlank();
    }

    @Test
    void append_recordsAfterAndSnapshotFollow() throws Exception {
        final EtcdRevisionStore store = open(100);

        TestRecords.appendRange(store, 1, 20);

        assertThat(store.latestRevision()).isEqualTo(20);
        assertThat(store.latestSnapshot()).isEqualTo(TestRecords.replay(20));
        assertThat(store.recordsAfter(0)).isEqualTo(records(1, 20));
        assertThat(store.recordsAfter(12)).isEqualTo(records(13, 20));
        assertThat(store.recordsAfter(20)).isEmpty();
        assertThat(store.recordsAfter(21)).isNull();
        assertThat(store.commitTimeMillis(7)).isEqualTo(TestRecords.record(7).getCommitTimeMs());
    }

    @Test
    void append_recordOutOfOrder_isRejected() throws Exception {
        final EtcdRevisionStore store = open(100);
        TestRecords.appendRange(store, 1, 2);

        assertThatThrownBy(() -> store.append(TestRecords.record(4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("record for revision 4 does not follow revision 2");
        assertThat(store.latestRevision()).isEqualTo(2);
    }

    @Test
    void reopen_keepsEpochStateAndHistory() throws Exception {
        final EtcdRevisionStore first = open(100);
        TestRecords.appendRange(first, 1, 20);
        final String epoch = first.epoch();
        first.close();

        final EtcdRevisionStore reopened = open(100);

        assertThat(reopened.epoch()).isEqualTo(epoch);
        assertThat(reopened.latestRevision()).isEqualTo(20);
        assertThat(sorted(reopened.latestSnapshot())).isEqualTo(sorted(TestRecords.replay(20)));
        // Nothing is retained in memory after a reopen: these come from etcd history.
        assertThat(reopened.recordsAfter(5)).isEqualTo(records(6, 20));
        assertThat(reopened.recordsAfter(0)).isEqualTo(records(1, 20));
    }

    @Test
    void recordsAfter_beyondRetained_readsHistory() throws Exception {
        final EtcdRevisionStore store = open(4);

        TestRecords.appendRange(store, 1, 15);

        assertThat(store.recordsAfter(2)).isEqualTo(records(3, 15));
        assertThat(store.recordsAfter(12)).isEqualTo(records(13, 15));
    }

    @Test
    void recordsAfter_compactedHistory_isNull() throws Exception {
        final EtcdRevisionStore store = open(4);
        TestRecords.appendRange(store, 1, 15);

        try (Client client = Client.builder().endpoints(cluster.endpoints().toArray(new URI[0])).build()) {
            final long head = client.getKVClient().get(io.etcd.jetcd.ByteSequence.from("/", UTF_8)).get()
                    .getHeader().getRevision();
            client.getKVClient().compact(head).get();
        }

        assertThat(store.recordsAfter(2)).isNull();
        assertThat(store.recordsAfter(12)).isEqualTo(records(13, 15));
        assertThat(store.recordsAfter(15)).isEmpty();
        store.close();
        final EtcdRevisionStore reopened = open(4);
        assertThat(reopened.latestRevision()).isEqualTo(15);
        assertThat(reopened.recordsAfter(10)).isNull();
        assertThat(reopened.recordsAfter(15)).isEmpty();
    }

    @Test
    void twoStores_sameRevision_exactlyOneWins() throws Exception {
        final EtcdRevisionStore left = open(100);
        final EtcdRevisionStore right = open(100);
        TestRecords.appendRange(left, 1, 3);
        await().atMost(WAIT).until(() -> right.latestRevision() == 3);

        final RevisionRecord fromLeft = TestRecords.record(4);
        final RevisionRecord fromRight = TestRecords.record(4).toBuilder().setCommitTimeMs(42).build();
        final CountDownLatch start = new CountDownLatch(1);
        final ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            final Future<Throwable> leftResult = threads.submit(() -> appendAfter(start, left, fromLeft));
            final Future<Throwable> rightResult = threads.submit(() -> appendAfter(start, right, fromRight));
            start.countDown();
            final List<Throwable> outcomes = List.of(orNone(leftResult.get()), orNone(rightResult.get()));

            assertThat(outcomes).filteredOn(t -> t instanceof None).hasSize(1);
            assertThat(outcomes).filteredOn(t -> t instanceof RevisionConflictException).hasSize(1);
        } finally {
            threads.shutdownNow();
        }
        // The loser caught up before it threw, so both now hold the winner's revision 4.
        assertThat(left.latestRevision()).isEqualTo(4);
        assertThat(right.latestRevision()).isEqualTo(4);
        assertThat(left.recordsAfter(3)).isEqualTo(right.recordsAfter(3));
        right.append(TestRecords.record(5));
        await().atMost(WAIT).until(() -> left.latestRevision() == 5);
    }

    @Test
    void otherWriter_isAppliedAndAnnouncedInOrder() throws Exception {
        final EtcdRevisionStore writer = open(100);
        final EtcdRevisionStore follower = open(100);
        final List<Long> announced = new CopyOnWriteArrayList<>();
        assertThat(follower.announceCommits(record -> announced.add(record.getRevision()))).isTrue();

        TestRecords.appendRange(writer, 1, 10);

        await().atMost(WAIT).until(() -> follower.latestRevision() == 10);
        assertThat(announced).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        assertThat(follower.latestSnapshot()).isEqualTo(writer.latestSnapshot());
        assertThat(follower.recordsAfter(4)).isEqualTo(records(5, 10));
    }

    @Test
    void oneMemberDown_appendsAndFollowingContinue() throws Exception {
        final EtcdRevisionStore writer = open(100);
        final EtcdRevisionStore follower = open(100);
        TestRecords.appendRange(writer, 1, 3);

        cluster.kill(0);
        try {
            TestRecords.appendRange(writer, 4, 8);
            await().atMost(WAIT).until(() -> follower.latestRevision() == 8);
            // The follower's watch may fail with the member and reload, which orders resources by key.
            assertThat(sorted(follower.latestSnapshot())).isEqualTo(sorted(TestRecords.replay(8)));
        } finally {
            cluster.restart(0);
        }
    }

    @Test
    void append_tooManyOperationsRejected() throws Exception {
        final EtcdRevisionStore store = open(100);
        final io.guise.proto.Delta.Builder delta = io.guise.proto.Delta.newBuilder().setFromRevision(0)
                .setToRevision(1);
        for (int i = 0; i < 130; i++) {
            delta.addUpsertedPersonas(Persona.newBuilder().setId("p-" + i).setAddress("web").setPort(80));
        }
        final RevisionRecord big = RevisionRecord.newBuilder().setRevision(1).setDelta(delta).build();

        assertThatThrownBy(() -> store.append(big))
                .isInstanceOf(java.io.IOException.class)
                .hasMessage("revision 1 changes 130 resources, more than etcd accepts in one transaction (its"
                            + " --max-txn-ops, 128 by default, counts each resource and the revision record); raise"
                            + " --max-txn-ops on every etcd member or apply the change in smaller parts");
        assertThat(store.latestRevision()).isZero();
    }

    @Test
    void options_badValues_nameFieldValueAndRule() {
        assertThatThrownBy(() -> EtcdRevisionStore.Options.builder().prefix("guise"))
                .hasMessage("etcd_prefix: 'guise' (expected: a key path that starts with '/' and names at least one"
                            + " segment, such as /guise)");
        assertThatThrownBy(() -> EtcdRevisionStore.Options.builder().endpoints(List.of(URI.create("tcp://127.0.0.1:2379"))))
                .hasMessage("etcd_endpoints: 'tcp://127.0.0.1:2379' (expected: a URL with scheme http or https, a host and"
                            + " a port, such as http://127.0.0.1:2379)");
        assertThatThrownBy(() -> EtcdRevisionStore.Options.builder().build())
                .hasMessage("etcd_endpoints: not set (expected: one or more URLs such as http://127.0.0.1:2379)");
        assertThat(EtcdRevisionStore.Options.builder().endpoints(List.of(URI.create("http://127.0.0.1:2379")))
                           .prefix("/a/b/").build().prefix()).isEqualTo("/a/b");
    }

    private static final java.nio.charset.Charset UTF_8 = java.nio.charset.StandardCharsets.UTF_8;

    /** Marks an append that succeeded. */
    private static final class None extends Throwable {
        private static final long serialVersionUID = 1L;
    }

    private static Throwable orNone(Throwable outcome) {
        return outcome == null ? new None() : outcome;
    }

    private static Throwable appendAfter(CountDownLatch start, RevisionStore store, RevisionRecord record)
            throws InterruptedException {
        start.await();
        try {
            store.append(record);
            return null;
        } catch (Exception e) {
            return e;
        }
    }

    private static List<RevisionRecord> records(long first, long last) {
        final List<RevisionRecord> records = new ArrayList<>();
        for (long r = first; r <= last; r++) {
            records.add(TestRecords.record(r));
        }
        return records;
    }

    private static RoutingSnapshot sorted(RoutingSnapshot snapshot) {
        final List<Persona> personas = new ArrayList<>(snapshot.getPersonasList());
        personas.sort(Comparator.comparing(Persona::getId));
        return snapshot.toBuilder().clearPersonas().addAllPersonas(personas).build();
    }
}
