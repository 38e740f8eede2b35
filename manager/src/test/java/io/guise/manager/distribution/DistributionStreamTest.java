package io.guise.manager.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.guise.accesspoint.AccessPoint;
import io.guise.distribution.DistributionClient;
import io.guise.manager.config.ConfigService;
import io.guise.manager.store.InMemoryRevisionStore;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.Endpoint;
import io.guise.proto.Listener;
import io.guise.proto.ManagerLink;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SubsetEntry;
import io.guise.testing.LoopbackEndpoints;
import io.guise.testing.LoopbackEndpoints.HttpEndpoint;
import io.guise.validation.RoutingValidator;
import io.guise.validation.TlsCapabilities;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real manager (config service, in-memory store, gRPC distribution server on
 * loopback) and real access points serving L7 traffic to loopback endpoints.
 * Each access point listens on 127.0.0.2 (subset of persona "alpha") and
 * 127.0.0.3 (subset of persona "beta" where it exists).
 */
@Timeout(60)
class DistributionStreamTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final OptionalLong ANY = OptionalLong.empty();
    private static final String TLS13_SUITE_LACKED = "TLS_AES_256_GCM_SHA384";

    @TempDir
    Path folder;

    private final LoopbackEndpoints endpoints = new LoopbackEndpoints();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AccessPoint> accessPoints = new ArrayList<>();
    private HttpEndpoint alphaEndpoint;
    private HttpEndpoint betaEndpoint;
    private ConfigService config;
    private DistributionServer server;
    private InetSocketAddress managerAddress;

    @BeforeEach
    void startManager() throws Exception {
        alphaEndpoint = endpoints.http("alpha-1", "127.0.0.1");
        betaEndpoint = endpoints.http("beta-1", "127.0.0.1");
        config = newConfigService();
        seed(config);
        server = new DistributionServer(config, Clock.systemUTC());
        managerAddress = server.start(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stopAll() throws Exception {
        for (AccessPoint accessPoint : accessPoints) {
            accessPoint.close();
        }
        if (server != null) {
            server.close();
        }
        endpoints.close();
    }

    @Test
    void personaWrite_reachesEveryAccessPoint() throws Exception {
        final List<AccessPoint> started = List.of(startAccessPoint("ap-1"), startAccessPoint("ap-2"),
                                                  startAccessPoint("ap-3"));
        awaitRevision(started, config.current().getRevision());
        for (AccessPoint accessPoint : started) {
            assertThat(body(accessPoint, 0)).isEqualTo("alpha-1");
        }

        final long revision = config.upsertPersona(persona("alpha", "beta").build(), ANY).revision();

        awaitRevision(started, revision);
        for (AccessPoint accessPoint : started) {
            await().atMost(WAIT).untilAsserted(() -> assertThat(body(accessPoint, 0)).isEqualTo("beta-1"));
            assertThat(persona(accessPoint, 0)).isEqualTo("alpha");
        }
        await().atMost(WAIT).until(() -> server.registry().statuses().stream()
                .allMatch(status -> status.appliedRevision() == revision));
        for (AccessPointStatus status : server.registry().statuses()) {
            assertThat(status.connected()).as(status.id()).isTrue();
            assertThat(status.ackCount()).as(status.id()).isGreaterThanOrEqualTo(1);
            assertThat(status.ackMaxMillis()).as(status.id()).isGreaterThanOrEqualTo(status.ackP50Millis());
            assertThat(status.lastNackReason()).as(status.id()).isEmpty();
        }
        assertThat(server.registry().statuses()).extracting(AccessPointStatus::id)
                .containsExactly("ap-1", "ap-2", "ap-3");
        assertThat(server.registry().totalCommitToAck().getTotalCount()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void nack_keepsOldTableAndIsNotResent() throws Exception {
        final AccessPoint full = startAccessPoint("full");
        final TlsCapabilities restricted = TlsCapabilities.of(Set.of(TlsCapabilities.TLS_1_3),
                                                              Set.of("TLS_AES_128_GCM_SHA256"));
        final AccessPoint limited = accessPoint(AccessPoint.start(apConfig("limited", null), 1, restricted));
        final long before = config.current().getRevision();
        awaitRevision(List.of(full, limited), before);

        final Persona secure = persona("secure", "beta").setTlsVersion("TLSv1.3")
                .addCipherSuites(TLS13_SUITE_LACKED).build();
        final long tlsRevision = config.upsertPersona(secure, ANY).revision();

        awaitRevision(List.of(full), tlsRevision);
        await().atMost(WAIT).until(() -> server.registry().status("limited").lastNackRevision() == tlsRevision);
        final AccessPointStatus nacked = server.registry().status("limited");
        assertThat(nacked.lastNackReason()).contains("cipher_suites").contains(TLS13_SUITE_LACKED);
        assertThat(nacked.appliedRevision()).isEqualTo(before);
        assertThat(limited.routing().current().revision()).isEqualTo(before);
        assertThat(limited.routing().current().persona("secure")).isNull();
        assertThat(body(limited, 0)).isEqualTo("alpha-1");
        final long sentAfterNack = server.registry().messagesSent("limited");
        await().during(Duration.ofMillis(500)).atMost(WAIT)
                .until(() -> server.registry().messagesSent("limited") == sentAfterNack
                             && limited.distribution().nacksSent() == 1);

        // The next commit is sent once, from the revision the access point serves,
        // and still carries the persona it cannot serve.
        final long nextRevision = config.upsertPersona(persona("alpha", "beta").build(), ANY).revision();

        awaitRevision(List.of(full), nextRevision);
        await().atMost(WAIT).until(() -> server.registry().status("limited").lastNackRevision() == nextRevision);
        await().during(Duration.ofMillis(500)).atMost(WAIT)
                .until(() -> server.registry().messagesSent("limited") == sentAfterNack + 1);
        assertThat(limited.distribution().nacksSent()).isEqualTo(2);
        assertThat(limited.routing().current().revision()).isEqualTo(before);
        assertThat(body(limited, 0)).isEqualTo("alpha-1");
        assertThat(body(full, 0)).isEqualTo("beta-1");

        // Removing the content it cannot serve lets it catch up.
        final long cleanRevision = config.deletePersona("secure", ANY).revision();
        awaitRevision(List.of(full, limited), cleanRevision);
        assertThat(body(limited, 0)).isEqualTo("beta-1");
    }

    @Test
    void removalWhileDisconnected_goneAfterReconnect() throws Exception {
        final AccessPoint accessPoint = startAccessPoint("ap-1");
        awaitRevision(List.of(accessPoint), config.current().getRevision());
        assertThat(body(accessPoint, 1)).isEqualTo("beta-1");
        final long snapshotsBefore = accessPoint.distribution().snapshotsReceived();

        restartManagerOnSameStore(() -> {
            config.deleteSubset("127.0.0.3/32", ANY);
            config.deletePersona("beta", ANY);
        });

        final long removedRevision = config.current().getRevision();
        awaitRevision(List.of(accessPoint), removedRevision);
        assertThat(accessPoint.routing().current().persona("beta")).isNull();
        assertThat(status(accessPoint, 1)).isEqualTo(421);
        // Same store, same epoch: the access point caught up with a delta.
        assertThat(accessPoint.distribution().snapshotsReceived()).isEqualTo(snapshotsBefore);

        config.upsertPersona(persona("beta", "alpha").build(), ANY);
        final long readdedRevision = config.upsertSubset(subset("127.0.0.3/32", "beta"), ANY).revision();

        awaitRevision(List.of(accessPoint), readdedRevision);
        assertThat(body(accessPoint, 1)).isEqualTo("alpha-1");
        assertSubsetsPointAtKnownPersonas(accessPoint);
    }

    @Test
    void newStore_fullSnapshotConverges() throws Exception {
        final List<AccessPoint> started = List.of(startAccessPoint("ap-1"), startAccessPoint("ap-2"));
        awaitRevision(started, config.current().getRevision());
        final String oldEpoch = config.epoch();

        server.close();
        final ConfigService replacement = newConfigService();
        replacement.apply(RoutingSnapshot.newBuilder()
                                  .addPersonas(persona("alpha", "beta"))
                                  .addEndpoints(endpoint("beta-1", "beta", betaEndpoint))
                                  .addSubsets(subset("127.0.0.2/32", "alpha"))
                                  .build(), false, ANY);
        config = replacement;
        server = new DistributionServer(replacement, Clock.systemUTC());
        server.start(managerAddress);

        for (AccessPoint accessPoint : started) {
            await().atMost(WAIT).until(() -> accessPoint.distribution().heldEpoch().equals(replacement.epoch()));
            assertThat(accessPoint.routing().current().revision()).isEqualTo(replacement.current().getRevision());
            assertThat(accessPoint.routing().current().persona("beta")).isNull();
            assertThat(body(accessPoint, 0)).isEqualTo("beta-1");
            assertThat(status(accessPoint, 1)).isEqualTo(421);
            assertSubsetsPointAtKnownPersonas(accessPoint);
        }
        assertThat(replacement.epoch()).isNotEqualTo(oldEpoch);
    }

    @Test
    void restartedAccessPoint_servesStateFileBeforeReconnecting() throws Exception {
        final Path stateFile = folder.resolve("ap-1.state");
        final AccessPoint first = startAccessPoint("ap-1", stateFile);
        final long revision = config.upsertPersona(persona("alpha", "beta").build(), ANY).revision();
        awaitRevision(List.of(first), revision);
        first.close();
        accessPoints.remove(first);
        server.close();
        server = null;

        final AccessPoint restarted = startAccessPoint("ap-1", stateFile);

        assertThat(restarted.routing().current().revision()).isEqualTo(revision);
        assertThat(restarted.distribution().heldEpoch()).isEqualTo(config.epoch());
        assertThat(restarted.distribution().connected()).isFalse();
        assertThat(body(restarted, 0)).isEqualTo("beta-1");

        server = new DistributionServer(config, Clock.systemUTC());
        server.start(managerAddress);
        await().atMost(WAIT).until(() -> server.registry().status("ap-1") != null
                                          && server.registry().status("ap-1").connected());
        // It is up to date, so the manager has nothing to send.
        assertThat(server.registry().status("ap-1").appliedRevision()).isEqualTo(revision);
        assertThat(server.registry().messagesSent("ap-1")).isZero();
    }

    // --- fixtures

    private ConfigService newConfigService() {
        return new ConfigService(new InMemoryRevisionStore(1000), new RoutingValidator(TlsCapabilities.jdk()),
                                 Clock.systemUTC());
    }

    private void seed(ConfigService target) throws Exception {
        target.apply(RoutingSnapshot.newBuilder()
                             .addPersonas(persona("alpha", "alpha"))
                             .addPersonas(persona("beta", "beta"))
                             .addEndpoints(endpoint("alpha-1", "alpha", alphaEndpoint))
                             .addEndpoints(endpoint("beta-1", "beta", betaEndpoint))
                             .addSubsets(subset("127.0.0.2/32", "alpha"))
                             .addSubsets(subset("127.0.0.3/32", "beta"))
                             .build(), false, ANY);
    }

    @FunctionalInterface
    private interface Writes {
        void run() throws Exception;
    }

    /** Stops the distribution server, runs {@code writes} and starts a new server on the same store and port. */
    private void restartManagerOnSameStore(Writes writes) throws Exception {
        server.close();
        writes.run();
        server = new DistributionServer(config, Clock.systemUTC());
        server.start(managerAddress);
    }

    private AccessPoint startAccessPoint(String id) throws Exception {
        return startAccessPoint(id, null);
    }

    private AccessPoint startAccessPoint(String id, Path stateFile) throws Exception {
        return accessPoint(AccessPoint.start(apConfig(id, stateFile), 1));
    }

    private AccessPoint accessPoint(AccessPoint started) {
        accessPoints.add(started);
        return started;
    }

    private AccessPointConfig apConfig(String id, Path stateFile) {
        final ManagerLink.Builder link = ManagerLink.newBuilder()
                .setAddress("127.0.0.1:" + managerAddress.getPort())
                .setReconnectInitialMs(20)
                .setReconnectMaxMs(200);
        if (stateFile != null) {
            link.setStateFile(stateFile.toString());
        }
        return AccessPointConfig.newBuilder()
                .setId(id)
                .setSeed(7)
                .addListeners(Listener.newBuilder().setName("web").setMode("L7")
                                      .addAddresses("127.0.0.2").addAddresses("127.0.0.3"))
                .setManager(link)
                .build();
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

    private static void awaitRevision(List<AccessPoint> targets, long revision) {
        for (AccessPoint accessPoint : targets) {
            await().atMost(WAIT).until(() -> accessPoint.routing().current().revision() == revision
                                             && accessPoint.distribution().heldRevision() == revision);
        }
    }

    private static void assertSubsetsPointAtKnownPersonas(AccessPoint accessPoint) {
        final RoutingSnapshot snapshot = accessPoint.routing().current().snapshot();
        final Set<String> personas = new HashSet<>();
        snapshot.getPersonasList().forEach(p -> personas.add(p.getId()));
        for (SubsetEntry subset : snapshot.getSubsetsList()) {
            assertThat(personas).as(subset.getPrefix()).contains(subset.getPersona());
        }
    }

    private HttpResponse<String> get(AccessPoint accessPoint, int listenerIndex) throws Exception {
        final InetSocketAddress address = accessPoint.listenerAddresses("web").get(listenerIndex);
        final HttpRequest request = HttpRequest.newBuilder(URI.create(
                        "http://" + address.getAddress().getHostAddress() + ":" + address.getPort() + "/"))
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private String body(AccessPoint accessPoint, int listenerIndex) throws Exception {
        return get(accessPoint, listenerIndex).body();
    }

    private int status(AccessPoint accessPoint, int listenerIndex) throws Exception {
        return get(accessPoint, listenerIndex).statusCode();
    }

    private String persona(AccessPoint accessPoint, int listenerIndex) throws Exception {
        return get(accessPoint, listenerIndex).headers().firstValue("x-guise-persona").orElse("");
    }
}
