package io.guise.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Percentage.withPercentage;

import io.guise.fault.SplitMix64;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FleetEndpointTest {

    private static final int SAMPLES = 200_000;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
    }

    private FleetEndpoint start(Behaviour behaviour, long seed) throws InterruptedException {
        final FleetEndpoint endpoint = FleetEndpoint.start("e1", loopback(0), behaviour, seed);
        toClose.add(endpoint);
        return endpoint;
    }

    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    private static double[] sampleMillis(LatencyDistribution distribution, long seed) {
        final SplitMix64 random = new SplitMix64(seed);
        final double[] samples = new double[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            samples[i] = distribution.sampleNanos(random) / 1e6;
        }
        return samples;
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElseThrow();
    }

    private static double stddev(double[] values) {
        final double mean = mean(values);
        return Math.sqrt(Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / (values.length - 1));
    }

    private static double median(double[] values) {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    @Test
    void fixedDistribution_alwaysSameValue() {
        final double[] samples = sampleMillis(LatencyDistribution.fixed(12.5), 1);
        assertThat(Arrays.stream(samples).min().orElseThrow()).isEqualTo(12.5);
        assertThat(Arrays.stream(samples).max().orElseThrow()).isEqualTo(12.5);
    }

    @Test
    void uniformDistribution_meanAndBounds() {
        final double[] samples = sampleMillis(LatencyDistribution.uniform(10, 30), 7);
        assertThat(mean(samples)).isCloseTo(20.0, withPercentage(1));
        assertThat(Arrays.stream(samples).min().orElseThrow()).isGreaterThanOrEqualTo(10.0);
        assertThat(Arrays.stream(samples).max().orElseThrow()).isLessThanOrEqualTo(30.0);
    }

    @Test
    void normalDistribution_meanAndStddev() {
        final double[] samples = sampleMillis(LatencyDistribution.normal(40, 8), 11);
        assertThat(mean(samples)).isCloseTo(40.0, withPercentage(1));
        assertThat(stddev(samples)).isCloseTo(8.0, withPercentage(3));
    }

    @Test
    void normalDistribution_truncatedAtZero() {
        final double[] samples = sampleMillis(LatencyDistribution.normal(1, 5), 13);
        assertThat(Arrays.stream(samples).min().orElseThrow()).isGreaterThanOrEqualTo(0.0);
    }

    @Test
    void lognormalDistribution_medianAndMean() {
        final double[] samples = sampleMillis(LatencyDistribution.lognormal(10, 0.5), 17);
        assertThat(median(samples)).isCloseTo(10.0, withPercentage(2));
        // The mean of a log-normal distribution is median * exp(sigma^2 / 2).
        assertThat(mean(samples)).isCloseTo(10.0 * Math.exp(0.125), withPercentage(2));
    }

    @Test
    void distributions_rejectInvalidParameters() {
        assertThatThrownBy(() -> LatencyDistribution.fixed(-1))
                .hasMessage("latency_ms: -1.0 (expected: a finite number >= 0)");
        assertThatThrownBy(() -> LatencyDistribution.uniform(5, 2))
                .hasMessage("max_ms: 2.0 (expected: >= min_ms 5.0)");
        assertThatThrownBy(() -> LatencyDistribution.normal(Double.NaN, 1))
                .hasMessageStartingWith("mean_ms: NaN");
        assertThatThrownBy(() -> LatencyDistribution.lognormal(1, -0.1))
                .hasMessageStartingWith("sigma: -0.1");
    }

    @Test
    void behaviour_rejectsInvalidFields() {
        assertThatThrownBy(() -> Behaviour.HEALTHY.withErrorRate(100.5))
                .hasMessage("error_rate_percent: 100.5 (expected: a number from 0 to 100)");
        assertThatThrownBy(() -> Behaviour.HEALTHY.withErrorStatusCodes(List.of(503, 200)))
                .hasMessage("error_status_codes: 200 in [503, 200] (expected: 400-599)");
        assertThatThrownBy(() -> Behaviour.HEALTHY.withErrorStatusCodes(List.of()))
                .hasMessageStartingWith("error_status_codes: []");
        assertThatThrownBy(() -> Behaviour.HEALTHY.withResponseSize(-1))
                .hasMessageStartingWith("response_size_bytes: -1");
    }

    @Test
    void endpoint_rejectsNonLoopbackAddress() throws Exception {
        final InetSocketAddress remote = new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, 0, 1}), 0);
        assertThatThrownBy(() -> FleetEndpoint.start("e1", remote, Behaviour.HEALTHY, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("loopback");
    }

    @Test
    void endpoint_fixedLatencyDelaysResponses() throws Exception {
        final FleetEndpoint endpoint = start(Behaviour.HEALTHY.withLatency(LatencyDistribution.fixed(50)), 1);
        final long[] elapsedMillis = new long[7];
        try (BlockingHttpClient client = new BlockingHttpClient(endpoint.address())) {
            for (int i = 0; i < elapsedMillis.length; i++) {
                final long startNanos = System.nanoTime();
                assertThat(client.get("/").status()).isEqualTo(200);
                elapsedMillis[i] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
            }
        }
        Arrays.sort(elapsedMillis);
        // The first requests on a cold JVM can take far longer, so only the median has an upper bound.
        assertThat(elapsedMillis[0]).isGreaterThanOrEqualTo(49L);
        assertThat(elapsedMillis[elapsedMillis.length / 2]).isLessThan(100L);
        assertThat(endpoint.requestCount()).isEqualTo(elapsedMillis.length);
    }

    @Test
    void endpoint_sendsBodyOfConfiguredSizeAndId() throws Exception {
        final FleetEndpoint endpoint = start(Behaviour.HEALTHY.withResponseSize(100_000), 1);
        try (BlockingHttpClient client = new BlockingHttpClient(endpoint.address())) {
            final BlockingHttpClient.Response response = client.get("/");
            assertThat(response.bodyLength()).isEqualTo(100_000);
            assertThat(response.endpointId()).isEqualTo("e1");
        }
    }

    @Test
    void endpoint_errorRateWithinBinomialBound() throws Exception {
        final int requests = 5_000;
        final FleetEndpoint endpoint = start(Behaviour.HEALTHY.withErrorRate(20).withErrorStatusCodes(List.of(502, 503)),
                                             99);
        int errors = 0;
        int status502 = 0;
        try (BlockingHttpClient client = new BlockingHttpClient(endpoint.address())) {
            for (int i = 0; i < requests; i++) {
                final int status = client.get("/").status();
                if (status != 200) {
                    errors++;
                    assertThat(status).isIn(502, 503);
                    if (status == 502) {
                        status502++;
                    }
                }
            }
        }
        // Four standard deviations of Binomial(5000, 0.2) is about 113.
        final double bound = 4 * Math.sqrt(requests * 0.2 * 0.8);
        assertThat((double) errors).isBetween(1000 - bound, 1000 + bound);
        assertThat((double) status502).isBetween(errors / 2.0 - 4 * Math.sqrt(errors * 0.25),
                                                 errors / 2.0 + 4 * Math.sqrt(errors * 0.25));
    }

    @Test
    void endpoint_sameSeedSameErrorSequence() throws Exception {
        final Behaviour flaky = Behaviour.HEALTHY.withErrorRate(30).withErrorStatusCodes(List.of(500, 503));
        final List<Integer> first = statuses(start(flaky, 42), 300);
        final List<Integer> second = statuses(start(flaky, 42), 300);
        final List<Integer> otherSeed = statuses(start(flaky, 43), 300);
        assertThat(second).isEqualTo(first);
        assertThat(otherSeed).isNotEqualTo(first);
    }

    private static List<Integer> statuses(FleetEndpoint endpoint, int count) throws IOException {
        final List<Integer> statuses = new ArrayList<>();
        try (BlockingHttpClient client = new BlockingHttpClient(endpoint.address())) {
            for (int i = 0; i < count; i++) {
                statuses.add(client.get("/").status());
            }
        }
        return statuses;
    }

    @Test
    void kill_refusesNewAndResetsOpenConnections() throws Exception {
        final FleetEndpoint endpoint = start(Behaviour.HEALTHY, 1);
        final BlockingHttpClient open = new BlockingHttpClient(endpoint.address());
        toClose.add(open);
        assertThat(open.get("/").status()).isEqualTo(200);

        endpoint.kill();

        assertThat(endpoint.isUp()).isFalse();
        assertThatThrownBy(() -> new BlockingHttpClient(endpoint.address())).isInstanceOf(ConnectException.class);
        // A reset shows as an IOException, but a plain close would read -1 instead.
        assertThatThrownBy(open::readToEnd).isInstanceOf(IOException.class).hasMessageContaining("reset");
    }

    @Test
    void restart_servesAgainOnSamePort() throws Exception {
        final FleetEndpoint endpoint = start(Behaviour.HEALTHY, 1);
        final InetSocketAddress before = endpoint.address();
        endpoint.kill();
        endpoint.restart();

        assertThat(endpoint.isUp()).isTrue();
        assertThat(endpoint.address()).isEqualTo(before);
        try (BlockingHttpClient client = new BlockingHttpClient(before)) {
            assertThat(client.get("/").status()).isEqualTo(200);
        }
    }

    @Test
    void setBehaviour_changesLatencyLive() throws Exception {
        final FleetEndpoint endpoint = start(Behaviour.HEALTHY, 1);
        try (BlockingHttpClient client = new BlockingHttpClient(endpoint.address())) {
            // The fastest of three requests, because the first ones on a cold JVM are slow.
            assertThat(fastestOfThreeMillis(client)).isLessThan(40L);

            endpoint.setBehaviour(Behaviour.HEALTHY.withLatency(LatencyDistribution.fixed(80)));

            assertThat(fastestOfThreeMillis(client)).isGreaterThanOrEqualTo(79L);
        }
    }

    private static long fastestOfThreeMillis(BlockingHttpClient client) throws IOException {
        long fastestNanos = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            final long startNanos = System.nanoTime();
            assertThat(client.get("/").status()).isEqualTo(200);
            fastestNanos = Math.min(fastestNanos, System.nanoTime() - startNanos);
        }
        return TimeUnit.NANOSECONDS.toMillis(fastestNanos);
    }

    @Test
    void fleet_sharesGroupAndLooksUpById() throws Exception {
        final Fleet fleet = Fleet.create(5, 1);
        toClose.add(fleet);
        fleet.start("a", loopback(0), Behaviour.HEALTHY);
        fleet.start("b", new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0), Behaviour.HEALTHY);

        assertThat(fleet.endpoints()).extracting(FleetEndpoint::id).containsExactly("a", "b");
        try (BlockingHttpClient client = new BlockingHttpClient(fleet.get("b").address())) {
            assertThat(client.get("/").endpointId()).isEqualTo("b");
        }
        assertThatThrownBy(() -> fleet.start("a", loopback(0), Behaviour.HEALTHY))
                .hasMessage("id: a (expected: an id not already in the fleet)");
        assertThatThrownBy(() -> fleet.get("c")).hasMessage("id: c (expected: one of [a, b])");

        fleet.close();
        assertThat(fleet.get("a").isUp()).isFalse();
    }
}
