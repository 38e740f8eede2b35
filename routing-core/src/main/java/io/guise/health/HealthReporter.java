package io.guise.health;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.guise.metrics.AccessPointMetrics;
import io.guise.metrics.EndpointStats;
import io.guise.metrics.IntervalStats;
import io.guise.proto.EndpointInterval;
import io.guise.proto.HealthReport;
import io.guise.proto.PersonaInterval;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Cuts the access point's measurements into health report intervals. Each
 * {@link #cut()} ends the current interval at the wall clock's time, drains the
 * interval of every endpoint and persona, and returns the report, which holds:
 * <ul>
 *   <li>every endpoint in use, and every other endpoint that recorded something
 *       or was ejected in the interval, with its counts, latency histogram,
 *       local ejection state and ejections, and its active check state;
 *   <li>every persona in use, and every other persona that recorded something,
 *       with the counts of requests that reached an endpoint and the injected
 *       faults on their own.
 * </ul>
 * Entries are sorted by id. The next interval starts where this one ended, so
 * a cut whose report is not sent drops exactly that interval.
 *
 * <p>Thread-safe: cuts are serialized on this object.
 */
public final class HealthReporter {

    private final AccessPointMetrics metrics;
    private final EndpointHealthView health;
    private final Function<String, String> activeCheckState;
    private final Supplier<? extends Collection<String>> endpointsInUse;
    private final Supplier<? extends Collection<String>> personasInUse;
    private final Clock clock;
    // Guarded by this.
    private long intervalStartMillis;
    private final Map<String, Integer> ejectionCounts = new HashMap<>();

    /**
     * Creates a reporter whose first interval starts now.
     *
     * @param activeCheckState endpoint id to "", "HEALTHY" or "UNHEALTHY"
     * @param endpointsInUse ids of the endpoints that the routing table in force uses
     * @param personasInUse ids of the personas of the routing table in force
     * @param clock the wall clock of the interval bounds
     */
    public HealthReporter(AccessPointMetrics metrics, EndpointHealthView health,
                          Function<String, String> activeCheckState,
                          Supplier<? extends Collection<String>> endpointsInUse,
                          Supplier<? extends Collection<String>> personasInUse, Clock clock) {
        this.metrics = requireNonNull(metrics, "metrics");
        this.health = requireNonNull(health, "health");
        this.activeCheckState = requireNonNull(activeCheckState, "activeCheckState");
        this.endpointsInUse = requireNonNull(endpointsInUse, "endpointsInUse");
        this.personasInUse = requireNonNull(personasInUse, "personasInUse");
        this.clock = requireNonNull(clock, "clock");
        intervalStartMillis = clock.millis();
    }

    /** Ends the current interval, starts the next and returns the ended interval's report. */
    public synchronized HealthReport cut() {
        final long endMillis = clock.millis();
        final HealthReport.Builder report = HealthReport.newBuilder()
                .setIntervalStartMs(intervalStartMillis)
                .setIntervalEndMs(endMillis);
        final Set<String> endpointIds = new HashSet<>(endpointsInUse.get());
        for (EndpointStats stats : new TreeMap<>(metrics.endpoints()).values()) {
            final String id = stats.endpointId();
            final IntervalStats.Interval interval = stats.interval().drain();
            final int ejections = health.ejectionCount(id);
            final Integer previous = ejectionCounts.put(id, ejections);
            final int newEjections = ejections - (previous == null ? 0 : previous);
            if (!endpointIds.contains(id) && interval.isEmpty() && newEjections == 0) {
                continue;
            }
            report.addEndpoints(EndpointInterval.newBuilder()
                                        .setEndpointId(id)
                                        .setSuccesses(interval.successes())
                                        .setFailures(interval.failures())
                                        .setTimeouts(interval.timeouts())
                                        .setLatencyHistogram(ByteString.copyFrom(interval.latencyHistogram()))
                                        .setLocallyEjected(health.inEjectionPeriod(id))
                                        .setEjections(newEjections)
                                        .setActiveCheck(activeCheckState.apply(id)));
        }
        final Set<String> personaIds = new HashSet<>(personasInUse.get());
        for (Map.Entry<String, IntervalStats> entry : new TreeMap<>(metrics.personaIntervals()).entrySet()) {
            final IntervalStats.Interval interval = entry.getValue().drain();
            if (!personaIds.contains(entry.getKey()) && interval.isEmpty()) {
                continue;
            }
            report.addPersonas(PersonaInterval.newBuilder()
                                       .setPersonaId(entry.getKey())
                                       .setSuccesses(interval.successes())
                                       .setFailures(interval.failures())
                                       .setTimeouts(interval.timeouts())
                                       .setLatencyHistogram(ByteString.copyFrom(interval.latencyHistogram()))
                                       .setInjectedFaults(interval.injectedFaults()));
        }
        intervalStartMillis = endMillis;
        return report.build();
    }
}
