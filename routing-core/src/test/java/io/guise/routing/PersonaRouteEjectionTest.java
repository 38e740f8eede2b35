package io.guise.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.fault.SplitMix64;
import io.guise.health.EndpointHealth;
import io.guise.metrics.AccessPointMetrics;
import io.guise.proto.Endpoint;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Picks of a persona route follow local ejection, without a new routing table. */
class PersonaRouteEjectionTest {

    private final AtomicLong now = new AtomicLong();
    private final EndpointHealth health = EndpointHealth.builder()
            .nanoClock(now::get)
            .jitterPercent(0)
            .baseEjection(Duration.ofSeconds(30))
            .build();
    private final SplitMix64 random = new SplitMix64(1);

    private PersonaRoute route() {
        final RoutingSnapshot.Builder snapshot = RoutingSnapshot.newBuilder()
                .addPersonas(Persona.newBuilder().setId("web").setAddressFamily("IPv4").setAddress("pool")
                                     .setPort(8080));
        for (String id : new String[] {"e1", "e2", "e3", "e4"}) {
            snapshot.addEndpoints(Endpoint.newBuilder().setId(id).setAddress("127.0.0.1").setPool("pool"));
        }
        final RoutingTable table = RoutingTable.build(snapshot.build(), null, new AccessPointMetrics(), health);
        health.setPools(table.poolEndpointIds());
        return table.persona("web");
    }

    private Map<String, Integer> pickCounts(PersonaRoute route, int picks) {
        final Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            counts.merge(route.pick(random).endpointId(), 1, Integer::sum);
        }
        return counts;
    }

    private void eject(String endpointId) {
        for (int i = 0; i < EndpointHealth.DEFAULT_CONSECUTIVE_FAILURES; i++) {
            health.member(endpointId).recordFailure();
        }
    }

    @Test
    void pick_skipsEjectedEndpoint() {
        final PersonaRoute route = route();
        eject("e1");
        final Map<String, Integer> counts = pickCounts(route, 1000);
        assertThat(counts).doesNotContainKey("e1");
        assertThat(counts).containsOnlyKeys("e2", "e3", "e4");
    }

    @Test
    void pick_sendsOneProbeAfterEjection() {
        final PersonaRoute route = route();
        eject("e1");
        now.addAndGet(Duration.ofSeconds(30).toNanos());
        assertThat(route.pick(random).endpointId()).isEqualTo("e1");
        assertThat(pickCounts(route, 1000)).doesNotContainKey("e1");
    }

    @Test
    void pick_restoresAfterSuccessfulProbe() {
        final PersonaRoute route = route();
        eject("e1");
        now.addAndGet(Duration.ofSeconds(30).toNanos());
        route.pick(random).health().recordSuccess();
        assertThat(pickCounts(route, 1000)).containsKey("e1");
    }

    @Test
    void pick_allEjectedOrUnhealthyPanics() {
        final EndpointHealth all = EndpointHealth.builder().maxEjectionPercent(100).build();
        final RoutingSnapshot snapshot = RoutingSnapshot.newBuilder()
                .addPersonas(Persona.newBuilder().setId("web").setAddressFamily("IPv4").setAddress("pool")
                                     .setPort(8080))
                .addEndpoints(Endpoint.newBuilder().setId("e1").setAddress("127.0.0.1").setPool("pool"))
                .addEndpoints(Endpoint.newBuilder().setId("e2").setAddress("127.0.0.1").setPool("pool")
                                      .setHealthy(false))
                .build();
        final PersonaRoute route = RoutingTable.build(snapshot, null, new AccessPointMetrics(), all).persona("web");
        for (int i = 0; i < EndpointHealth.DEFAULT_CONSECUTIVE_FAILURES; i++) {
            all.member("e1").recordFailure();
        }
        assertThat(route.pool().panic()).isTrue();
        assertThat(pickCounts(route, 1000)).containsOnlyKeys("e1", "e2");
    }
}
