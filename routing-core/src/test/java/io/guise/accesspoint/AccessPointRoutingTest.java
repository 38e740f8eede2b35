package io.guise.accesspoint;

import static io.guise.accesspoint.AccessPointFixture.config;
import static io.guise.accesspoint.AccessPointFixture.endpoint;
import static io.guise.accesspoint.AccessPointFixture.firstLine;
import static io.guise.accesspoint.AccessPointFixture.get;
import static io.guise.accesspoint.AccessPointFixture.listener;
import static io.guise.accesspoint.AccessPointFixture.persona;
import static io.guise.accesspoint.AccessPointFixture.subset;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.guise.proto.AccessPointConfig;
import io.guise.proto.Endpoint;
import io.guise.proto.RoutingSnapshot;
import io.guise.testing.LoopbackEndpoints;
import io.guise.testing.LoopbackEndpoints.HttpEndpoint;
import io.guise.testing.LoopbackEndpoints.TcpEndpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Requests through real L4 and L7 listeners on loopback reach the endpoint their destination maps to. */
class AccessPointRoutingTest {

    private final LoopbackEndpoints endpoints = new LoopbackEndpoints();
    private final HttpClient client = AccessPointFixture.httpClient();
    private AccessPoint accessPoint;
    private HttpEndpoint alpha;
    private HttpEndpoint beta;
    private HttpEndpoint gamma6;
    private TcpEndpoint alphaTcp;
    private TcpEndpoint betaTcp;

    @BeforeEach
    void startEndpoints() throws Exception {
        alpha = endpoints.http("alpha-1", "127.0.0.1");
        beta = endpoints.http("beta-1", "127.0.0.1");
        gamma6 = endpoints.http("gamma-1", "::1");
        alphaTcp = endpoints.tcp("alpha-tcp-1", "127.0.0.1");
        betaTcp = endpoints.tcp("beta-tcp-1", "127.0.0.1");
    }

    @AfterEach
    void stop() throws Exception {
        if (accessPoint != null) {
            accessPoint.close();
        }
        endpoints.close();
    }

    private AccessPointConfig routingConfig() {
        return config(listener("web", "L7", "127.0.0.1", "127.0.0.2", "127.0.0.3", "::1"),
                      listener("tcp", "L4", "127.0.0.1", "127.0.0.2", "127.0.0.3"))
                .addPersonas(persona("alpha", "alpha"))
                .addPersonas(persona("beta", "beta"))
                .addPersonas(persona("gamma", "gamma").setAddressFamily("IPv6"))
                .addPersonas(persona("alpha-tcp", "alpha-tcp"))
                .addPersonas(persona("beta-tcp", "beta-tcp"))
                .addEndpoints(endpoint("alpha-1", "alpha", alpha.address()))
                .addEndpoints(endpoint("beta-1", "beta", beta.address()))
                .addEndpoints(endpoint("gamma-1", "gamma", gamma6.address()))
                .addEndpoints(endpoint("alpha-tcp-1", "alpha-tcp", alphaTcp.address()))
                .addEndpoints(endpoint("beta-tcp-1", "beta-tcp", betaTcp.address()))
                // 127.0.0.1 sits inside 127.0.0.0/30 and must win by the longer prefix.
                .addSubsets(subset("127.0.0.0/30", "beta"))
                .addSubsets(subset("127.0.0.1/32", "alpha"))
                .addSubsets(subset("::1/128", "gamma"))
                .build();
    }

    private InetSocketAddress l7(int index) {
        return accessPoint.listenerAddresses("web").get(index);
    }

    @Test
    void l7_routesByDestinationAddress() throws Exception {
        accessPoint = AccessPoint.start(routingConfig(), 2);

        final HttpResponse<String> viaOne = get(client, l7(0), "/");
        final HttpResponse<String> viaTwo = get(client, l7(1), "/");
        final HttpResponse<String> viaIpv6 = get(client, l7(3), "/");

        assertThat(viaOne.statusCode()).isEqualTo(200);
        assertThat(viaOne.body()).isEqualTo("alpha-1");
        assertThat(viaOne.headers().firstValue("x-guise-persona")).hasValue("alpha");
        assertThat(viaOne.headers().firstValue("x-guise-endpoint")).hasValue("alpha-1");
        assertThat(viaTwo.body()).isEqualTo("beta-1");
        assertThat(viaIpv6.body()).isEqualTo("gamma-1");
    }

