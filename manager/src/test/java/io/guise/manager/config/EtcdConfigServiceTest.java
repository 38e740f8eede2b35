package io.guise.manager.config;

import static io.guise.manager.config.ConfigServiceTest.persona;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.guise.manager.config.ConfigWriteException.Reason;
import io.guise.manager.store.EtcdCluster;
import io.guise.manager.store.EtcdRevisionStore;
import io.guise.proto.RevisionRecord;
import io.guise.validation.RoutingValidator;
import io.guise.validation.TlsCapabilities;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Two config services, as two manager replicas would run, on one etcd prefix of a real cluster. */
@Timeout(120)
class EtcdConfigServiceTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    static Path folder;

    private static EtcdCluster cluster;

    private final List<EtcdRevisionStore> stores = new ArrayList<>();
    private ConfigService left;
    private ConfigService right;
    private final List<Long> rightCommits = new CopyOnWriteArrayList<>();

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

    @BeforeEach
    void openReplicas() throws Exception {
        final String prefix = "/guise-test/" + UUID.randomUUID();
        left = service(prefix);
        right = service(prefix);
        right.addCommitListener((RevisionRecord record) -> rightCommits.add(record.getRevision()));
    }

    @AfterEach
    void closeStores() {
        stores.forEach(EtcdRevisionStore::close);
    }

    private ConfigService service(String prefix) throws Exception {
        final EtcdRevisionStore store = EtcdRevisionStore.open(EtcdRevisionStore.Options.builder()
                .endpoints(cluster.endpoints()).prefix(prefix).requestTimeout(Duration.ofSeconds(5)).build());
        stores.add(store);
        return new ConfigService(store, new RoutingValidator(TlsCapabilities.jdk()), Clock.systemUTC());
    }

    @Test
    void write_reachesOtherReplicaAndItsListeners() throws Exception {
        final long revision = left.upsertPersona(persona("web"), OptionalLong.empty()).revision();

        await().atMost(WAIT).until(() -> right.current().getRevision() == revision);
        assertThat(right.current().getPersonasList()).containsExactly(persona("web"));
        assertThat(rightCommits).containsExactly(revision);
    }

    @Test
    void sameExpectedRevision_oneWinsOtherIsStale() throws Exception {
        left.upsertPersona(persona("base"), OptionalLong.empty());
        await().atMost(WAIT).until(() -> right.current().getRevision() == 1);
        final OptionalLong expected = OptionalLong.of(1);

        final CountDownLatch start = new CountDownLatch(1);
        final ExecutorService threads = Executors.newFixedThreadPool(2);
        final List<Object> outcomes = new ArrayList<>();
        try {
            final Future<Object> fromLeft = threads.submit(() -> upsertAfter(start, left, "left", expected));
            final Future<Object> fromRight = threads.submit(() -> upsertAfter(start, right, "right", expected));
            start.countDown();
            outcomes.add(fromLeft.get());
            outcomes.add(fromRight.get());
        } finally {
            threads.shutdownNow();
        }

        assertThat(outcomes).filteredOn(WriteResult.class::isInstance)
                .containsExactly(new WriteResult(2, true));
        assertThat(outcomes).filteredOn(ConfigWriteException.class::isInstance).hasSize(1);
        final ConfigWriteException loser = (ConfigWriteException) outcomes.stream()
                .filter(ConfigWriteException.class::isInstance).findFirst().orElseThrow();
        assertThat(loser.reason()).isEqualTo(Reason.STALE_REVISION);
        assertThat(loser.reason().httpStatus()).isEqualTo(409);
        assertThat(loser.getMessage()).isEqualTo("expected revision 1 but another manager committed first and the"
                                                 + " newest is 2, so read the resource again and retry");
        await().atMost(WAIT).until(() -> left.current().getRevision() == 2 && right.current().getRevision() == 2);
        assertThat(left.current().getPersonasCount()).isEqualTo(2);
        assertThat(right.current()).isEqualTo(left.current());
    }

    @Test
    void staleReplica_withoutExpectedRevision_recomputesAndCommits() throws Exception {
        // Both replicas race on revision 1 without an expected revision: both writes land.
        final CountDownLatch start = new CountDownLatch(1);
        final ExecutorService threads = Executors.newFixedThreadPool(2);
        final List<Object> outcomes = new ArrayList<>();
        try {
            final Future<Object> fromLeft = threads.submit(() -> upsertAfter(start, left, "left",
                                                                             OptionalLong.empty()));
            final Future<Object> fromRight = threads.submit(() -> upsertAfter(start, right, "right",
                                                                              OptionalLong.empty()));
            start.countDown();
            outcomes.add(fromLeft.get());
            outcomes.add(fromRight.get());
        } finally {
            threads.shutdownNow();
        }

        assertThat(outcomes).containsExactlyInAnyOrder(new WriteResult(1, true), new WriteResult(2, true));
        await().atMost(WAIT).until(() -> left.current().getRevision() == 2 && right.current().getRevision() == 2);
        assertThat(left.current().getPersonasList()).extracting(p -> p.getId())
                .containsExactlyInAnyOrder("left", "right");
        assertThat(rightCommits).containsExactly(1L, 2L);
    }

    private static Object upsertAfter(CountDownLatch start, ConfigService service, String id,
                                      OptionalLong expected) throws InterruptedException {
        start.await();
        try {
            return service.upsertPersona(persona(id), expected);
        } catch (ConfigWriteException e) {
            return e;
        }
    }
}
