package io.guise.manager.health;

import static java.util.Objects.requireNonNull;

import java.util.Set;
import org.HdrHistogram.Histogram;

/**
 * The figures every access point reported of one endpoint over one manager
 * window, summed. The histogram contains response times in microseconds and belongs to this
 * record; callers must not change it.
 *
 * @param successes responses below 500, or L4 connections that opened
 * @param failures 5xx responses, resets and connect errors
 * @param timeouts requests without a response within the response timeout
 * @param latencyMicros response times of the window in microseconds
 * @param reporters ids of the access points that reported the endpoint in the window
 * @param ejectedBy ids of the access points that had the endpoint locally ejected at the end of
 *     one of their report intervals in the window
 */
public record EndpointWindow(long successes, long failures, long timeouts, Histogram latencyMicros,
                             Set<String> reporters, Set<String> ejectedBy) {

    public EndpointWindow {
        requireNonNull(latencyMicros, "latencyMicros");
        reporters = Set.copyOf(reporters);
        ejectedBy = Set.copyOf(ejectedBy);
    }

    /**
     * Returns the figures the demotion policy judges: requests are successes,
     * failures and timeouts; failures include timeouts; p99 is in milliseconds.
     */
    public WindowStats toStats() {
        final double p99Millis = latencyMicros.getTotalCount() == 0
                ? 0 : latencyMicros.getValueAtPercentile(99) / 1000.0;
        return new WindowStats(successes + failures + timeouts, failures + timeouts, p99Millis, reporters,
                               ejectedBy);
    }
}
