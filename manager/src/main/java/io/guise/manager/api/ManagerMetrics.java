package io.guise.manager.api;

import static java.util.Objects.requireNonNull;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.LongSupplier;

/**
 * The Prometheus metrics of one manager. Each manager owns a registry, so several
 * managers in one process (as in tests) keep separate figures. Thread-safe.
 */
public final class ManagerMetrics {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter writes;

    /** Creates the metrics; {@code revision} is read on every scrape. */
    public ManagerMetrics(LongSupplier revision) {
        requireNonNull(revision, "revision");
        GaugeWithCallback.builder()
                .name("guise_manager_revision")
                .help("Newest committed revision of the routing state.")
                .callback(callback -> callback.call(revision.getAsLong()))
                .register(registry);
        writes = Counter.builder()
                .name("guise_manager_writes_total")
                .help("Write requests by result: changed, unchanged, invalid, malformed, not_found,"
                      + " stale_revision, conflict or failed.")
                .labelNames("result")
                .withoutExemplars()
                .register(registry);
    }

    /** Adds metrics computed at scrape time, such as the distribution server's per access point figures. */
    public void register(MultiCollector collector) {
        registry.register(requireNonNull(collector, "collector"));
    }

    /** Counts one write request with its result label. */
    public void countWrite(String result) {
        writes.labelValues(requireNonNull(result, "result")).inc();
    }

    /** Returns how many write requests ended with {@code result}. */
    public long writeCount(String result) {
        return (long) writes.labelValues(requireNonNull(result, "result")).get();
    }

    /** Writes every metric in the Prometheus text format. */
    public byte[] scrapeText() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(2048);
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a byte array failed", e);
        }
        return out.toByteArray();
    }

    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }
}
