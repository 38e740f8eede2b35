package io.guise.bench;

import io.guise.fault.SplitMix64;
import io.guise.health.EndpointHealth;
import io.guise.metrics.AccessPointMetrics;
import io.guise.proto.Endpoint;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SubsetEntry;
import io.guise.routing.PersonaRoute;
import io.guise.routing.RoutingTable;
import io.guise.routing.UpstreamTarget;
import io.guise.selection.EndpointPool;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Endpoint selection per request: {@link EndpointPool#pick} on its own, and
 * {@link PersonaRoute#pick}, which the access point calls and which adds the ejection
 * expiry check, the health version read and the probe list to the pool's pick.
 *
 * <p>Pools of {@code poolSize} endpoints with weights 1-3, in one of three layouts:
 * <ul>
 *   <li>{@code one-tier}: every endpoint healthy in tier 0, so one draw picks an
 *       endpoint from the whole pool;</li>
 *   <li>{@code spill}: the endpoints spread over tiers 0-2, with half of tier 0
 *       unhealthy, so tier 0 takes 70% of the load and the rest spills to tier 1; a
 *       pick takes a tier draw and an endpoint draw;</li>
 *   <li>{@code panic}: no endpoint healthy, so picks spread over all of them.</li>
 * </ul>
 *
 * <p>Build and run from the repository root:
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests
 * java -jar bench/target/benchmarks.jar EndpointSelection -prof gc
 * </pre>
 *
 * <p>The state is per thread; each thread has its own seeded generator, as each
 * connection has on the access point.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class EndpointSelectionBenchmark {

    private static final long SEED = 0x5EED_2026L;

    @Param({"4", "64"})
    public int poolSize;

    @Param({"one-tier", "spill", "panic"})
    public String layout;

    private EndpointPool pool;
    private PersonaRoute route;
    private SplitMix64 random;

    @Setup(Level.Trial)
    public void setUp() {
        final RoutingSnapshot.Builder snapshot = RoutingSnapshot.newBuilder()
                .setRevision(1)
                .addPersonas(RoutingFixtures.persona(0, "bench", 100))
                .addSubsets(SubsetEntry.newBuilder().setPrefix("10.0.0.1/32")
                                    .setPersona(RoutingFixtures.personaId(0)));
        final EndpointPool.Builder poolBuilder = EndpointPool.builder();
        for (int i = 0; i < poolSize; i++) {
            final int tier = tierOf(i);
            final int weight = 1 + i % 3;
            final boolean healthy = healthyOf(i, tier);
            poolBuilder.add(i, tier, weight, healthy);
            snapshot.addEndpoints(Endpoint.newBuilder()
                    .setId("endpoint-" + i)
                    .setPool("bench")
                    .setAddress("127.0.0.1")
                    .setPort(20_000 + i)
                    .setTier(tier)
                    .setWeight(weight)
                    .setHealthy(healthy));
        }
        pool = poolBuilder.build();
        final RoutingTable table = RoutingTable.build(snapshot.build(), null, new AccessPointMetrics(),
                                                      EndpointHealth.builder().build());
        route = table.persona(RoutingFixtures.personaId(0));
        random = new SplitMix64(SEED);
        System.out.printf("poolSize=%d layout=%s: %s%n", poolSize, layout, pool);
    }

    private int tierOf(int index) {
        return "one-tier".equals(layout) ? 0 : index % 3;
    }

    private boolean healthyOf(int index, int tier) {
        switch (layout) {
            case "one-tier":
                return true;
            case "spill":
                // Every other tier-0 endpoint is unhealthy: tier 0 keeps about half its weight.
                return tier != 0 || index % 2 == 0;
            case "panic":
                return false;
            default:
                throw new IllegalArgumentException("layout: '" + layout
                        + "' (expected: one-tier, spill or panic)");
        }
    }

    @Benchmark
    public int poolPick() {
        return pool.pick(random);
    }

    @Benchmark
    public UpstreamTarget routePick() {
        return route.pick(random);
    }
}
