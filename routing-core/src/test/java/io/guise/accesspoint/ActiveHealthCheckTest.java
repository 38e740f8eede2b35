package io.guise.accesspoint;

import static io.guise.accesspoint.AccessPointFixture.config;
import static io.guise.accesspoint.AccessPointFixture.endpoint;
import static io.guise.accesspoint.AccessPointFixture.firstLine;
import static io.guise.accesspoint.AccessPointFixture.get;
import static io.guise.accesspoint.AccessPointFixture.listener;
import static io.guise.accesspoint.AccessPointFixture.persona;
import static io.guise.accesspoint.AccessPointFixture.subset;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.guise.proto.AccessPointConfig;
import io.guise.proto.ActiveHealthCheck;
import io.guise.testing.LoopbackEndpoints;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Active health checks on real loopback sockets: HTTP checks of a path whose
 * status a test flips, and TCP checks of a port that refuses and later accepts.
 * Checks run every 50 ms, so state changes come within a second.
 */
@Timeout(60)
class ActiveHealthCheckTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int MAX_REQUESTS_TO_SEE_AN_ENDPOINT = 200;

    private final LoopbackEndpoints endpoints = new LoopbackEndpoints();
    private final HttpClient client = AccessPointFixture.httpClient();
    private AccessPoint accessPoint;

    @AfterEach
    void stop() throws Exception {
        if (accessPoint != null) {
            accessPoint.close();
        }
        endpoints.close();
    }

    private static ActiveHealthCheck.Builder check(String type) {
        return ActiveHealthCheck.newBuilder().setPool("web").setType(type).setPath("/healthz")
                .setIntervalMs(50).setTimeoutMs(1000).setHealthyThreshold(2).setUnhealthyThreshold(2);
    }

    private static AccessPointConfig.Builder poolConfig(String mode, ActiveHealthCheck.Builder check) {
        return config(listener("web", mode, "127.0.0.1"))
                .addPersonas(persona("web", "web"))
                .addSubsets(subset("127.0.0.1/32", "web"))
                .addHealthChecks(check);
    }

    private InetSocketAddress web() {
        return accessPoint.listenerAddresses("web").get(0);
    }

    private Map<String, Integer> spread(int requests) throws Exception {
        final Map<String, Integer> perEndpoint = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            final HttpResponse<String> response = get(client, web(), "/");
            assertThat(response.statusCode()).isEqualTo(200);
            perEndpoint.merge(response.headers().firstValue("x-guise-endpoint").orElse("none"), 1, Integer::sum);
        }
        return perEndpoint;
    }

    private String scrape() {
        return AccessPointFixture.utf8(accessPoint.metrics().scrapeText());
    }

    @Test
    void httpCheck_failingEndpointLeavesAndReturns() throws Exception {
        final AtomicInteger bStatus = new AtomicInteger(200);
        accessPoint = AccessPoint.start(poolConfig("L7", check("HTTP"))
                .addEndpoints(endpoint("a", "web", endpoints.http("a", "127.0.0.1").address()))
                .addEndpoints(endpoint("b", "web", endpoints.http("b", "127.0.0.1",
                        path -> path.equals("/healthz") ? bStatus.get() : 200).address()))
                .build(), 2);
        await().atMost(WAIT)
                .until(() -> scrape().contains("guise_active_checks_total{endpoint=\"b\",result=\"pass\"}"));
        assertThat(accessPoint.activeCheckState("a")).isEqualTo("HEALTHY");
        assertThat(accessPoint.activeCheckState("b")).isEqualTo("HEALTHY");

        bStatus.set(503);
        await().atMost(WAIT).until(() -> accessPoint.activeCheckState("b").equals("UNHEALTHY"));
        assertThat(spread(30)).containsOnlyKeys("a");
        assertThat(accessPoint.activeCheckState("a")).isEqualTo("HEALTHY");
        assertThat(scrape()).contains("guise_endpoint_active_check_healthy{endpoint=\"b\"} 0.0")
                .contains("guise_endpoint_active_check_healthy{endpoint=\"a\"} 1.0");

        bStatus.set(200);
        await().atMost(WAIT).until(() -> accessPoint.activeCheckState("b").equals("HEALTHY"));
        int sent = 0;
        while (sent < MAX_REQUESTS_TO_SEE_AN_ENDPOINT && !spread(1).containsKey("b")) {
            sent++;
        }
        assertThat(sent).isLessThan(MAX_REQUESTS_TO_SEE_AN_ENDPOINT);
        assertThat(scrape()).contains("guise_endpoint_active_check_healthy{endpoint=\"b\"} 1.0");
    }

    @Test
    void httpCheck_allFailing_poolPanics() throws Exception {
        final AccessPointConfig config = poolConfig("L7", check("HTTP").setExpectedStatus(204))
                .addEndpoints(endpoint("a", "web", endpoints.http("a", "127.0.0.1").address()))
                .addEndpoints(endpoint("b", "web", endpoints.http("b", "127.0.0.1").address()))
                .build();
        accessPoint = AccessPoint.start(config, 2);

        await().atMost(WAIT).until(() -> accessPoint.activeCheckState("a").equals("UNHEALTHY")
                                          && accessPoint.activeCheckState("b").equals("UNHEALTHY"));

        assertThat(spread(60)).containsOnlyKeys("a", "b");
        assertThat(accessPoint.routing().current().persona("web").pool().panic()).isTrue();
    }

    @Test
    void tcpCheck_refusedPortLeavesAndReturns() throws Exception {
        final InetSocketAddress refusing = refusingAddress();
        accessPoint = AccessPoint.start(poolConfig("L4", check("TCP"))
                .addEndpoints(endpoint("live", "web", endpoints.tcp("live", "127.0.0.1").address()))
                .addEndpoints(endpoint("down", "web", refusing))
                .build(), 2);

        await().atMost(WAIT).until(() -> accessPoint.activeCheckState("down").equals("UNHEALTHY"));
        assertThat(accessPoint.activeCheckState("live")).isEqualTo("HEALTHY");
        for (int i = 0; i < 20; i++) {
            assertThat(firstLine(web())).isEqualTo("live");
        }

        try (ServerSocket accepting = new ServerSocket(refusing.getPort(), 16, refusing.getAddress())) {
            await().atMost(WAIT).until(() -> accessPoint.activeCheckState("down").equals("HEALTHY"));
            assertThat(accepting.isBound()).isTrue();
        }
    }

    /** Returns a loopback address whose port was just freed, so connecting to it is refused. */
    private static InetSocketAddress refusingAddress() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress(socket.getInetAddress(), socket.getLocalPort());
        }
    }
}