    @Test
    void l7_keepsConnectionsAliveOnBothSides() throws Exception {
        accessPoint = AccessPoint.start(routingConfig(), 1);

        for (int i = 0; i < 200; i++) {
            assertThat(get(client, l7(0), "/item/" + i).body()).isEqualTo("alpha-1");
        }

        assertThat(alpha.requests().get()).isEqualTo(200);
        // One client connection and one pooled upstream connection serve every request.
        assertThat(accessPoint.metrics().scrapeText()).isNotNull();
        final String metrics = new String(accessPoint.metrics().scrapeText());
        assertThat(metrics).contains("guise_active_connections{listener=\"web\"} 1");
    }

    @Test
    void l7_splitKeepsEachClientInItsArm() throws Exception {
        final AccessPointConfig config = routingConfig().toBuilder()
                .clearSubsets()
                .addSubsets(io.guise.proto.SubsetEntry.newBuilder()
                                    .setPrefix("127.0.0.1/32")
                                    .setSplit(io.guise.proto.Split.newBuilder()
                                                      .setHashSeed(11)
                                                      .addArms(io.guise.proto.SplitArm.newBuilder()
                                                                       .setPersona("alpha").setWeight(50))
                                                      .addArms(io.guise.proto.SplitArm.newBuilder()
                                                                       .setPersona("beta").setWeight(50))))
                .build();
        accessPoint = AccessPoint.start(config, 1);
        final int clients = 200;

        int alphaClients = 0;
        for (int i = 1; i <= clients; i++) {
            // Each client connects from its own loopback source address, three times.
            final InetAddress source = InetAddress.getByAddress(new byte[] {127, 0, 1, (byte) i});
            final String first = rawGet(l7(0), source);
            assertThat(rawGet(l7(0), source)).isEqualTo(first);
            assertThat(rawGet(l7(0), source)).isEqualTo(first);
            if (first.equals("alpha-1")) {
                alphaClients++;
            } else {
                assertThat(first).isEqualTo("beta-1");
            }
        }

        // Five standard deviations of a fair binomial over 200 clients is about 35.
        assertThat(alphaClients).isBetween(65, 135);
    }

