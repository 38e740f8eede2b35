package io.guise.accesspoint;

import static io.guise.accesspoint.AccessPointFixture.config;
import static io.guise.accesspoint.AccessPointFixture.endpoint;
import static io.guise.accesspoint.AccessPointFixture.get;
import static io.guise.accesspoint.AccessPointFixture.listener;
import static io.guise.accesspoint.AccessPointFixture.persona;
import static io.guise.accesspoint.AccessPointFixture.subset;
import static org.assertj.core.api.Assertions.assertThat;

import io.guise.health.EndpointHealthView;
import io.guise.metrics.RequestOutcome;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.LocalEjection;
import io.guise.testing.LoopbackEndpoints;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Local ejection on real loopback sockets: an endpoint whose port refuses
 * connections leaves selection after five failures. The ejection time is ten
 * minutes, so no assertion depends on a timer running out.
 */
@Timeout(60)
class LocalEjectionTest {

    private static final int MAX_REQUESTS_TO_EJECT = 400;

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

    /** Returns a loopback address whose port was just freed, so connecting to it is refused. */
    private static InetSocketAddress refusingAddress() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress(socket.getInetAddress(), socket.getLocalPort());
        }
    }

    private static AccessPointConfig.Builder poolConfig(int maxEjectionPercent) {
        return config(listener("web", "L7", "127.0.0.1"))
                .setLocalEjection(LocalEjection.newBuilder()
                                          .setBaseEjectionMs(600_000)
                                          .setMaxEjectionMs(600_000)
                                          .setMaxEjectionPercent(maxEjectionPercent))
                .addPersonas(persona("web", "web"))
                .addSubsets(subset("127.0.0.1/32", "web"));
    }

    private InetSocketAddress web() {
        return accessPoint.listenerAddresses("web").get(0);
    }

    /** Sends requests until every named endpoint is ejected, and returns how many it sent. */
    private int sendUntilEjected(List<String> endpointIds) throws Exception {
        final EndpointHealthView health = accessPoint.endpointHealth();
        int sent = 0;
        while (sent < MAX_REQUESTS_TO_EJECT && !endpointIds.stream().allMatch(health::isEjected)) {
            get(client, web(), "/");
            sent++;
        }
        return sent;
    }

    @Test
    void refusedEndpoint_getsNoRequestsAfterEjection() throws Exception {
        final AccessPointConfig.Builder config = poolConfig(0)
                .addEndpoints(endpoint("live-1", "web", endpoints.http("live-1", "127.0.0.1").address()))
                .addEndpoints(endpoint("live-2", "web", endpoints.http("live-2", "127.0.0.1").address()))
                .addEndpoints(endpoint("live-3", "web", endpoints.http("live-3", "127.0.0.1").address()))
                .addEndpoints(endpoint("dead", "web", refusingAddress()));
        accessPoint = AccessPoint.start(config.build(), 2);

        sendUntilEjected(List.of("dead"));
        final EndpointHealthView health = accessPoint.endpointHealth();
        assertThat(health.isEjected("dead")).isTrue();
        assertThat(health.ejectionCount("dead")).isEqualTo(1);
        assertThat(health.lastEjectionNanos("dead")).isNotEqualTo(-1);
        assertThat(accessPoint.metrics().ejectionCount("dead")).isEqualTo(1);

        final Map<String, Integer> perEndpoint = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            final HttpResponse<String> response = get(client, web(), "/");
            assertThat(response.statusCode()).isEqualTo(200);
            perEndpoint.merge(response.headers().firstValue("x-guise-endpoint").orElse("none"), 1, Integer::sum);
        }
        assertThat(perEndpoint).doesNotContainKey("dead");
        assertThat(perEndpoint).containsOnlyKeys("live-1", "live-2", "live-3");
        assertThat(health.isEjected("live-1")).isFalse();
        final String scrape = AccessPointFixture.utf8(accessPoint.metrics().scrapeText());
        assertThat(scrape).contains("guise_endpoint_ejected{endpoint=\"dead\"} 1.0");
        assertThat(scrape).contains("guise_endpoint_ejections_total{endpoint=\"dead\"} 1.0");
    }

    @Test
    void allEndpointsEjected_poolPanicsAndStillTries() throws Exception {
        final AccessPointConfig.Builder config = poolConfig(100);
        final List<String> ids = List.of("dead-1", "dead-2", "dead-3", "dead-4");
        for (String id : ids) {
            config.addEndpoints(endpoint(id, "web", refusingAddress()));
        }
        accessPoint = AccessPoint.start(config.build(), 2);

        sendUntilEjected(ids);
        for (String id : ids) {
            assertThat(accessPoint.endpointHealth().isEjected(id)).as(id).isTrue();
        }

        for (int i = 0; i < 20; i++) {
            final HttpResponse<String> response = get(client, web(), "/");
            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(response.headers().firstValue("x-guise-endpoint")).isPresent();
        }
        final var stats = accessPoint.routing().current().persona("web").stats(true);
        assertThat(stats.outcomeCount(RequestOutcome.NO_ENDPOINT)).isZero();
        assertThat(accessPoint.routing().current().persona("web").pool().panic()).isTrue();
    }

    @Test
    void maxShare_keepsHalfOfDownPoolIn() throws Exception {
        final AccessPointConfig.Builder config = poolConfig(0);
        final List<String> ids = List.of("dead-1", "dead-2", "dead-3", "dead-4");
        for (String id : ids) {
            config.addEndpoints(endpoint(id, "web", refusingAddress()));
        }
        accessPoint = AccessPoint.start(config.build(), 2);

        for (int i = 0; i < 200; i++) {
            final HttpResponse<String> response = get(client, web(), "/");
            assertThat(response.statusCode()).isEqualTo(502);
        }
        final long ejected = ids.stream().filter(accessPoint.endpointHealth()::isEjected).count();
        assertThat(ejected).isEqualTo(2);
        assertThat(accessPoint.routing().current().persona("web").pool().panic()).isFalse();
    }
}
