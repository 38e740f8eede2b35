package io.guise.manager.health;

import static java.util.Objects.requireNonNull;

import org.HdrHistogram.Histogram;

/**
 * What every access point measured of one persona's traffic over one window,
 * summed: responses from endpoints only, injected persona faults left out and
 * counted on their own. The histogram contains response times in microseconds and
 * belongs to this record; callers must not change it after handing it over.
 *
 * @param successes responses below 500, or L4 connections that opened
 * @param failures 5xx responses, resets and connect errors
 * @param timeouts requests without a response within the response timeout
 * @param latencyMicros response times of the window in microseconds
 * @param injectedFaults injected persona faults, not part of the other figures
 */
public record ArmWindow(long successes, long failures, long timeouts, Histogram latencyMicros,
                        long injectedFaults) {

    public ArmWindow {
        requireNonNull(latencyMicros, "latencyMicros");
        if (successes < 0 || failures < 0 || timeouts < 0 || injectedFaults < 0) {
            throw new IllegalArgumentException("negative count: " + successes + ", " + failures + ", " + timeouts
                                               + ", " + injectedFaults);
        }
    }

    /** Returns the requests that reached an endpoint. */
    public long requests() {
        return successes + failures + timeouts;
    }

    /** Returns failures and timeouts as a share of requests, in percent; 0 without requests. */
    public double failurePercent() {
        final long requests = requests();
        return requests == 0 ? 0 : (failures + timeouts) * 100.0 / requests;
    }
}
