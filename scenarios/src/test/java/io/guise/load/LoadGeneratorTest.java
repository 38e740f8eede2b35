package io.guise.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.guise.fault.SplitMix64;
import io.guise.fleet.Behaviour;
import io.guise.fleet.FleetEndpoint;
import io.guise.fleet.LatencyDistribution;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoadGeneratorTest {

    private EventLoopGroup clientGroup;
    private final List<FleetEndpoint> endpoints = new ArrayList<>();

    @BeforeEach
    void createGroup() {
        clientGroup = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterEach
    void closeAll() {
        endpoints.forEach(FleetEndpoint::close);
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private FleetEndpoint endpoint(Behaviour behaviour) throws InterruptedException {
        final FleetEndpoint endpoint = FleetEndpoint.start(
                "e" + endpoints.size(), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), behaviour, 7);
        endpoints.add(endpoint);
        return endpoint;
    }

    private LoadSnapshot run(ClientGroupSpec... specs) throws InterruptedException {
        final LoadRecorder recorder = new LoadRecorder();
        new LoadGenerator(clientGroup, List.of(specs), recorder).run();
        return recorder.snapshot();
    }

    private static LatencyDistribution fixedMillis(double millis) {
        return LatencyDistribution.fixed(millis);
    }

    @Test
    void openLoop_sendsScheduledCount() throws Exception {
        final FleetEndpoint endpoint = endpoint(Behaviour.HEALTHY);
        final long startNanos = System.nanoTime();

        final LoadSnapshot snapshot = run(ClientGroupSpec.builder("open", endpoint.address())
                                                  .clients(4)
                                                  .model(LoadModel.constantRate(500))
                                                  .duration(Duration.ofSeconds(2))
                                                  .requestTimeout(Duration.ofSeconds(2))
                                                  .build());

        final long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        assertThat(endpoint.requestCount()).isBetween(980L, 1020L);
        assertThat(snapshot.total().requests()).isBetween(980L, 1020L);
        assertThat(snapshot.total().failures()).isZero();
        assertThat(snapshot.total().outcomes()).containsOnlyKeys("200");
        assertThat(elapsedMillis).isBetween(1_900L, 4_000L);
        assertThat(snapshot.groupTimeline().get("open").stream().mapToLong(TimeBucket::requests).sum())
                .isEqualTo(snapshot.total().requests());
        assertThat(snapshot.endpointRequestsPerSecond().get(endpoint.id()).stream().mapToLong(Long::longValue).sum())
                .isEqualTo(snapshot.total().requests());
    }

    @Test
    void closedLoop_fourConnectionsComplete() throws Exception {
        final FleetEndpoint endpoint = endpoint(Behaviour.HEALTHY.withLatency(fixedMillis(10)));

        final LoadSnapshot snapshot = run(ClientGroupSpec.builder("closed", endpoint.address())
                                                  .clients(2)
                                                  .model(LoadModel.closedLoop(4))
                                                  .duration(Duration.ofSeconds(1))
                                                  .build());

        // Four connections at 10 ms each can complete at most about 400 requests in a second.
        final RequestStats stats = snapshot.groups().get("closed");
        assertThat(stats.requests()).isBetween(100L, 410L);
        assertThat(stats.failures()).isZero();
        assertThat(stats.requests()).isEqualTo(endpoint.requestCount());
        assertThat(stats.latency().p50Micros()).isGreaterThanOrEqualTo(10_000L);
    }

    @Test
    void clients_connectFromDistinctSources() throws Exception {
        final FleetEndpoint endpoint = endpoint(Behaviour.HEALTHY);

        run(ClientGroupSpec.builder("sources", endpoint.address())
                    .clients(5)
                    .model(LoadModel.constantRate(100))
                    .duration(Duration.ofMillis(500))
                    .build());

        final List<InetAddress> expected = new ArrayList<>();
        for (int client = 0; client < 5; client++) {
            expected.add(LoadGenerator.sourceAddress(0, client));
        }
        assertThat(endpoint.remoteAddresses()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(expected.get(0).getHostAddress()).isEqualTo("127.1.0.1");
        assertThat(LoadGenerator.sourceAddress(2, 251).getHostAddress()).isEqualTo("127.3.1.2");
    }

    @Test
    void openLoop_countsQueueingAsLatency() throws Exception {
        final FleetEndpoint endpoint = endpoint(Behaviour.HEALTHY.withLatency(fixedMillis(50)));

        final LoadSnapshot open = run(ClientGroupSpec.builder("open", endpoint.address())
                                              .model(LoadModel.constantRate(100))
                                              .maxConnectionsPerClient(1)
                                              .duration(Duration.ofSeconds(1))
                                              .requestTimeout(Duration.ofSeconds(10))
                                              .build());
        final LoadSnapshot closed = run(ClientGroupSpec.builder("closed", endpoint.address())
                                                .model(LoadModel.closedLoop(1))
                                                .duration(Duration.ofSeconds(1))
                                                .build());

        // 100 requests scheduled over 1 s on one connection that serves 20 per second:
        // the last waits about 100 * 50 ms - 990 ms, so p99 lands near 4 s.
        final RequestStats openStats = open.groups().get("open");
        assertThat(openStats.requests()).isEqualTo(100);
        assertThat(openStats.failures()).isZero();
        assertThat(openStats.latency().p99Micros()).isGreaterThan(2_000_000L);
        assertThat(openStats.serviceTime().p99Micros()).isLessThan(150_000L);

        final RequestStats closedStats = closed.groups().get("closed");
        assertThat(closedStats.latency().p50Micros()).isGreaterThanOrEqualTo(50_000L);
        assertThat(closedStats.latency().p99Micros()).isLessThan(150_000L);
    }

    @Test
    void killedEndpoint_countsConnectRefused() throws Exception {
        final FleetEndpoint endpoint = endpoint(Behaviour.HEALTHY);
        endpoint.kill();

        final LoadSnapshot snapshot = run(ClientGroupSpec.builder("refused", endpoint.address())
                                                  .clients(2)
                                                  .model(LoadModel.constantRate(100))
                                                  .duration(Duration.ofMillis(500))
                                                  .build());

        assertThat(snapshot.total().requests()).isEqualTo(50);
        assertThat(snapshot.total().failures()).isEqualTo(50);
        assertThat(snapshot.total().outcomes()).isEqualTo(Map.of("connect_refused", 50L));
        assertThat(snapshot.endpoints()).isEmpty();
    }

    @Test
    void killDuringRun_failsThenRecoversAfterRestart() throws Exception {
        final FleetEndpoint endpoint = endpoint(Behaviour.HEALTHY.withLatency(fixedMillis(20)));
        final LoadRecorder recorder = new LoadRecorder();
        final var done = new LoadGenerator(clientGroup, List.of(
                ClientGroupSpec.builder("flap", endpoint.address())
                               .clients(2)
                               .model(LoadModel.constantRate(200))
                               .duration(Duration.ofMillis(1500))
                               .build()), recorder).start();

        Thread.sleep(500);
        endpoint.kill();
        Thread.sleep(300);
        endpoint.restart();
        done.get(10, TimeUnit.SECONDS);

        final RequestStats stats = recorder.snapshot().total();
        assertThat(stats.requests()).isEqualTo(300);
        assertThat(stats.outcomes().get("200")).isGreaterThan(150L);
        assertThat(stats.outcomes().getOrDefault("connect_refused", 0L)
                   + stats.outcomes().getOrDefault("reset", 0L)).isGreaterThan(20L);
    }

    @Test
    void slowEndpoint_countsTimeouts() throws Exception {
        final FleetEndpoint endpoint = endpoint(Behaviour.HEALTHY.withLatency(fixedMillis(1_000)));
        final long startNanos = System.nanoTime();

        final LoadSnapshot snapshot = run(ClientGroupSpec.builder("slow", endpoint.address())
                                                  .model(LoadModel.constantRate(20))
                                                  .maxConnectionsPerClient(2)
                                                  .duration(Duration.ofMillis(500))
                                                  .requestTimeout(Duration.ofMillis(200))
                                                  .build());

        assertThat(snapshot.total().outcomes()).isEqualTo(Map.of("timeout", 10L));
        assertThat(snapshot.total().latency().minMicros()).isGreaterThanOrEqualTo(200_000L);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos)).isLessThan(3_000L);
    }

    @Test
    void requestMix_sendsEveryTemplate() throws Exception {
        final FleetEndpoint endpoint = endpoint(Behaviour.HEALTHY);

        final LoadSnapshot snapshot = run(ClientGroupSpec.builder("mix", endpoint.address())
                .requests(List.of(new RequestTemplate("GET", "/a", 3), new RequestTemplate("POST", "/b", 1)))
                .model(LoadModel.constantRate(400))
                .duration(Duration.ofSeconds(1))
                .build());

        assertThat(snapshot.total().outcomes()).isEqualTo(Map.of("200", 400L));
    }

    @Test
    void requestMix_picksByWeight() {
        final RequestTemplate heavy = new RequestTemplate("GET", "/a", 3);
        final RequestTemplate light = new RequestTemplate("POST", "/b", 1);
        final RequestMix mix = new RequestMix(List.of(heavy, light));
        final SplitMix64 random = new SplitMix64(3);
        final int draws = 40_000;
        int heavyCount = 0;
        for (int i = 0; i < draws; i++) {
            if (mix.pick(random) == heavy) {
                heavyCount++;
            }
        }
        // Four standard deviations of Binomial(40000, 0.75) is about 350.
        assertThat(heavyCount).isBetween(30_000 - 350, 30_000 + 350);
    }

    @Test
    void loadModel_scheduleMatchesRate() {
        final LoadModel.OpenLoop constant = (LoadModel.OpenLoop) LoadModel.constantRate(500);
        assertThat(constant.scheduledSeconds(0, 2)).isZero();
        assertThat(constant.scheduledSeconds(999, 2)).isCloseTo(1.998, within(1e-9));
        assertThat(constant.scheduledSeconds(1000, 2)).isCloseTo(2.0, within(1e-9));

        // A ramp from 100 to 900 per second over 2 s sends (100 + 900) / 2 * 2 = 1000 requests.
        final LoadModel.OpenLoop ramp = (LoadModel.OpenLoop) LoadModel.ramp(100, 900);
        assertThat(ramp.scheduledSeconds(999, 2)).isLessThan(2.0);
        assertThat(ramp.scheduledSeconds(1000, 2)).isCloseTo(2.0, within(1e-9));
        // After 1 s the ramp has sent 100 + 400 / 2 = 300 requests.
        assertThat(ramp.scheduledSeconds(300, 2)).isCloseTo(1.0, within(1e-9));

        final LoadModel.OpenLoop falling = (LoadModel.OpenLoop) LoadModel.ramp(100, 0);
        assertThat(falling.scheduledSeconds(100, 2)).isCloseTo(2.0, within(1e-6));
        assertThat(falling.scheduledSeconds(101, 2)).isNegative();
    }

    @Test
    void generator_rejectsDuplicateGroupNames() {
        final InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), 8080);
        final ClientGroupSpec spec = ClientGroupSpec.builder("same", target).build();
        assertThatThrownBy(() -> new LoadGenerator(clientGroup, List.of(spec, spec), result -> { }))
                .hasMessage("name: same (expected: a group name used only once in a run)");
    }

    @Test
    void spec_rejectsInvalidFields() throws Exception {
        final InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), 8080);
        final InetSocketAddress remote = new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, 0, 1}), 80);
        assertThatThrownBy(() -> ClientGroupSpec.builder("g", remote).build())
                .hasMessageContaining("expected: a loopback address");
        assertThatThrownBy(() -> ClientGroupSpec.builder("g", target).clients(0).build())
                .hasMessage("clients: 0 (expected: 1-64000)");
        assertThatThrownBy(() -> ClientGroupSpec.builder("g", target).duration(Duration.ZERO).build())
                .hasMessage("duration: PT0S (expected: > 0)");
        assertThatThrownBy(() -> LoadModel.constantRate(-1))
                .hasMessage("start_rate_per_second: -1.0 (expected: a finite number >= 0)");
        assertThatThrownBy(() -> new RequestTemplate("get", "/", 1))
                .hasMessage("method: 'get' (expected: an HTTP method such as GET)");
    }
}
