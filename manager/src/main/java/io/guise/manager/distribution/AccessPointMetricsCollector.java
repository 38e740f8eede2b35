package io.guise.manager.distribution;

import static java.util.Objects.requireNonNull;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import org.HdrHistogram.Histogram;

/**
 * Publishes the registry's view of the access points at scrape time: which are
 * connected, the revision each applied, and commit-to-ACK time per access point and
 * in total. Thread-safe; it only reads the registry.
 */
public final class AccessPointMetricsCollector implements MultiCollector {

    private final AccessPointRegistry registry;

    public AccessPointMetricsCollector(AccessPointRegistry registry) {
        this.registry = requireNonNull(registry, "registry");
    }

    @Override
    public MetricSnapshots collect() {
        final GaugeSnapshot.Builder connected = GaugeSnapshot.builder()
                .name("guise_manager_access_point_connected")
                .help("1 while the access point's distribution stream is open, else 0.");
        final GaugeSnapshot.Builder applied = GaugeSnapshot.builder()
                .name("guise_manager_access_point_revision")
                .help("Newest revision the access point acknowledged.");
        final SummarySnapshot.Builder perAccessPoint = SummarySnapshot.builder()
                .name("guise_manager_commit_to_ack_seconds")
                .help("Time from a revision's commit to the access point's ACK.");
        for (AccessPointStatus status : registry.statuses()) {
            final Labels labels = Labels.of("access_point", status.id());
            connected.dataPoint(GaugeDataPointSnapshot.builder().labels(labels)
                                        .value(status.connected() ? 1 : 0).build());
            applied.dataPoint(GaugeDataPointSnapshot.builder().labels(labels)
                                      .value(status.appliedRevision()).build());
            perAccessPoint.dataPoint(SummaryDataPointSnapshot.builder()
                                             .labels(labels)
                                             .count(status.ackCount())
                                             .quantiles(Quantiles.of(
                                                     new Quantile(0.5, status.ackP50Millis() / 1000),
                                                     new Quantile(0.99, status.ackP99Millis() / 1000)))
                                             .build());
        }
        final Histogram total = registry.totalCommitToAck();
        final SummarySnapshot totalSummary = SummarySnapshot.builder()
                .name("guise_manager_commit_to_ack_all_seconds")
                .help("Time from commit to ACK over every access point: the delta propagation time.")
                .dataPoint(SummaryDataPointSnapshot.builder()
                                   .count(total.getTotalCount())
                                   .quantiles(Quantiles.of(
                                           new Quantile(0.5, total.getValueAtPercentile(50) / 1000.0),
                                           new Quantile(0.99, total.getValueAtPercentile(99) / 1000.0),
                                           new Quantile(1.0, total.getMaxValue() / 1000.0)))
                                   .build())
                .build();
        return MetricSnapshots.of(connected.build(), applied.build(), perAccessPoint.build(), totalSummary);
    }
}
