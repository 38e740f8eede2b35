package io.guise.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.health.EndpointHealth;
import io.guise.metrics.AccessPointMetrics;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import io.guise.routing.PersonaRoute;
import io.guise.routing.RoutingTable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Unit tests of fault safety and fault expiry, on injected clocks. */
class FaultSafetyTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final long WALL_START_MILLIS = 1_800_000_000_000L;

    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    private final AtomicLong wallMillis = new AtomicLong(WALL_START_MILLIS);
    private final Clock wallClock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(wallMillis.get());
        }
    };
    private final List<Boolean> changes = new ArrayList<>();

    private FaultSafety safety(Duration managerTimeout) {
        return FaultSafety.builder()
                .accessPointId("ap-test")
                .wallClock(wallClock)
                .nanoClock(nanos::get)
                .managerTimeout(managerTimeout)
                .listener(changes::add)
                .build();
    }

    private void step(Duration duration) {
        nanos.addAndGet(duration.toNanos());
        wallMillis.addAndGet(duration.toMillis());
    }

    private static PersonaRoute route(FaultSafety safety, long expiresAtMillis) {
        final RoutingSnapshot snapshot = RoutingSnapshot.newBuilder()
                .addPersonas(Persona.newBuilder().setId("chaos").setAddressFamily("IPv4").setAddress("127.0.0.1")
                                     .setPort(80).setSimulatedLatencyMs(40).setErrorRatePercent(100)
                                     .setErrorStatus(502).setFaultExpiresAtMs(expiresAtMillis))
                .build();
        return RoutingTable.build(snapshot, null, new AccessPointMetrics(), EndpointHealth.builder().build(), safety)
                .persona("chaos");
    }

    @Test
    void managerSilence_suspendsUntilHeard() {
        final FaultSafety safety = safety(TIMEOUT);
        final PersonaRoute route = route(safety, 0);
        final SplitMix64 random = new SplitMix64(1);

        step(TIMEOUT);
        safety.tick();
        assertThat(route.faults().drawError(random)).isTrue();
        assertThat(route.faults().drawDelayNanos(random)).isEqualTo(40_000_000L);
        assertThat(safety.suspended()).isFalse();

        step(Duration.ofMillis(1));
        assertThat(route.faults().drawError(random)).isFalse();
        assertThat(route.faults().drawDelayNanos(random)).isZero();
        assertThat(route.faults().errorStatus()).isEqualTo(502);
        safety.tick();
        assertThat(safety.suspended()).isTrue();
        assertThat(changes).containsExactly(true);

        safety.managerHeard();
        assertThat(route.faults().drawError(random)).isTrue();
        assertThat(safety.suspended()).isFalse();
        assertThat(changes).containsExactly(true, false);
        assertThat(route.configuredFaults().errorRatePercent()).isEqualTo(100.0);
    }

    @Test
    void managerSilence_countsFromStart() {
        final FaultSafety safety = safety(TIMEOUT);

        step(TIMEOUT.minusMillis(1));
        assertThat(safety.allowsInjection(0)).isTrue();
        step(Duration.ofMillis(2));

        assertThat(safety.allowsInjection(0)).isFalse();
        assertThat(safety.managerSilent()).isTrue();
    }

    @Test
    void heartbeat_restartsSilence() {
        final FaultSafety safety = safety(TIMEOUT);

        step(Duration.ofSeconds(20));
        safety.managerHeard();
        step(Duration.ofSeconds(20));
        safety.tick();

        assertThat(safety.allowsInjection(0)).isTrue();
        assertThat(changes).isEmpty();
    }

    @Test
    void withoutManager_neverSuspends() {
        final FaultSafety safety = safety(null);

        step(Duration.ofDays(3));
        safety.tick();

        assertThat(safety.allowsInjection(0)).isTrue();
        assertThat(safety.suspended()).isFalse();
        assertThat(changes).isEmpty();
    }

    @Test
    void faultExpiry_stopsAtExpiryTime() {
        final FaultSafety safety = safety(null);
        final PersonaRoute route = route(safety, WALL_START_MILLIS + 1000);
        final SplitMix64 random = new SplitMix64(2);

        step(Duration.ofMillis(999));
        assertThat(route.faults().drawError(random)).isTrue();
        assertThat(route.faults().drawDelayNanos(random)).isEqualTo(40_000_000L);

        step(Duration.ofMillis(1));
        assertThat(route.faults().drawError(random)).isFalse();
        assertThat(route.faults().drawDelayNanos(random)).isZero();
        assertThat(route.faults().errorStatus()).isEqualTo(502);
    }

    @Test
    void faultExpiry_pastAndZero() {
        final FaultSafety safety = safety(null);
        final PersonaRoute expired = route(safety, WALL_START_MILLIS - 1);
        final PersonaRoute never = route(safety, 0);

        step(Duration.ofDays(365));

        assertThat(expired.faults().injectsNothing()).isTrue();
        assertThat(never.faults().injectsNothing()).isFalse();
    }
}
