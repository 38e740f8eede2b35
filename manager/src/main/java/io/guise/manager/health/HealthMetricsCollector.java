package io.guise.manager.health;

import static java.util.Objects.requireNonNull;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.function.LongSupplier;

/**
 * Publishes the health figures at scrape time: reports received, report entries
 * left out by reason, windows closed, decisions by action and heartbeats sent.
 * Thread-safe; it only reads counters.
 */
public final class HealthMetricsCollector implements MultiCollector {

    private final HealthAggregator aggregator;
    private final HealthLoop loop;
    private final LongSupplier heartbeatsSent;

    public HealthMetricsCollector(HealthAggregator aggregator, HealthLoop loop, LongSupplier heartbeatsSent) {
        this.aggregator = requireNonNull(aggregator, "aggregator");
        this.loop = requireNonNull(loop, "loop");
        this.heartbeatsSent = requireNonNull(heartbeatsSent, "heartbeatsSent");
    }

    @Override
    public MetricSnapshots collect() {
        final CounterSnapshot.Builder ignored = CounterSnapshot.builder()
                .name("guise_manager_health_report_entries_ignored")
                .help("Health report entries left out, by reason: unknown_endpoint, unknown_persona, bad_histogram"
                      + " or negative_count.");
        for (HealthAggregator.Ignored reason : HealthAggregator.Ignored.values()) {
            ignored.dataPoint(point(Labels.of("reason", reason.label()), aggregator.ignored(reason)));
        }
        final CounterSnapshot.Builder decisions = CounterSnapshot.builder()
                .name("guise_manager_health_decisions")
                .help("Health decisions recorded, by action: demote, restore, hold_cap, hold_fleet_wide or"
                      + " canary_stop. A hold counts when it starts or changes kind.");
        for (DecisionRecord.Action action : DecisionRecord.Action.values()) {
            decisions.dataPoint(point(Labels.of("action", action.label()), loop.decisions().count(action)));
        }
        return MetricSnapshots.of(
                counter("guise_manager_health_reports", "Health reports received from access points.",
                        aggregator.reportsReceived()),
                ignored.build(),
                counter("guise_manager_health_windows", "Health windows closed.", loop.windows()),
                decisions.build(),
                counter("guise_manager_heartbeats_sent", "Heartbeats sent over all distribution streams.",
                        heartbeatsSent.getAsLong()));
    }

    private static CounterSnapshot counter(String name, String help, long value) {
        return CounterSnapshot.builder().name(name).help(help).dataPoint(point(Labels.EMPTY, value)).build();
    }

    private static CounterDataPointSnapshot point(Labels labels, long value) {
        return CounterDataPointSnapshot.builder().labels(labels).value(value).build();
    }
}
