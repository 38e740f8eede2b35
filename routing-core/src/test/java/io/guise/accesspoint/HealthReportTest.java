package io.guise.accesspoint;

import static io.guise.accesspoint.AccessPointFixture.config;
import static io.guise.accesspoint.AccessPointFixture.endpoint;
import static io.guise.accesspoint.AccessPointFixture.get;
import static io.guise.accesspoint.AccessPointFixture.listener;
import static io.guise.accesspoint.AccessPointFixture.persona;
import static io.guise.accesspoint.AccessPointFixture.subset;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.guise.proto.AccessPointConfig;
import io.guise.proto.EndpointInterval;
import io.guise.proto.HealthReport;
import io.guise.proto.LocalEjection;
import io.guise.proto.ManagerLink;
import io.guise.proto.PersonaInterval;
import io.guise.proto.RoutingSnapshot;
import io.guise.testing.LoopbackEndpoints;
import io.guise.testing.LoopbackManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Health reports and fault safety over a real distribution stream on loopback:
 * a test manager serves the routing and collects the reports, and the access
 * point proxies to loopback endpoints, one of which responds with 500.
 */
@Timeout(60)
class HealthReportTest {

    private static final int REQUESTS = 80;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final LoopbackEndpoints endpoints = new LoopbackEndpoints();
    private final HttpClient client = AccessPointFixture.httpClient();
    private LoopbackManager manager;
    private AccessPoint accessPoint;

    @AfterEach
    void stop() throws Exception {
        if (accessPoint != null) {
            accessPoint.close();
        }
        if (manager != null) {
            manager.close();
        }
        endpoints.close();
    }

    private static RoutingSnapshot routing(InetSocketAddress ok, InetSocketAddress bad, double errorRatePercent) {
        return RoutingSnapshot.newBuilder()
                .setRevision(1)
                .addPersonas(persona("web", "web").setErrorRatePercent(errorRatePercent))
                .addEndpoints(endpoint("ok", "web", ok))
                .addEndpoints(endpoint("bad", "web", bad))
                .addSubsets(subset("127.0.0.1/32", "web"))
                .build();
    }

    private AccessPointConfig.Builder configWith(RoutingSnapshot routing, ManagerLink.Builder link) {
        return config(listener("web", "L7", "127.0.0.1"))
                .setManager(link)
                .addAllPersonas(routing.getPersonasList())
                .addAllEndpoints(routing.getEndpointsList())
                .addAllSubsets(routing.getSubsetsList());
    }

    private InetSocketAddress web() {
        return accessPoint.listenerAddresses("web").get(0);
    }

