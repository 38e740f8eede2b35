package io.guise.accesspoint;

import static io.guise.accesspoint.AccessPointFixture.config;
import static io.guise.accesspoint.AccessPointFixture.endpoint;
import static io.guise.accesspoint.AccessPointFixture.get;
import static io.guise.accesspoint.AccessPointFixture.listener;
import static io.guise.accesspoint.AccessPointFixture.persona;
import static io.guise.accesspoint.AccessPointFixture.subset;
import static org.assertj.core.api.Assertions.assertThat;

import io.guise.metrics.RequestOutcome;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.Persona;
import io.guise.testing.LoopbackEndpoints;
import io.guise.testing.LoopbackEndpoints.HttpEndpoint;
import io.guise.testing.LoopbackEndpoints.TcpEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Simulated latency and errors observed on real loopback traffic. Error shares are
 * checked against a binomial bound of five standard deviations over 10,000 draws.
 */
class FaultInjectionTest {

    private static final int REQUESTS = 10_000;

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

    private AccessPoint startL7(Persona.Builder persona) throws Exception {
        final HttpEndpoint backend = endpoints.http("web-1", "127.0.0.1");
        final AccessPointConfig config = config(listener("web", "L7", "127.0.0.1"))
                .addPersonas(persona)
                .addEndpoints(endpoint("web-1", "web", backend.address()))
                .addSubsets(subset("127.0.0.0/8", persona.getId()))
                .build();
        return AccessPoint.start(config, 1);
    }

    @ParameterizedTest(name = "{0}% of requests fail")
    @CsvSource({"0", "0.1", "10", "50", "100"})
    void l7_errorShareMatchesRate(double ratePercent) throws Exception {
        accessPoint = startL7(persona("web", "web").setErrorRatePercent(ratePercent));
        final InetSocketAddress address = accessPoint.listenerAddresses("web").get(0);

        int injected = 0;
        for (int i = 0; i < REQUESTS; i++) {
            final HttpResponse<String> response = get(client, address, "/");
            if (response.statusCode() == 503) {
                assertThat(response.headers().firstValue("x-guise-fault")).hasValue("injected");
                injected++;
            } else {
                assertThat(response.statusCode()).isEqualTo(200);
            }
        }

        assertWithinBinomialBound(injected, REQUESTS, ratePercent / 100);
        assertThat(accessPoint.routing().current().persona("web").stats(true)
                           .outcomeCount(RequestOutcome.INJECTED_ERROR)).isEqualTo(injected);
    }

    @Test
    void l7_injectedErrorUsesConfiguredStatus() throws Exception {
        accessPoint = startL7(persona("web", "web").setErrorRatePercent(100).setErrorStatus(429));

        final HttpResponse<String> response = get(client, accessPoint.listenerAddresses("web").get(0), "/");

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("x-guise-fault")).hasValue("injected");
        assertThat(response.body()).isEqualTo("error injected by persona web\n");
    }

    @Test
    void l7_clientHeaderCannotTurnOnFaults() throws Exception {
        accessPoint = startL7(persona("web", "web"));
        final InetSocketAddress address = accessPoint.listenerAddresses("web").get(0);
        final var request = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + address.getPort() + "/"))
                .header("x-guise-fault", "injected")
                .build();

        for (int i = 0; i < 100; i++) {
            assertThat(client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void l7_latencyAddsConfiguredDelay() throws Exception {
        accessPoint = startL7(persona("web", "web").setSimulatedLatencyMs(40).setJitterMs(20));
        final InetSocketAddress address = accessPoint.listenerAddresses("web").get(0);
        get(client, address, "/");

        final Histogram latencyMicros = new Histogram(3);
        for (int i = 0; i < 60; i++) {
            final long start = System.nanoTime();
            assertThat(get(client, address, "/").statusCode()).isEqualTo(200);
            latencyMicros.recordValue((System.nanoTime() - start) / 1000);
        }

        // Every request waits at least the fixed 40 ms; jitter spreads them over 40-60 ms.
        assertThat(latencyMicros.getMinValue()).isGreaterThanOrEqualTo(40_000);
        assertThat(latencyMicros.getValueAtPercentile(50)).isBetween(45_000L, 65_000L);
        assertThat(latencyMicros.getMaxValue() - latencyMicros.getMinValue()).isGreaterThan(5_000);
    }

    @Test
    void l7_sameSeedSameDecisions() throws Exception {
        final boolean[] first = errorSequence();
        accessPoint.close();
        endpoints.close();
        final boolean[] second = errorSequence();

        assertThat(second).isEqualTo(first);
    }

    private boolean[] errorSequence() throws Exception {
        accessPoint = startL7(persona("web", "web").setErrorRatePercent(30));
        final InetSocketAddress address = accessPoint.listenerAddresses("web").get(0);
        final boolean[] failed = new boolean[300];
        for (int i = 0; i < failed.length; i++) {
            failed[i] = get(client, address, "/").statusCode() == 503;
        }
        return failed;
    }

    @ParameterizedTest(name = "{0}% of connections {1}")
    @CsvSource({"10, reset", "25, close"})
    void l4_errorShareMatchesRate(double ratePercent, String action) throws Exception {
        final TcpEndpoint backend = endpoints.tcp("tcp-1", "127.0.0.1");
        final AccessPointConfig config = config(listener("tcp", "L4", "127.0.0.1"))
                .addPersonas(persona("tcp", "tcp").setErrorRatePercent(ratePercent).setL4ErrorAction(action))
                .addEndpoints(endpoint("tcp-1", "tcp", backend.address()))
                .addSubsets(subset("127.0.0.1/32", "tcp"))
                .build();
        accessPoint = AccessPoint.start(config, 1);
        final InetSocketAddress address = accessPoint.listenerAddresses("tcp").get(0);

        int resets = 0;
        int closes = 0;
        for (int i = 0; i < REQUESTS; i++) {
            switch (connectOnce(address)) {
                case RESET -> resets++;
                case CLOSED -> closes++;
                case GREETED -> { }
            }
        }

        if (action.equals("reset")) {
            assertThat(closes).isZero();
            assertWithinBinomialBound(resets, REQUESTS, ratePercent / 100);
        } else {
            assertThat(resets).isZero();
            assertWithinBinomialBound(closes, REQUESTS, ratePercent / 100);
        }
    }

    private enum ConnectionResult { GREETED, RESET, CLOSED }

    private static ConnectionResult connectOnce(InetSocketAddress address) throws IOException {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.setSoTimeout(10_000);
            final InputStream in = socket.getInputStream();
            return in.read() < 0 ? ConnectionResult.CLOSED : ConnectionResult.GREETED;
        } catch (SocketException e) {
            if (String.valueOf(e.getMessage()).contains("reset")) {
                return ConnectionResult.RESET;
            }
            throw e;
        }
    }

    private static void assertWithinBinomialBound(int observed, int trials, double probability) {
        final double mean = trials * probability;
        final double bound = 5 * Math.sqrt(trials * probability * (1 - probability));
        assertThat((double) observed)
                .as("failures out of %d at p=%s", trials, probability)
                .isBetween(mean - bound, mean + bound);
    }
}
