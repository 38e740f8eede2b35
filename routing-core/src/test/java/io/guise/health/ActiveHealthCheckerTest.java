package io.guise.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.fault.SplitMix64;
import io.guise.metrics.AccessPointMetrics;
import io.guise.proto.ActiveHealthCheck;
import io.guise.proto.Endpoint;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import io.guise.routing.PersonaRoute;
import io.guise.routing.RoutingTable;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Unit tests of active check thresholds, timeouts and target changes, driven by ticks on an injected clock. */
class ActiveHealthCheckerTest {

    private static final Duration INTERVAL = Duration.ofSeconds(5);

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final EndpointHealth health = EndpointHealth.builder().build();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final List<String> changes = new ArrayList<>();
    private final List<String> results = new ArrayList<>();
    private List<ActiveHealthChecker.Target> targets = List.of(target("web-1", 8001), target("web-2", 8002),
                                                               target("db-1", 9001, "db"));

    private record Pending(InetSocketAddress address, ActiveHealthChecker.Settings settings,
                           ActiveHealthChecker.Result done) {
    }

    private static ActiveHealthChecker.Target target(String id, int port) {
        return target(id, port, "web");
    }

    private static ActiveHealthChecker.Target target(String id, int port, String pool) {
        return new ActiveHealthChecker.Target(id, pool, new InetSocketAddress("127.0.0.1", port));
    }

    private ActiveHealthChecker checker(ActiveHealthCheck.Builder check) {
        return new ActiveHealthChecker("ap-test", List.of(check.build()), () -> targets,
                                       (address, settings, done) -> pending.add(new Pending(address, settings, done)),
                                       nanos::get, health, new ActiveHealthChecker.Listener() {
                                           @Override
                                           public void onCheck(String endpointId, boolean passed) {
                                               results.add(endpointId + (passed ? " pass" : " fail"));
                                           }

                                           @Override
                                           public void onStateChange(String endpointId, boolean healthy) {
                                               changes.add(endpointId + (healthy ? " healthy" : " unhealthy"));
                                           }
                                       });
    }

    private static ActiveHealthCheck.Builder webCheck() {
        return ActiveHealthCheck.newBuilder().setPool("web").setType("HTTP").setPath("/healthz")
                .setIntervalMs((int) INTERVAL.toMillis()).setTimeoutMs(1000)
                .setHealthyThreshold(2).setUnhealthyThreshold(3);
    }

    /** Ticks, then completes every started check: web-2 with {@code web2Passes}, others passing. */
    private void round(ActiveHealthChecker checker, boolean web2Passes) {
        checker.tick();
        Pending next;
        while ((next = pending.poll()) != null) {
            next.done().completed(next.address().getPort() != 8002 || web2Passes);
        }
        nanos.addAndGet(INTERVAL.toNanos());
    }

    @Test
    void thresholds_takeOutAndBringBack() {
        final ActiveHealthChecker checker = checker(webCheck());

        round(checker, false);
        round(checker, false);
        assertThat(checker.state("web-2")).isEqualTo(ActiveHealthChecker.HEALTHY);
        assertThat(health.member("web-2").activeCheckFailing()).isFalse();

        round(checker, false);
        assertThat(checker.state("web-2")).isEqualTo(ActiveHealthChecker.UNHEALTHY);
        assertThat(health.member("web-2").activeCheckFailing()).isTrue();
        assertThat(checker.state("web-1")).isEqualTo(ActiveHealthChecker.HEALTHY);

        round(checker, true);
        assertThat(checker.state("web-2")).isEqualTo(ActiveHealthChecker.UNHEALTHY);
        round(checker, true);
        assertThat(checker.state("web-2")).isEqualTo(ActiveHealthChecker.HEALTHY);
        assertThat(health.member("web-2").activeCheckFailing()).isFalse();
        assertThat(changes).containsExactly("web-1 healthy", "web-2 healthy", "web-2 unhealthy", "web-2 healthy");
        assertThat(results.stream().filter(r -> r.startsWith("web-2"))).containsExactly(
                "web-2 fail", "web-2 fail", "web-2 fail", "web-2 pass", "web-2 pass");
    }

    @Test
    void interruptedRuns_startOver() {
        final ActiveHealthChecker checker = checker(webCheck());

        round(checker, false);
        round(checker, false);
        round(checker, true);
        round(checker, false);
        round(checker, false);
        assertThat(checker.state("web-2")).isEqualTo(ActiveHealthChecker.HEALTHY);
        round(checker, false);
        assertThat(checker.state("web-2")).isEqualTo(ActiveHealthChecker.UNHEALTHY);

        round(checker, true);
        round(checker, false);
        round(checker, true);
        assertThat(checker.state("web-2")).isEqualTo(ActiveHealthChecker.UNHEALTHY);
        round(checker, true);
        assertThat(checker.state("web-2")).isEqualTo(ActiveHealthChecker.HEALTHY);
    }