    @Test
    void reports_countForwardedRequestsExactly() throws Exception {
        final InetSocketAddress ok = endpoints.http("ok", "127.0.0.1").address();
        final InetSocketAddress bad = endpoints.http("bad", "127.0.0.1", path -> 500).address();
        final RoutingSnapshot routing = routing(ok, bad, 25);
        manager = new LoopbackManager("e1", routing);
        accessPoint = AccessPoint.start(configWith(routing, ManagerLink.newBuilder().setAddress(manager.address())
                                                                   .setHealthIntervalMs(100))
                                                .setLocalEjection(LocalEjection.newBuilder()
                                                                          .setConsecutiveFailures(3)
                                                                          .setBaseEjectionMs(600_000)
                                                                          .setMaxEjectionMs(600_000))
                                                .build(), 2);
        await().atMost(WAIT).until(() -> accessPoint.distribution().connected());
        // Intervals that ended before the stream connected were dropped; once one report
        // arrived, none may be dropped any more. That report covers no request.
        final HealthReport first = manager.nextReport(WAIT);
        assertThat(first).isNotNull();
        assertThat(first.getPersonas(0).getSuccesses()).isZero();
        final long droppedBefore = accessPoint.metrics().healthReportsDropped();

        int okResponses = 0;
        int badResponses = 0;
        int injected = 0;
        for (int i = 0; i < REQUESTS; i++) {
            final HttpResponse<String> response = get(client, web(), "/");
            if (response.headers().firstValue("x-guise-fault").isPresent()) {
                assertThat(response.statusCode()).isEqualTo(503);
                injected++;
            } else if (response.headers().firstValue("x-guise-endpoint").orElseThrow().equals("ok")) {
                assertThat(response.statusCode()).isEqualTo(200);
                okResponses++;
            } else {
                assertThat(response.statusCode()).isEqualTo(500);
                badResponses++;
            }
        }
        assertThat(injected).isPositive();
        assertThat(badResponses).isEqualTo(3);

        final List<HealthReport> reports = new ArrayList<>();
        final Map<String, Long> sums = new HashMap<>();
        final long reached = okResponses + badResponses;
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (sums.getOrDefault("persona successes", 0L) + sums.getOrDefault("persona failures", 0L) < reached
               || sums.getOrDefault("persona injected", 0L) < injected) {
            assertThat(System.nanoTime() - deadline).as("reports in time").isNegative();
            final HealthReport report = manager.nextReport(WAIT);
            if (report != null) {
                reports.add(report);
                add(sums, report);
            }
        }
        // One more interval: nothing may be counted twice.
        final HealthReport after = manager.nextReport(WAIT);
        assertThat(after).isNotNull();
        reports.add(after);
        add(sums, after);

        assertThat(sums).containsEntry("ok successes", (long) okResponses)
                .containsEntry("ok failures", 0L)
                .containsEntry("bad successes", 0L)
                .containsEntry("bad failures", 3L)
                .containsEntry("ok timeouts", 0L)
                .containsEntry("bad timeouts", 0L)
                .containsEntry("bad ejections", 1L)
                .containsEntry("ok ejections", 0L)
                .containsEntry("persona successes", (long) okResponses)
                .containsEntry("persona failures", 3L)
                .containsEntry("persona timeouts", 0L)
                .containsEntry("persona injected", (long) injected);
        for (int i = 0; i < reports.size(); i++) {
            final HealthReport report = reports.get(i);
            assertThat(report.getIntervalEndMs()).isGreaterThanOrEqualTo(report.getIntervalStartMs());
            if (i > 0) {
                assertThat(report.getIntervalStartMs()).isEqualTo(reports.get(i - 1).getIntervalEndMs());
            }
            assertThat(report.getEndpointsList()).extracting(EndpointInterval::getEndpointId)
                    .containsExactly("bad", "ok");
            for (EndpointInterval endpoint : report.getEndpointsList()) {
                assertThat(decode(endpoint.getLatencyHistogram().toByteArray()).getTotalCount())
                        .isEqualTo(endpoint.getSuccesses() + endpoint.getFailures());
                assertThat(endpoint.getActiveCheck()).isEmpty();
            }
            final PersonaInterval persona = report.getPersonas(0);
            assertThat(decode(persona.getLatencyHistogram().toByteArray()).getTotalCount())
                    .isEqualTo(persona.getSuccesses() + persona.getFailures());
        }
        assertThat(after.getEndpointsList()).filteredOn(e -> e.getEndpointId().equals("bad"))
                .extracting(EndpointInterval::getLocallyEjected).containsExactly(true);
        assertThat(after.getEndpointsList()).filteredOn(e -> e.getEndpointId().equals("ok"))
                .extracting(EndpointInterval::getLocallyEjected).containsExactly(false);
        final Histogram okLatency = new Histogram(3);
        for (HealthReport report : reports) {
            for (EndpointInterval endpoint : report.getEndpointsList()) {
                if (endpoint.getEndpointId().equals("ok")) {
                    okLatency.add(decode(endpoint.getLatencyHistogram().toByteArray()));
                }
            }
        }
        assertThat(okLatency.getTotalCount()).isEqualTo(okResponses);
        assertThat(okLatency.getMinValue()).isPositive();
        assertThat(accessPoint.metrics().healthReportsDropped()).isEqualTo(droppedBefore);
    }

