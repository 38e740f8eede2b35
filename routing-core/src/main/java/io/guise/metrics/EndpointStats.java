package io.guise.metrics;

import static java.util.Objects.requireNonNull;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Measurements of one endpoint as seen by this access point: response latency in
 * an HdrHistogram and counts of successes, failures and timeouts, since start and
 * per health report interval.
 *
 * <p>A route reaches the endpoint through {@link #forPersona(IntervalStats)},
 * which returns a handle that shares every figure of the endpoint and also
 * records each result in the persona's interval, so the data path reports a
 * result once.
 *
 * <p>Thread-safe: any event loop records without locks ({@link Recorder} is
 * wait-free for writers), and the metrics scrape reads through {@link #snapshot()}.
 */
public final class EndpointStats {

    private final String endpointId;
    private final Recorder latencyMicros;
    private final CounterDataPoint successes;
    private final CounterDataPoint failures;
    private final CounterDataPoint timeouts;
    private final IntervalStats interval;
    // Null for the endpoint's own handle; a persona's interval for a route's handle.
    private final IntervalStats personaInterval;

    // Guarded by itself; only the scrape path touches it.
    private final Histogram cumulativeMicros;

    EndpointStats(String endpointId, CounterDataPoint successes, CounterDataPoint failures,
                  CounterDataPoint timeouts) {
        this.endpointId = endpointId;
        this.latencyMicros = new Recorder(3);
        this.successes = successes;
        this.failures = failures;
        this.timeouts = timeouts;
        this.interval = new IntervalStats();
        this.personaInterval = null;
        this.cumulativeMicros = new Histogram(3);
    }

    private EndpointStats(EndpointStats endpoint, IntervalStats personaInterval) {
        this.endpointId = endpoint.endpointId;
        this.latencyMicros = endpoint.latencyMicros;
        this.successes = endpoint.successes;
        this.failures = endpoint.failures;
        this.timeouts = endpoint.timeouts;
        this.interval = endpoint.interval;
        this.personaInterval = personaInterval;
        this.cumulativeMicros = endpoint.cumulativeMicros;
    }

    /**
     * Returns a handle on this endpoint's figures that also records every result in
     * {@code personaInterval}, the interval of the persona whose route uses it.
     */
    public EndpointStats forPersona(IntervalStats personaInterval) {
        return new EndpointStats(this, requireNonNull(personaInterval, "personaInterval"));
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
        interval.recordResponse(latencyNanos, failed);
        if (personaInterval != null) {
            personaInterval.recordResponse(latencyNanos, failed);
        }
    }

    /** Records a connect error or a connection reset before a response. */
    public void recordFailure() {
        failures.inc();
        interval.recordFailure();
        if (personaInterval != null) {
            personaInterval.recordFailure();
        }
    }

    /** Records a response that did not arrive within the response timeout. */
    public void recordTimeout() {
        timeouts.inc();
        interval.recordTimeout();
        if (personaInterval != null) {
            personaInterval.recordTimeout();
        }
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

    /** Returns the endpoint's figures of the current health report interval. */
    public IntervalStats interval() {
        return interval;
    }

    /** Returns a copy of every latency recorded since start, in microseconds. */
    public Histogram snapshot() {
        synchronized (cumulativeMicros) {
            cumulativeMicros.add(latencyMicros.getIntervalHistogram());
            return cumulativeMicros.copy();
        }
    }
}
