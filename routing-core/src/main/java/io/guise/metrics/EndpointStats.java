package io.guise.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Measurements of one endpoint as seen by this access point: response latency in
 * an HdrHistogram and counts of successes, failures and timeouts.
 *
 * <p>Thread-safe: any event loop records without locks ({@link Recorder} is
 * wait-free for writers), and the metrics scrape reads through {@link #snapshot()}.
 */
public final class EndpointStats {

    private final String endpointId;
    private final Recorder latencyMicros = new Recorder(3);
    private final CounterDataPoint successes;
    private final CounterDataPoint failures;
    private final CounterDataPoint timeouts;

    // Guarded by this; only the scrape path touches it.
    private final Histogram cumulativeMicros = new Histogram(3);

    EndpointStats(String endpointId, CounterDataPoint successes, CounterDataPoint failures,
                  CounterDataPoint timeouts) {
        this.endpointId = endpointId;
        this.successes = successes;
        this.failures = failures;
        this.timeouts = timeouts;
    }

    public String endpointId() {
        return endpointId;
    }

    /** Records a response that the endpoint completed, successful or not by {@code failed}. */
    public void recordResponse(long latencyNanos, boolean failed) {
        latencyMicros.recordValue(Math.max(0, latencyNanos / 1000));
        if (failed) {
            failures.inc();
        } else {
            successes.inc();
        }
    }

    /** Records a connect error or a connection reset before a response. */
    public void recordFailure() {
        failures.inc();
    }

    /** Records a response that did not arrive within the response timeout. */
    public void recordTimeout() {
        timeouts.inc();
    }

    public long successCount() {
        return successes.getLongValue();
    }

    public long failureCount() {
        return failures.getLongValue();
    }

    public long timeoutCount() {
        return timeouts.getLongValue();
    }

    /** Returns a copy of every latency recorded since start, in microseconds. */
    public synchronized Histogram snapshot() {
        cumulativeMicros.add(latencyMicros.getIntervalHistogram());
        return cumulativeMicros.copy();
    }
}
