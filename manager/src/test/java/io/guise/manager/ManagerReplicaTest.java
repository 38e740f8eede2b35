package io.guise.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.guise.accesspoint.AccessPoint;
import io.guise.manager.AppliedRevisions.Swap;
import io.guise.manager.store.EtcdCluster;
import io.guise.manager.store.EtcdRevisionStore;
import io.guise.manager.store.RevisionStore;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.Endpoint;
import io.guise.proto.Listener;
import io.guise.proto.ManagerLink;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SubsetEntry;
import io.guise.testing.LoopbackEndpoints;
import io.guise.testing.LoopbackEndpoints.HttpEndpoint;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
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

/**
 * Manager replicas on one etcd prefix of a real three-member etcd cluster, each
 * with its own distribution server and access points, all on loopback. Every
 * access point's table swaps are recorded, so the tests check the whole sequence
 * of revisions it served, not only the last.
 */
@Timeout(180)
class ManagerReplicaTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final OptionalLong ANY = OptionalLong.empty();

    @TempDir
    static Path etcdFolder;

    private static EtcdCluster cluster;

    private final LoopbackEndpoints endpoints = new LoopbackEndpoints();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String prefix = "/guise-test/" + UUID.randomUUID();
    private final List<ManagerServer> replicas = new ArrayList<>();
    private final List<AccessPoint> accessPoints = new ArrayList<>();
    private AccessPoint.SharedEventLoops loops;
    private AppliedRevisions applied;
    private HttpEndpoint alphaEndpoint;
    private HttpEndpoint betaEndpoint;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = EtcdCluster.start(etcdFolder);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void startEndpoints() throws Exception {
        applied = new AppliedRevisions();
        loops = new AccessPoint.SharedEventLoops(2);
        alphaEndpoint = endpoints.http("alpha-1", "127.0.0.1");
        betaEndpoint = endpoints.http("beta-1", "127.0.0.1");
    }

    @AfterEach
    void stopAll() throws Exception {
        for (AccessPoint accessPoint : accessPoints) {
            accessPoint.close();
        }
        for (ManagerServer replica : replicas) {
            closeQuietly(replica);
        }
        if (loops != null) {
            loops.close();
        }
        endpoints.close();
        if (applied != null) {
            applied.close();
        }
    }

    @Test
    void write_oneReplica_reachesAllAccessPoints() throws Exception {
        final List<ManagerServer> started = List.of(startReplica(1000), startReplica(1000), startReplica(1000));
        seed(started.get(0));
        final List<AccessPoint> points = new ArrayList<>();
        for (int r = 0; r < started.size(); r++) {
            points.add(startAccessPoint("ap-" + r, started.get(r)));
        }
        awaitRevision(points, latest(started.get(0)));

        // Each replica writes in turn; the last points alpha's subset at the beta pool.
        started.get(1).service().upsertPersona(persona("gamma", "alpha").build(), ANY);
        started.get(2).service().upsertPersona(persona("delta", "beta").build(), ANY);
        final long last = started.get(0).service().upsertPersona(persona("alpha", "beta").build(), ANY).revision();

        awaitRevision(points, last);
        for (AccessPoint point : points) {
            assertThat(sorted(point.routing().current().snapshot())).as(point.id())
                    .isEqualTo(sorted(started.get(0).service().current()));
            assertThat(body(point)).as(point.id()).isEqualTo("beta-1");
            assertGaplessUpTo(point, last);
        }
        for (ManagerServer replica : started) {
            assertThat(replica.service().current().getRevision()).isEqualTo(last);
            await().atMost(WAIT).until(() -> replica.distribution().registry().statuses().stream()
                    .allMatch(status -> status.appliedRevision() == last));
        }
    }

    @Test
    void replicaStops_failoverGetsDeltas() throws Exception {
        final ManagerServer doomed = startReplica(1000);
        // Two retained records, so the deltas after the failover come from etcd history.
        final ManagerServer survivor = startReplica(2);
        seed(doomed);
        final List<AccessPoint> points = List.of(startAccessPoint("ap-1", doomed, survivor),
                                                 startAccessPoint("ap-2", doomed, survivor));
        long revision = latest(doomed);
        awaitRevision(points, revision);
        assertThat(points.get(0).distribution().snapshotsReceived()).isEqualTo(1);
        // ap-1 fails over while the writes go on. ap-2 is cut off until they are done, so its
        // delta spans all five writes, more than the survivor's two retained records.
        points.get(1).disconnectManager();

        closeQuietly(doomed);
        replicas.remove(doomed);
        for (int i = 0; i < 5; i++) {
            revision = survivor.service().upsertPersona(persona("extra-" + i, "beta").build(), ANY).revision();
        }
        points.get(1).reconnectManager();

        awaitRevision(points, revision);
        for (int i = 0; i < points.size(); i++) {
            final AccessPoint point = points.get(i);
            assertGaplessUpTo(point, revision);
            // No full snapshot after the first: ap-1 keeps its client, ap-2 has a new one since it reconnected.
            assertThat(point.distribution().snapshotsReceived()).as(point.id()).isEqualTo(i == 0 ? 1 : 0);
            assertThat(sorted(point.routing().current().snapshot())).as(point.id())
                    .isEqualTo(sorted(survivor.service().current()));
            assertThat(survivor.distribution().registry().status(point.id()).connected()).isTrue();
        }
    }

    @Test
    void failoverAfterCompaction_getsSnapshot() throws Exception {
        final ManagerServer doomed = startReplica(1000);
        final ManagerServer survivor = startReplica(2);
        seed(doomed);
        final AccessPoint point = startAccessPoint("ap-1", doomed, survivor);
        final long before = latest(doomed);
        awaitRevision(List.of(point), before);
        point.disconnectManager();

        closeQuietly(doomed);
        replicas.remove(doomed);
        long revision = before;
        for (int i = 0; i < 5; i++) {
            revision = survivor.service().upsertPersona(persona("extra-" + i, "beta").build(), ANY).revision();
        }
        compactEtcd();
        point.reconnectManager();

        awaitRevision(List.of(point), revision);
        // The client made by the reconnect received exactly one message, a full snapshot.
        assertThat(point.distribution().snapshotsReceived()).isEqualTo(1);
        assertThat(point.distribution().messagesReceived()).isEqualTo(1);
        final List<Swap> swaps = applied.swaps(point.id());
        assertThat(swaps.get(swaps.size() - 1)).isEqualTo(new Swap(before, revision));
        assertGaplessUpTo(point, revision);
        assertThat(sorted(point.routing().current().snapshot())).isEqualTo(sorted(survivor.service().current()));
    }

    @Test
    void etcdMemberDown_writesAndDistributionContinue() throws Exception {
        final List<ManagerServer> started = List.of(startReplica(1000), startReplica(1000));
        seed(started.get(0));
        final List<AccessPoint> points = List.of(startAccessPoint("ap-0", started.get(0)),
                                                 startAccessPoint("ap-1", started.get(1)));
        awaitRevision(points, latest(started.get(0)));

        cluster.kill(0);
        final long revision;
        try {
            started.get(1).service().upsertPersona(persona("gamma", "alpha").build(), ANY);
            revision = started.get(0).service().upsertPersona(persona("alpha", "beta").build(), ANY).revision();

            awaitRevision(points, revision);
        } finally {
            cluster.restart(0);
        }
        for (AccessPoint point : points) {
            assertGaplessUpTo(point, revision);
            assertThat(body(point)).as(point.id()).isEqualTo("beta-1");
        }
    }

    @Test
    void sameIfMatch_oneWinsOneGets409() throws Exception {
        final List<ManagerServer> started = List.of(startReplica(1000), startReplica(1000));
        seed(started.get(0));
        final long revision = latest(started.get(0));
        await().atMost(WAIT).until(() -> latest(started.get(1)) == revision);

        final CountDownLatch go = new CountDownLatch(1);
        final ExecutorService threads = Executors.newFixedThreadPool(2);
        final List<HttpResponse<String>> responses = new ArrayList<>();
        try {
            final List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                final ManagerServer replica = started.get(r);
                final String body = "{\"id\": \"alpha\", \"address_family\": \"IPv4\", \"address\": \"beta\","
                                    + " \"port\": 80, \"priority\": " + (10 + r) + "}";
                futures.add(threads.submit(() -> {
                    go.await();
                    return putPersona(replica, body, revision);
                }));
            }
            go.countDown();
            for (Future<HttpResponse<String>> future : futures) {
                responses.add(future.get());
            }
        } finally {
            threads.shutdownNow();
        }

        assertThat(responses).extracting(HttpResponse::statusCode).containsExactlyInAnyOrder(200, 409);
        final HttpResponse<String> conflict = responses.stream().filter(r -> r.statusCode() == 409).findFirst()
                .orElseThrow();
        assertThat(conflict.body()).contains("expected revision " + revision);
        await().atMost(WAIT).until(() -> latest(started.get(0)) == revision + 1
                                         && latest(started.get(1)) == revision + 1);
        assertThat(started.get(1).service().current()).isEqualTo(started.get(0).service().current());
    }

    // --- fixtures

    private ManagerServer startReplica(int retainedRecords) throws Exception {
        final ManagerServer.Options options = ManagerServer.Options.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .grpcListen(new InetSocketAddress("127.0.0.1", 0))
                .etcdStore(EtcdRevisionStore.Options.builder()
                                   .endpoints(cluster.endpoints())
                                   .prefix(prefix)
                                   .retainedRecords(retainedRecords)
                                   .requestTimeout(Duration.ofSeconds(10))
                                   .build())
                .build();
        final RevisionStore store = ManagerServer.openStore(options);
        final ManagerServer replica;
        try {
            replica = ManagerServer.start(options, store);
        } catch (RuntimeException | InterruptedException e) {
            store.close();
            throw e;
        }
        replicas.add(replica);
        return replica;
    }

    private static void closeQuietly(ManagerServer replica) {
        try {
            replica.close();
        } catch (Exception e) {
            // The test's own assertions report what matters; a second close is harmless.
        }
    }

    private void seed(ManagerServer replica) throws Exception {
        replica.service().apply(RoutingSnapshot.newBuilder()
                                        .addPersonas(persona("alpha", "alpha"))
                                        .addPersonas(persona("beta", "beta"))
                                        .addEndpoints(endpoint("alpha-1", "alpha", alphaEndpoint))
                                        .addEndpoints(endpoint("beta-1", "beta", betaEndpoint))
                                        .addSubsets(subset("127.0.0.2/32", "alpha"))
                                        .build(), false, ANY);
    }

    private AccessPoint startAccessPoint(String id, ManagerServer manager, ManagerServer... others)
            throws Exception {
        final ManagerLink.Builder link = ManagerLink.newBuilder()
                .setAddress(address(manager))
                .setReconnectInitialMs(20)
                .setReconnectMaxMs(200);
        for (ManagerServer other : others) {
            link.addReplicaAddresses(address(other));
        }
        final AccessPointConfig config = AccessPointConfig.newBuilder()
                .setId(id)
                .setSeed(7)
                .addListeners(Listener.newBuilder().setName("web").setMode("L7").addAddresses("127.0.0.2"))
                .setManager(link)
                .build();
        final AccessPoint started = AccessPoint.start(config, loops);
        accessPoints.add(started);
        return started;
    }

    private static String address(ManagerServer manager) {
        return "127.0.0.1:" + manager.distributionAddress().getPort();
    }

    private static long latest(ManagerServer replica) {
        return replica.service().current().getRevision();
    }

    private static void awaitRevision(List<AccessPoint> targets, long revision) {
        for (AccessPoint accessPoint : targets) {
            await().atMost(WAIT).until(() -> accessPoint.routing().current().revision() == revision
                                             && accessPoint.distribution().heldRevision() == revision);
        }
    }

    /**
     * Asserts that the access point's table swaps form one chain from revision 0 to
     * {@code last}: each starts where the one before ended and moves forward, so no
     * revision was applied twice, out of order or on top of a gap.
     */
    private void assertGaplessUpTo(AccessPoint point, long last) {
        final List<Swap> swaps = applied.swaps(point.id());
        assertThat(swaps).as(point.id()).isNotEmpty();
        long served = 0;
        for (Swap swap : swaps) {
            assertThat(swap.from()).as(point.id() + " " + swaps).isEqualTo(served);
            assertThat(swap.to()).as(point.id() + " " + swaps).isGreaterThan(swap.from());
            served = swap.to();
        }
        assertThat(served).as(point.id() + " " + swaps).isEqualTo(last);
    }

    private void compactEtcd() throws Exception {
        try (Client client = Client.builder().endpoints(cluster.endpoints().toArray(new URI[0])).build()) {
            final long head = client.getKVClient().get(ByteSequence.from(prefix, StandardCharsets.UTF_8)).get()
                    .getHeader().getRevision();
            client.getKVClient().compact(head).get();
        }
    }

    private HttpResponse<String> putPersona(ManagerServer replica, String body, long ifMatch) throws Exception {
        final HttpRequest request = HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + replica.boundAddress().getPort() + "/personas/alpha"))
                .PUT(HttpRequest.BodyPublishers.ofString(body))
                .header("content-type", "application/json")
                .header("if-match", "\"" + ifMatch + "\"")
                .timeout(WAIT)
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private String body(AccessPoint accessPoint) throws Exception {
        final InetSocketAddress address = accessPoint.listenerAddresses("web").get(0);
        final HttpRequest request = HttpRequest.newBuilder(URI.create(
                        "http://" + address.getAddress().getHostAddress() + ":" + address.getPort() + "/"))
                .timeout(Duration.ofSeconds(5))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    private static Persona.Builder persona(String id, String pool) {
        return Persona.newBuilder().setId(id).setAddressFamily("IPv4").setAddress(pool).setPort(80)
                .setPriority(100);
    }

    private static Endpoint endpoint(String id, String pool, HttpEndpoint running) {
        return Endpoint.newBuilder().setId(id).setPool(pool).setAddress("127.0.0.1").setPort(running.port())
                .build();
    }

    private static SubsetEntry subset(String prefix, String persona) {
        return SubsetEntry.newBuilder().setPrefix(prefix).setPersona(persona).build();
    }

    private static RoutingSnapshot sorted(RoutingSnapshot snapshot) {
        final List<Persona> personas = new ArrayList<>(snapshot.getPersonasList());
        personas.sort(Comparator.comparing(Persona::getId));
        final List<Endpoint> endpoints = new ArrayList<>(snapshot.getEndpointsList());
        endpoints.sort(Comparator.comparing(Endpoint::getId));
        final List<SubsetEntry> subsets = new ArrayList<>(snapshot.getSubsetsList());
        subsets.sort(Comparator.comparing(SubsetEntry::getPrefix));
        return snapshot.toBuilder().clearPersonas().addAllPersonas(personas).clearEndpoints()
                .addAllEndpoints(endpoints).clearSubsets().addAllSubsets(subsets).build();
    }
}
