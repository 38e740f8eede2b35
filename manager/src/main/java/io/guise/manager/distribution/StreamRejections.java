package io.guise.manager.distribution;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts distribution streams and TLS handshakes the manager rejected, by reason,
 * and publishes them as {@code guise_manager_distribution_rejected_total}.
 * Thread-safe.
 */
public final class StreamRejections implements MultiCollector {

    /** The client certificate does not chain to the client CA, so the TLS handshake failed. */
    public static final String UNTRUSTED_CERTIFICATE = "untrusted_certificate";
    /**
     * Client certificates are required and the stream's TLS session has none. The TLS
     * handshake rejects such a client first, so this count stays at 0 unless that check is bypassed.
     */
    public static final String NO_CERTIFICATE = "no_certificate";
    /** The hello's access point id is neither the certificate's CN nor one of its DNS names. */
    public static final String IDENTITY_MISMATCH = "identity_mismatch";
    /** The access point id is not in the allow list. */
    public static final String NOT_ALLOWED = "not_allowed";

    private final Map<String, AtomicLong> counts = new ConcurrentSkipListMap<>();

    public StreamRejections() {
        for (String reason : new String[] {UNTRUSTED_CERTIFICATE, NO_CERTIFICATE, IDENTITY_MISMATCH, NOT_ALLOWED}) {
            counts.put(reason, new AtomicLong());
        }
    }

    /** Counts one rejection for {@code reason}, one of the constants of this class. */
    public void count(String reason) {
        counts.computeIfAbsent(reason, unused -> new AtomicLong()).incrementAndGet();
    }

    /** Returns how many rejections {@code reason} has counted. */
    public long get(String reason) {
        final AtomicLong count = counts.get(reason);
        return count == null ? 0 : count.get();
    }

    @Override
    public MetricSnapshots collect() {
        final CounterSnapshot.Builder rejected = CounterSnapshot.builder()
                .name("guise_manager_distribution_rejected")
                .help("Distribution streams and TLS handshakes rejected, by reason: untrusted_certificate,"
                      + " no_certificate, identity_mismatch or not_allowed.");
        counts.forEach((reason, count) -> rejected.dataPoint(CounterDataPointSnapshot.builder()
                                                                     .labels(Labels.of("reason", reason))
                                                                     .value(count.get())
                                                                     .build()));
        return MetricSnapshots.of(rejected.build());
    }
}
