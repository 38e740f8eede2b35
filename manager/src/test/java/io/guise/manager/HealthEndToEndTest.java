package io.guise.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guise.accesspoint.AccessPoint;
import io.guise.manager.health.DecisionRecord;
import io.guise.manager.health.DemotionSettings;
import io.guise.manager.health.HealthLoop;
import io.guise.manager.store.RevisionStore;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.CanaryGuard;
import io.guise.proto.Endpoint;
import io.guise.proto.Listener;
import io.guise.proto.LocalEjection;
import io.guise.proto.ManagerLink;
import io.guise.proto.Persona;
import io.guise.proto.RetryPolicy;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.Split;
import io.guise.proto.SplitArm;
import io.guise.proto.SubsetEntry;
import io.guise.testing.LoopbackEndpoints;
import io.guise.testing.LoopbackEndpoints.HttpEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The health loop from data plane to control plane and back, on loopback. A real
 * access point sends health reports over the distribution stream. The manager
 * demotes, restores and stops canary arms as revisions, and the access point routes
 * by them. Endpoints are real HTTP servers that start and stop failing.
 */
@Timeout(120)
class HealthEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int HEALTH_INTERVAL_MS = 500;
    // Judges failures only. With a few dozen requests per window, p99 is the slowest request, so one
    // garbage collection pause on a busy machine would make a latency outlier of a healthy endpoint.
    private static final DemotionSettings FAILURES_ONLY = new DemotionSettings(10, 20, 3, 10_000, 2, 50, 1);

    private final LoopbackEndpoints endpoints = new LoopbackEndpoints();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ExecutorService clients = Executors.newFixedThreadPool(4);
    private final ObjectMapper json = new ObjectMapper();
    private ManagerServer manager;
    private AccessPoint accessPoint;

    @TempDir
    Path dataDir;

    @AfterEach
    void stop() throws Exception {
        clients.shutdownNow();
        if (accessPoint != null) {
            accessPoint.close();
        }
        if (manager != null) {
            manager.close();
        }
        endpoints.close();
    }

    @Test
    void failingEndpoint_ejectedDemotedAndRestored() throws Exception {
        final AtomicBoolean failing = new AtomicBoolean();
        final List<HttpEndpoint> web = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            final boolean bad = i == 4;
            web.add(endpoints.http("web-" + i, "127.0.0.1", path -> bad && failing.get() ? 500 : 200));
        }
        final HttpEndpoint web4 = web.get(3);
        manager = startManager(FAILURES_ONLY);
        startAccessPoint(builder -> builder
                .setRetries(RetryPolicy.newBuilder().setMaxAttempts(2).setBudgetPercent(50))
                .setLocalEjection(LocalEjection.newBuilder().setConsecutiveFailures(5).setBaseEjectionMs(1500)
                                          .setMaxEjectionMs(3000).setJitterPercent(1)));
        final RoutingSnapshot.Builder routing = RoutingSnapshot.newBuilder()
                .addPersonas(persona("web", "web"))
                .addSubsets(SubsetEntry.newBuilder().setPrefix("127.0.0.1/32").setPersona("web"));
        for (HttpEndpoint endpoint : web) {
            routing.addEndpoints(endpoint(endpoint, "web"));
        }
        final long initial = apply(routing.build());
        final Traffic traffic = new Traffic(accessPoint.listenerAddresses("web").get(0));
        clients.submit(traffic);
        await().atMost(WAIT).until(() -> web4.requests().get() >= 10);

        final int hitsBeforeFault = web4.requests().get();
        final long faultMillis = System.currentTimeMillis();
        failing.set(true);
        await().atMost(WAIT).pollInterval(Duration.ofMillis(5))
                .until(() -> accessPoint.endpointHealth().isEjected("web-4"));
        final long ejectedMillis = System.currentTimeMillis();
        // Five consecutive failures eject the endpoint; retries hide each of them from the client.
        assertThat(web4.requests().get() - hitsBeforeFault).isBetween(5, 6);
        assertThat(accessPoint.endpointHealth().ejectionCount("web-4")).isEqualTo(1);

        await().atMost(WAIT).until(() -> tier("web-4") == 1
                                         && manager.health().decisions().count(DecisionRecord.Action.DEMOTE) == 1);
        final DecisionRecord demotion = firstDecision(DecisionRecord.Action.DEMOTE, "web-4");
        assertThat(demotion.outcome()).isEqualTo(DecisionRecord.Outcome.WRITTEN);
        assertThat(demotion.revision()).isGreaterThan(initial);
        assertThat(demotion.timeMillis() - ejectedMillis)
                .as("demotion %d ms after the local ejection", demotion.timeMillis() - ejectedMillis)
                .isLessThanOrEqualTo(3L * HEALTH_INTERVAL_MS);
        // The window that decides contains either the failures before the ejection or the ejection itself.
        assertThat(demotion.endpoint().failures()).isPositive();
        assertThat(demotion.endpoint().reporters()).containsExactly("ap-health");
        assertThat(demotion.reason()).matches("(locally ejected by ap-health|failure share).*");
        final JsonNode api = getJson("/health/decisions");
        assertThat(api.at("/decisions/0/action").asText()).isEqualTo("demote");
        assertThat(api.at("/decisions/0/endpoint_id").asText()).isEqualTo("web-4");
        assertThat(api.at("/decisions/0/evidence/failures").asLong()).isEqualTo(demotion.endpoint().failures());
        await().atMost(WAIT).until(() -> accessPoint.routing().current().revision() >= demotion.revision());

        // While demoted and still failing, web-4 gets only the access point's probe requests: one per
        // ejection period, each of which fails and ejects it again.
        final int hitsWhileDemoted = web4.requests().get();
        final int ejectionsWhileDemoted = accessPoint.endpointHealth().ejectionCount("web-4");
        final int sentBefore = traffic.sent.get();
        await().atMost(WAIT).until(() -> traffic.sent.get() >= sentBefore + 300);
        assertThat(web4.requests().get() - hitsWhileDemoted)
                .isEqualTo(accessPoint.endpointHealth().ejectionCount("web-4") - ejectionsWhileDemoted);
        assertThat(tier("web-4")).isEqualTo(1);

        failing.set(false);
        final long healedMillis = System.currentTimeMillis();
        await().atMost(WAIT).until(() -> tier("web-4") == 0
                                         && manager.health().decisions().count(DecisionRecord.Action.RESTORE) == 1);
        final DecisionRecord restoration = firstDecision(DecisionRecord.Action.RESTORE, "web-4");
        assertThat(restoration.timeMillis()).isGreaterThan(healedMillis);
        assertThat(restoration.endpoint().toTier()).isZero();
        await().atMost(WAIT).until(() -> accessPoint.routing().current().revision() >= restoration.revision());
        final int hitsAfterRestore = web4.requests().get();
        await().atMost(WAIT).until(() -> web4.requests().get() >= hitsAfterRestore + 20);

        traffic.stop();
        assertThat(traffic.failures.get()).as("client failures over %d requests", traffic.sent.get()).isZero();
        assertThat(faultMillis).isLessThan(ejectedMillis);
    }

    @Test
    void wholePoolFailing_holdsAndKeepsServing() throws Exception {
        final List<HttpEndpoint> web = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            web.add(endpoints.http("web-" + i, "127.0.0.1", path -> 500));
        }
        manager = startManager(FAILURES_ONLY);
        startAccessPoint(builder -> builder);
        final RoutingSnapshot.Builder routing = RoutingSnapshot.newBuilder()
                .addPersonas(persona("web", "web"))
                .addSubsets(SubsetEntry.newBuilder().setPrefix("127.0.0.1/32").setPersona("web"));
        for (HttpEndpoint endpoint : web) {
            routing.addEndpoints(endpoint(endpoint, "web"));
        }
        final long initial = apply(routing.build());
        final Traffic traffic = new Traffic(accessPoint.listenerAddresses("web").get(0));
        clients.submit(traffic);

        // Local ejection takes at most one of the three out (half the pool, rounded down), and an ejected
        // endpoint without requests in a window is not judged, so two or three endpoints look bad at once.
        await().atMost(WAIT).until(() -> manager.health().decisions().count(DecisionRecord.Action.HOLD_FLEET_WIDE)
                                         >= 2);
        final long windows = manager.health().windows();
        await().atMost(WAIT).until(() -> manager.health().windows() >= windows + 4);
        final int[] hits = new int[3];
        for (int i = 0; i < 3; i++) {
            hits[i] = web.get(i).requests().get();
        }
        final int sentBefore = traffic.sent.get();
        await().atMost(WAIT).until(() -> traffic.sent.get() >= sentBefore + 100);
        traffic.stop();

        assertThat(manager.service().current().getRevision()).isEqualTo(initial);
        assertThat(manager.health().decisions().count(DecisionRecord.Action.DEMOTE)).isZero();
        final DecisionRecord hold = firstDecision(DecisionRecord.Action.HOLD_FLEET_WIDE, "web-1");
        assertThat(hold.reason()).containsPattern("[23] of 3 endpoints of pool web look bad");
        // Panic: with local ejection capped at half the pool, the endpoints keep getting requests.
        int ejected = 0;
        for (int i = 0; i < 3; i++) {
            if (accessPoint.endpointHealth().isEjected("web-" + (i + 1))) {
                ejected++;
            }
        }
        assertThat(ejected).isLessThanOrEqualTo(1);
        int endpointsStillServing = 0;
        for (int i = 0; i < 3; i++) {
            if (web.get(i).requests().get() > hits[i]) {
                endpointsStillServing++;
            }
        }
        assertThat(endpointsStillServing).isGreaterThanOrEqualTo(2);
        assertThat(traffic.statuses(503)).as("requests with no endpoint to serve them").isZero();
    }

    @Test
    void badCanary_stoppedAndEqualCanaryKept() throws Exception {
        final AtomicInteger canaryRequests = new AtomicInteger();
        final HttpEndpoint stable = endpoints.http("stable-1", "127.0.0.1");
        // One request in four fails: a real endpoint error, not an injected one.
        final HttpEndpoint canary = endpoints.http("canary-1", "127.0.0.1",
                                                   path -> canaryRequests.incrementAndGet() % 4 == 0 ? 500 : 200);
        final HttpEndpoint same = endpoints.http("same-1", "127.0.0.1");
        manager = startManager(DemotionSettings.defaults());
        startAccessPoint(builder -> builder);
        final CanaryGuard guard = CanaryGuard.newBuilder().setControl("stable").setWindowMs(2000)
                .setMinRequests(100).build();
        final long initial = apply(RoutingSnapshot.newBuilder()
                .addPersonas(persona("stable", "stable"))
                .addPersonas(persona("canary", "canary"))
                .addPersonas(persona("same", "same"))
                .addEndpoints(endpoint(stable, "stable"))
                .addEndpoints(endpoint(canary, "canary"))
                .addEndpoints(endpoint(same, "same"))
                .addSubsets(split("127.0.0.1/32", "canary", guard))
                .addSubsets(split("127.0.0.2/32", "same", guard))
                .build());
        final ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        ((Logger) LoggerFactory.getLogger(HealthLoop.class)).addAppender(log);
        final List<InetSocketAddress> listeners = accessPoint.listenerAddresses("web");
        final List<Future<?>> senders = new ArrayList<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        for (int target = 0; target < 2; target++) {
            final InetSocketAddress listener = listeners.get(target);
            senders.add(clients.submit(() -> {
                // Clients on 100 source addresses, so the split's hash places them in both arms.
                for (int n = 0; running.get() && n < 20_000; n++) {
                    getFrom("127.0.1." + (1 + n % 100), listener);
                }
                return null;
            }));
        }

        await().atMost(WAIT).until(() -> armWeight("127.0.0.1/32", "canary") == 0
                                         && manager.health().decisions().count(DecisionRecord.Action.CANARY_STOP) == 1);
        final DecisionRecord stop = firstDecision(DecisionRecord.Action.CANARY_STOP, null);
        final long windowsAtStop = manager.health().windows();
        // Two more guard windows (2 s each) in which the equal canary must be left alone.
        await().atMost(WAIT).until(() -> manager.health().windows() >= windowsAtStop + 2 * 2000 / HEALTH_INTERVAL_MS);
        running.set(false);
        for (Future<?> sender : senders) {
            sender.get(30, TimeUnit.SECONDS);
        }
        ((Logger) LoggerFactory.getLogger(HealthLoop.class)).detachAppender(log);

        assertThat(stop.revision()).isGreaterThan(initial);
        assertThat(stop.canary().prefix()).isEqualTo("127.0.0.1/32");
        assertThat(stop.canary().arm()).isEqualTo("canary");
        assertThat(stop.canary().control()).isEqualTo("stable");
        assertThat(stop.canary().fromWeight()).isEqualTo(50);
        assertThat(stop.canary().armFigures().failurePercent()).isBetween(15.0, 35.0);
        assertThat(stop.canary().controlFigures().failures()).isZero();
        assertThat(stop.canary().errorPValue()).isLessThan(0.01);
        assertThat(armWeight("127.0.0.2/32", "same")).isEqualTo(50);
        assertThat(manager.health().decisions().count(DecisionRecord.Action.CANARY_STOP)).isEqualTo(1);
        final JsonNode api = getJson("/health/decisions?limit=1000");
        boolean found = false;
        for (JsonNode decision : api.get("decisions")) {
            if (decision.get("action").asText().equals("canary_stop")) {
                found = true;
                assertThat(decision.get("arm").asText()).isEqualTo("canary");
                assertThat(decision.at("/evidence/error_p_value").asDouble()).isLessThan(0.01);
                assertThat(decision.at("/evidence/arm/failures").asLong()).isPositive();
            }
        }
        assertThat(found).isTrue();
        assertThat(log.list).anySatisfy(event -> assertThat(event.getFormattedMessage())
                .contains("canary_stop of arm canary of subset 127.0.0.1/32 weight 50 -> 0"));
    }

    private ManagerServer startManager(DemotionSettings settings) throws Exception {
        final ManagerServer.Options options = ManagerServer.Options.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .grpcListen(new InetSocketAddress("127.0.0.1", 0))
                .dataDir(dataDir)
                .demotionSettings(settings)
                .healthWindow(Duration.ofMillis(HEALTH_INTERVAL_MS))
                .heartbeatInterval(Duration.ofMillis(HEALTH_INTERVAL_MS))
                .build();
        final RevisionStore store = ManagerServer.openStore(options);
        return ManagerServer.start(options, store);
    }

    private void startAccessPoint(java.util.function.UnaryOperator<AccessPointConfig.Builder> settings)
            throws Exception {
        final AccessPointConfig.Builder config = AccessPointConfig.newBuilder()
                .setId("ap-health")
                .setSeed(17)
                .addListeners(Listener.newBuilder().setName("web").setMode("L7")
                                      .addAddresses("127.0.0.1").addAddresses("127.0.0.2"))
                .setManager(ManagerLink.newBuilder()
                                    .setAddress("127.0.0.1:" + manager.distributionAddress().getPort())
                                    .setReconnectInitialMs(50).setReconnectMaxMs(200)
                                    .setHealthIntervalMs(HEALTH_INTERVAL_MS));
        accessPoint = AccessPoint.start(settings.apply(config).build(), 2);
    }

    /** Applies {@code routing} through the manager and waits until the access point serves it. */
    private long apply(RoutingSnapshot routing) throws Exception {
        final long revision = manager.service().apply(routing, false, OptionalLong.empty()).revision();
        await().atMost(WAIT).until(() -> accessPoint.routing().current().revision() >= revision);
        return revision;
    }

    private static Persona persona(String id, String pool) {
        return Persona.newBuilder().setId(id).setAddressFamily("IPv4").setAddress(pool).setPort(80)
                .setPriority(10).build();
    }

    private static Endpoint endpoint(HttpEndpoint server, String pool) {
        return Endpoint.newBuilder().setId(server.id()).setAddress("127.0.0.1").setPort(server.port())
                .setPool(pool).build();
    }

    private static SubsetEntry split(String prefix, String canaryPersona, CanaryGuard guard) {
        return SubsetEntry.newBuilder().setPrefix(prefix)
                .setSplit(Split.newBuilder()
                                  .addArms(SplitArm.newBuilder().setPersona("stable").setWeight(50))
                                  .addArms(SplitArm.newBuilder().setPersona(canaryPersona).setWeight(50))
                                  .setHashSeed(3)
                                  .setCanaryGuard(guard))
                .build();
    }

    private int tier(String endpointId) {
        for (Endpoint endpoint : manager.service().current().getEndpointsList()) {
            if (endpoint.getId().equals(endpointId)) {
                return endpoint.getTier();
            }
        }
        throw new AssertionError("endpoint " + endpointId + " is not in the routing state");
    }

    private int armWeight(String prefix, String persona) {
        for (SubsetEntry entry : manager.service().current().getSubsetsList()) {
            if (entry.getPrefix().equals(prefix)) {
                for (SplitArm arm : entry.getSplit().getArmsList()) {
                    if (arm.getPersona().equals(persona)) {
                        return arm.getWeight();
                    }
                }
            }
        }
        throw new AssertionError("no arm " + persona + " in subset " + prefix);
    }

    /** Returns the oldest recorded decision of {@code action}, for {@code endpointId} unless it is null. */
    private DecisionRecord firstDecision(DecisionRecord.Action action, String endpointId) {
        final List<DecisionRecord> newest = manager.health().decisions().newest(1000);
        for (int i = newest.size() - 1; i >= 0; i--) {
            final DecisionRecord record = newest.get(i);
            if (record.action() == action
                && (endpointId == null || record.endpoint() != null
                                          && record.endpoint().endpointId().equals(endpointId))) {
                return record;
            }
        }
        throw new AssertionError("no " + action + " decision for " + endpointId + " in " + newest);
    }

    private JsonNode getJson(String path) throws Exception {
        final HttpRequest request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + manager.boundAddress().getPort() + path)).timeout(WAIT).build();
        final HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return json.readTree(response.body());
    }

    /**
     * Sends one HTTP/1.1 GET from a chosen loopback source address and returns the
     * status code. Many source addresses let a weighted split place clients in every arm.
     */
    private static int getFrom(String source, InetSocketAddress listener) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            socket.connect(listener, 5000);
            socket.setSoTimeout(10_000);
            final OutputStream out = socket.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nhost: " + listener.getAddress().getHostAddress()
                       + "\r\nconnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final InputStream in = socket.getInputStream();
            final String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            // "HTTP/1.1 200 OK": the status code follows the first space.
            return Integer.parseInt(response.substring(9, 12));
        }
    }

    /** Sequential GETs with a short pause, counting statuses other than 200 as failures. */
    private final class Traffic implements java.util.concurrent.Callable<Void> {
        final AtomicInteger sent = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();
        private final AtomicInteger[] byStatus = new AtomicInteger[600];
        private final InetSocketAddress listener;
        private volatile boolean running = true;

        Traffic(InetSocketAddress listener) {
            this.listener = listener;
            for (int i = 0; i < byStatus.length; i++) {
                byStatus[i] = new AtomicInteger();
            }
        }

        @Override
        public Void call() throws Exception {
            final HttpRequest request = HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + listener.getPort() + "/")).timeout(WAIT).build();
            // Bounded: 60,000 requests at most, far more than any test waits for.
            for (int n = 0; running && n < 60_000; n++) {
                final int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                byStatus[status].incrementAndGet();
                if (status != 200) {
                    failures.incrementAndGet();
                }
                sent.incrementAndGet();
                Thread.sleep(2);
            }
            return null;
        }

        int statuses(int status) {
            return byStatus[status].get();
        }

        void stop() {
            running = false;
        }
    }
}