    private static void add(Map<String, Long> sums, HealthReport report) {
        for (EndpointInterval endpoint : report.getEndpointsList()) {
            final String id = endpoint.getEndpointId();
            sums.merge(id + " successes", endpoint.getSuccesses(), Long::sum);
            sums.merge(id + " failures", endpoint.getFailures(), Long::sum);
            sums.merge(id + " timeouts", endpoint.getTimeouts(), Long::sum);
            sums.merge(id + " ejections", (long) endpoint.getEjections(), Long::sum);
        }
        for (PersonaInterval persona : report.getPersonasList()) {
            assertThat(persona.getPersonaId()).isEqualTo("web");
            sums.merge("persona successes", persona.getSuccesses(), Long::sum);
            sums.merge("persona failures", persona.getFailures(), Long::sum);
            sums.merge("persona timeouts", persona.getTimeouts(), Long::sum);
            sums.merge("persona injected", persona.getInjectedFaults(), Long::sum);
        }
    }

    private static Histogram decode(byte[] encoded) throws Exception {
        if (encoded.length == 0) {
            return new Histogram(3);
        }
        return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(encoded), 0);
    }

    @Test
    void unreachableManager_dropsReportsAndSuspendsFaults() throws Exception {
        final InetSocketAddress ok = endpoints.http("ok", "127.0.0.1").address();
        final RoutingSnapshot routing = RoutingSnapshot.newBuilder()
                .addPersonas(persona("web", "web").setErrorRatePercent(100))
                .addEndpoints(endpoint("ok", "web", ok))
                .addSubsets(subset("127.0.0.1/32", "web"))
                .build();
        accessPoint = AccessPoint.start(configWith(routing, ManagerLink.newBuilder()
                .setAddress("127.0.0.1:" + freePort())
                .setHealthIntervalMs(50)
                .setFaultSafetyTimeoutMs(1500)
                .setReconnectInitialMs(50)
                .setReconnectMaxMs(200)).build(), 2);

        final HttpResponse<String> early = get(client, web(), "/");
        assertThat(early.statusCode()).isEqualTo(503);
        assertThat(early.headers().firstValue("x-guise-fault")).contains("injected");

        await().atMost(WAIT).until(accessPoint::faultInjectionSuspended);
        final HttpResponse<String> late = get(client, web(), "/");
        assertThat(late.statusCode()).isEqualTo(200);
        assertThat(late.headers().firstValue("x-guise-endpoint")).contains("ok");
        assertThat(accessPoint.metrics().healthReportsDropped()).isPositive();
        await().atMost(WAIT).untilAsserted(() -> assertThat(AccessPointFixture.utf8(
                accessPoint.metrics().scrapeText())).contains("guise_fault_injection_suspended 1.0"));
    }

    @Test
    void silentManager_heartbeatResumesFaults() throws Exception {
        final InetSocketAddress ok = endpoints.http("ok", "127.0.0.1").address();
        final RoutingSnapshot routing = RoutingSnapshot.newBuilder()
                .setRevision(1)
                .addPersonas(persona("web", "web").setErrorRatePercent(100))
                .addEndpoints(endpoint("ok", "web", ok))
                .addSubsets(subset("127.0.0.1/32", "web"))
                .build();
        manager = new LoopbackManager("e1", routing);
        accessPoint = AccessPoint.start(configWith(routing, ManagerLink.newBuilder()
                .setAddress(manager.address())
                .setFaultSafetyTimeoutMs(1000)).build(), 2);
        await().atMost(WAIT).until(() -> accessPoint.distribution().connected());

        await().atMost(WAIT).until(accessPoint::faultInjectionSuspended);
        assertThat(get(client, web(), "/").statusCode()).isEqualTo(200);

        manager.heartbeat();
        await().atMost(WAIT).until(() -> accessPoint.distribution().heartbeatsReceived() == 1);
        final HttpResponse<String> resumed = get(client, web(), "/");
        assertThat(resumed.statusCode()).isEqualTo(503);
        assertThat(resumed.headers().firstValue("x-guise-fault")).contains("injected");
    }

    /** Returns a loopback port that was just free, so nothing accepts connections on it. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
