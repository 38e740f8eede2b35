package io.guise.bench;

import ch.qos.logback.classic.Logger;
import io.guise.accesspoint.AccessPoint;
import io.guise.accesspoint.InvalidConfigException;
import io.guise.distribution.Deltas;
import io.guise.health.EndpointHealth;
import io.guise.metrics.AccessPointMetrics;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.Delta;
import io.guise.proto.RoutingSnapshot;
import io.guise.routing.RoutingTable;
import io.guise.validation.RoutingValidator;
import io.guise.validation.TlsCapabilities;
import io.guise.validation.Violation;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.slf4j.LoggerFactory;

/**
 * Applying a delta that changes one persona on an access point that serves 100,000
 * personas (one /32 subset each, 100 pools of 4 endpoints). On a delta the
 * distribution client runs {@link Deltas#apply} and hands the result to
 * {@link AccessPoint#replaceRouting}, which validates the whole snapshot, builds a new
 * {@link RoutingTable} and swaps it in. {@code accessPointApply} measures that whole
 * path (without the optional state file write and the ACK); the other methods time its
 * steps one by one:
 * <ul>
 *   <li>{@code deltasApply}: {@link Deltas#apply}, the merge into a new snapshot;</li>
 *   <li>{@code validate}: {@link RoutingValidator#validate(RoutingSnapshot)};</li>
 *   <li>{@code buildTable}: {@link RoutingTable#build}, every persona route, pool and
 *       the subset map.</li>
 * </ul>
 * Successive calls alternate between two revisions, so every call builds a table
 * that differs from the one in force.
 *
 * <p>Build and run from the repository root:
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests
 * java -jar bench/target/benchmarks.jar DeltaApply -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class DeltaApplyBenchmark {

    static final int PERSONAS = 100_000;
    static final int POOLS = 100;
    static final int CHANGED_PERSONA = 4242;

    private RoutingSnapshot before;
    private RoutingSnapshot after;
    private Delta forward;
    private Delta backward;
    private RoutingValidator validator;
    private AccessPointMetrics metrics;
    private EndpointHealth health;
    private AccessPoint accessPoint;
    // The snapshot in force on the access point, as the distribution client tracks it.
    private RoutingSnapshot inForce;

    @Setup(Level.Trial)
    public void setUp() throws InvalidConfigException, InterruptedException {
        // Each replaceRouting call logs a line at INFO, which would bury the JMH output.
        ((Logger) LoggerFactory.getLogger("io.guise")).setLevel(ch.qos.logback.classic.Level.WARN);
        before = RoutingFixtures.snapshot(1, PERSONAS, POOLS);
        after = RoutingFixtures.withChangedPersona(before, 2, CHANGED_PERSONA, 900);
        forward = Deltas.diff(before, after);
        backward = Deltas.diff(after, before);
        validator = new RoutingValidator(TlsCapabilities.jdk());
        metrics = new AccessPointMetrics();
        health = EndpointHealth.builder().build();
        final List<Violation> violations = validator.validate(after);
        if (!violations.isEmpty()) {
            throw new IllegalStateException("the fixture snapshot is invalid: " + violations.get(0));
        }
        // Without listeners the access point binds no socket and only keeps its table.
        accessPoint = AccessPoint.start(AccessPointConfig.newBuilder()
                .setId("bench")
                .addAllPersonas(before.getPersonasList())
                .addAllEndpoints(before.getEndpointsList())
                .addAllSubsets(before.getSubsetsList())
                .build(), 1);
        accessPoint.replaceRouting(before);
        inForce = before;
        System.out.printf("%d personas, %d endpoints, %d subsets; delta: %d upserted persona(s)%n",
                          before.getPersonasCount(), before.getEndpointsCount(), before.getSubsetsCount(),
                          forward.getUpsertedPersonasCount());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        accessPoint.close();
    }

    @Benchmark
    public RoutingSnapshot deltasApply() throws Deltas.RevisionGapException {
        return Deltas.apply(before, forward);
    }

    @Benchmark
    public List<Violation> validate() {
        return validator.validate(after);
    }

    @Benchmark
    public RoutingTable buildTable() {
        return RoutingTable.build(after, null, metrics, health);
    }

    @Benchmark
    public long accessPointApply() throws Deltas.RevisionGapException, InvalidConfigException {
        final Delta delta = inForce.getRevision() == before.getRevision() ? forward : backward;
        final RoutingSnapshot next = Deltas.apply(inForce, delta);
        accessPoint.replaceRouting(next);
        inForce = next;
        return accessPoint.routing().current().revision();
    }
}