    @Test
    void checks_startOncePerInterval() {
        final ActiveHealthChecker checker = checker(webCheck());

        checker.tick();
        assertThat(pending).extracting(p -> p.address().getPort()).containsExactly(8001, 8002);
        assertThat(pending.peek().settings()).isEqualTo(new ActiveHealthChecker.Settings(
                ActiveHealthChecker.Type.HTTP, "/healthz", 200, INTERVAL, Duration.ofSeconds(1), 2, 3));
        pending.forEach(p -> p.done().completed(true));
        pending.clear();

        nanos.addAndGet(INTERVAL.toNanos() - 1);
        checker.tick();
        assertThat(pending).isEmpty();
        nanos.addAndGet(1);
        checker.tick();
        assertThat(pending).hasSize(2);
        assertThat(checker.state("db-1")).isEmpty();
    }

    @Test
    void timedOutCheck_failsAndLateResultIgnored() {
        final ActiveHealthChecker checker = checker(webCheck().setUnhealthyThreshold(1));

        checker.tick();
        final List<Pending> started = new ArrayList<>(pending);
        pending.clear();
        nanos.addAndGet(Duration.ofMillis(999).toNanos());
        checker.tick();
        assertThat(checker.state("web-1")).isEqualTo(ActiveHealthChecker.HEALTHY);

        nanos.addAndGet(Duration.ofMillis(1).toNanos());
        checker.tick();
        assertThat(checker.state("web-1")).isEqualTo(ActiveHealthChecker.UNHEALTHY);
        started.forEach(p -> p.done().completed(true));

        assertThat(checker.state("web-1")).isEqualTo(ActiveHealthChecker.UNHEALTHY);
        assertThat(results).containsExactly("web-1 fail", "web-2 fail");
    }

    @Test
    void defaults_applyToZeroFields() {
        final ActiveHealthChecker.Settings settings = ActiveHealthChecker.Settings.of(
                ActiveHealthCheck.newBuilder().setPool("db").setType("TCP").build());

        assertThat(settings).isEqualTo(new ActiveHealthChecker.Settings(
                ActiveHealthChecker.Type.TCP, "/", 200, Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3));
    }

    @Test
    void removedEndpoint_stopsBeingChecked() {
        final ActiveHealthChecker checker = checker(webCheck().setUnhealthyThreshold(1));
        round(checker, false);
        assertThat(health.member("web-2").activeCheckFailing()).isTrue();

        targets = List.of(target("web-1", 8001));
        checker.tick();

        assertThat(pending).extracting(p -> p.address().getPort()).containsExactly(8001);
        assertThat(checker.state("web-2")).isEmpty();
        assertThat(health.member("web-2").activeCheckFailing()).isFalse();
    }

    @Test
    void allFailing_poolPanics() {
        final RoutingSnapshot snapshot = RoutingSnapshot.newBuilder()
                .addPersonas(Persona.newBuilder().setId("web").setAddressFamily("IPv4").setAddress("web").setPort(80))
                .addEndpoints(Endpoint.newBuilder().setId("web-1").setAddress("127.0.0.1").setPort(8001)
                                      .setPool("web"))
                .addEndpoints(Endpoint.newBuilder().setId("web-2").setAddress("127.0.0.1").setPort(8002)
                                      .setPool("web"))
                .build();
        final PersonaRoute route = RoutingTable.build(snapshot, null, new AccessPointMetrics(), health).persona("web");
        targets = List.of(target("web-1", 8001), target("web-2", 8002));
        final ActiveHealthChecker checker = checker(webCheck().setUnhealthyThreshold(1));
        final SplitMix64 random = new SplitMix64(3);

        round(checker, false);
        assertThat(route.pool().panic()).isFalse();
        for (int i = 0; i < 50; i++) {
            assertThat(route.pick(random).endpointId()).isEqualTo("web-1");
        }

        checker.tick();
        pending.forEach(p -> p.done().completed(false));
        pending.clear();

        assertThat(checker.state("web-1")).isEqualTo(ActiveHealthChecker.UNHEALTHY);
        assertThat(route.pool().panic()).isTrue();
        final List<String> picked = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            picked.add(route.pick(random).endpointId());
        }
        assertThat(picked).contains("web-1", "web-2");
    }
}