    /** Sends one GET from {@code source} on a new connection and returns the response body. */
    private static String rawGet(InetSocketAddress target, InetAddress source) throws java.io.IOException {
        try (java.net.Socket socket = new java.net.Socket(target.getAddress(), target.getPort(), source, 0)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                                                   .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            final String response = new String(socket.getInputStream().readAllBytes(),
                                               java.nio.charset.StandardCharsets.UTF_8);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }

    @Test
    void l7_noPersona_answers421WithReason() throws Exception {
        final AccessPointConfig config = routingConfig().toBuilder()
                .clearSubsets()
                .addSubsets(subset("127.0.0.1/32", "alpha"))
                .build();
        accessPoint = AccessPoint.start(config, 1);

        final HttpResponse<String> response = get(client, l7(2), "/");

        assertThat(response.statusCode()).isEqualTo(421);
        assertThat(response.headers().firstValue("x-guise-reason")).hasValue("no persona for destination 127.0.0.3");
        assertThat(accessPoint.metrics().noPersonaCount("l7")).isEqualTo(1);
    }

    @Test
    void l7_http11WithoutHost_answers400() throws Exception {
        accessPoint = AccessPoint.start(routingConfig(), 1);
        final InetSocketAddress address = l7(0);

        try (java.net.Socket socket = new java.net.Socket(address.getAddress(), address.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            final String response = new String(socket.getInputStream().readAllBytes(),
                                               java.nio.charset.StandardCharsets.UTF_8);

            assertThat(response).startsWith("HTTP/1.1 400 Bad Request");
            assertThat(response).contains("missing Host header");
        }
        assertThat(alpha.requests().get()).isZero();
    }

    @Test
    void sharedEventLoops_closingOneKeepsOtherServing() throws Exception {
        try (AccessPoint.SharedEventLoops loops = new AccessPoint.SharedEventLoops(1)) {
            final AccessPoint first = AccessPoint.start(routingConfig().toBuilder().setId("first")
                    .clearListeners()
                    .addListeners(listener("web", "L7", "127.0.0.1")).build(), loops);
            accessPoint = AccessPoint.start(routingConfig().toBuilder().setId("second").clearListeners()
                    .addListeners(listener("web", "L7", "127.0.0.1")).build(), loops);
            assertThat(get(client, first.listenerAddresses("web").get(0), "/").body()).isEqualTo("alpha-1");

            first.close();

            assertThat(get(client, l7(0), "/").body()).isEqualTo("alpha-1");
            accessPoint.close();
            accessPoint = null;
        }
    }

    @Test
    void l4_relaysToEndpointOfDestination() throws Exception {
        final AccessPointConfig config = routingConfig().toBuilder()
                .clearSubsets()
                .addSubsets(subset("127.0.0.1/32", "alpha-tcp"))
                .addSubsets(subset("127.0.0.2/32", "beta-tcp"))
                .build();
        accessPoint = AccessPoint.start(config, 2);
        final List<InetSocketAddress> tcp = accessPoint.listenerAddresses("tcp");

        assertThat(firstLine(tcp.get(0))).isEqualTo("alpha-tcp-1");
        assertThat(firstLine(tcp.get(1))).isEqualTo("beta-tcp-1");
    }

    @Test
    void l4_echoesBytesBothWays() throws Exception {
        final AccessPointConfig config = routingConfig().toBuilder()
                .clearSubsets()
                .addSubsets(subset("127.0.0.0/8", "alpha-tcp"))
                .build();
        accessPoint = AccessPoint.start(config, 1);
        final InetSocketAddress address = accessPoint.listenerAddresses("tcp").get(0);

        try (java.net.Socket socket = new java.net.Socket(address.getAddress(), address.getPort())) {
            socket.setSoTimeout(10_000);
            final byte[] payload = new byte[256 * 1024];
            new java.util.Random(7).nextBytes(payload);
            final var in = socket.getInputStream();
            final Thread writer = new Thread(() -> {
                try {
                    socket.getOutputStream().write(payload);
                    socket.shutdownOutput();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writer.start();
            final byte[] greeting = "alpha-tcp-1\n".getBytes();
            final byte[] received = in.readAllBytes();
            writer.join(10_000);

            assertThat(received).hasSize(greeting.length + payload.length);
            assertThat(java.util.Arrays.copyOfRange(received, greeting.length, received.length)).isEqualTo(payload);
        }
    }

    @Test
    void l4_noPersona_closesConnection() throws Exception {
        final AccessPointConfig config = routingConfig().toBuilder()
                .clearSubsets()
                .addSubsets(subset("127.0.0.1/32", "alpha-tcp"))
                .build();
        accessPoint = AccessPoint.start(config, 1);

        assertThat(firstLine(accessPoint.listenerAddresses("tcp").get(2))).isNull();
        assertThat(accessPoint.metrics().noPersonaCount("l4")).isEqualTo(1);
    }

    @Test
    void panic_allEndpointsUnhealthy_stillServes() throws Exception {
        final HttpEndpoint second = endpoints.http("alpha-2", "127.0.0.1");
        final AccessPointConfig config = routingConfig().toBuilder()
                .clearEndpoints()
                .addEndpoints(endpoint("alpha-1", "alpha", alpha.address()).toBuilder().setHealthy(false))
                .addEndpoints(endpoint("alpha-2", "alpha", second.address()).toBuilder().setHealthy(false))
                .clearSubsets()
                .addSubsets(subset("127.0.0.1/32", "alpha"))
                .build();
        accessPoint = AccessPoint.start(config, 1);

        final Set<String> served = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            final HttpResponse<String> response = get(client, l7(0), "/");
            assertThat(response.statusCode()).isEqualTo(200);
            served.add(response.body());
        }

        assertThat(served).containsExactlyInAnyOrder("alpha-1", "alpha-2");
        assertThat(new String(accessPoint.metrics().scrapeText()))
                .contains("guise_panic_selections_total{mode=\"l7\",persona=\"alpha\"} 100.0");
    }

    @Test
    void unhealthyEndpoint_skippedWhileOtherHealthy() throws Exception {
        final HttpEndpoint second = endpoints.http("alpha-2", "127.0.0.1");
        final AccessPointConfig config = routingConfig().toBuilder()
                .clearEndpoints()
                .addEndpoints(endpoint("alpha-1", "alpha", alpha.address()).toBuilder().setHealthy(false))
                .addEndpoints(endpoint("alpha-2", "alpha", second.address()))
                .build();
        accessPoint = AccessPoint.start(config, 1);

        for (int i = 0; i < 50; i++) {
            assertThat(get(client, l7(0), "/").body()).isEqualTo("alpha-2");
        }
        assertThat(alpha.requests().get()).isZero();
    }

    @Test
    void replaceRouting_appliesWithoutRestart() throws Exception {
        accessPoint = AccessPoint.start(routingConfig(), 1);
        assertThat(get(client, l7(0), "/").body()).isEqualTo("alpha-1");

        final RoutingSnapshot next = AccessPoint.snapshotOf(routingConfig()).toBuilder()
                .setRevision(7)
                .clearSubsets()
                .addSubsets(subset("127.0.0.0/8", "beta"))
                .build();
        accessPoint.replaceRouting(next);

        assertThat(get(client, l7(0), "/").body()).isEqualTo("beta-1");
        assertThat(accessPoint.routing().current().revision()).isEqualTo(7);
    }

    @Test
    void replaceRouting_invalidSnapshot_keepsTable() throws Exception {
        accessPoint = AccessPoint.start(routingConfig(), 1);
        final RoutingSnapshot broken = AccessPoint.snapshotOf(routingConfig()).toBuilder()
                .setRevision(8)
                .addEndpoints(Endpoint.newBuilder().setId("bad").setAddress("127.0.0.1").setPort(70000))
                .build();

        assertThatThrownBy(() -> accessPoint.replaceRouting(broken))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("endpoints[5].port: 70000");
        assertThat(accessPoint.routing().current().revision()).isZero();
        assertThat(get(client, l7(0), "/").body()).isEqualTo("alpha-1");
    }

    @Test
    void admin_servesMetricsAndRouting() throws Exception {
        accessPoint = AccessPoint.start(routingConfig(), 1);
        get(client, l7(0), "/");

        final HttpResponse<String> metrics = get(client, accessPoint.adminAddress(), "/metrics");
        final HttpResponse<String> routing = get(client, accessPoint.adminAddress(), "/routing");

        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
                .contains("guise_requests_total{mode=\"l7\",outcome=\"forwarded\",persona=\"alpha\"} 1.0")
                .contains("guise_routing_revision 0.0")
                .contains("guise_endpoint_latency_seconds_count{endpoint=\"alpha-1\"} 1");
        assertThat(routing.statusCode()).isEqualTo(200);
        assertThat(routing.body()).contains("\"prefix\": \"127.0.0.1/32\"");
    }

    @Test
    void start_invalidConfig_listsEveryViolation() {
        final AccessPointConfig config = routingConfig().toBuilder()
                .setPersonas(0, persona("alpha", "alpha").setPort(70000).setPriority(5000))
                .build();

        assertThatThrownBy(() -> AccessPoint.start(config, 1))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("personas[0].port: 70000 (expected: 1-65535)")
                .hasMessageContaining("personas[0].priority: 5000");
    }
}
