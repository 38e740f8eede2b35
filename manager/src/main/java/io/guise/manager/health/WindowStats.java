package io.guise.manager.health;

import java.util.Set;

/**
 * The health figures of one endpoint over one window, summed over the access points
 * that reported: request and failure counts (failures are 5xx responses, resets, connect
 * errors and timeouts), the p99 latency of the window, which access points
 * reported, and which of them had the endpoint locally ejected. Injected persona
 * faults are not part of it. Immutable.
 */
public record WindowStats(long requests, long failures, double p99Millis, Set<String> reporters,
                          Set<String> ejectedBy) {

    public WindowStats {
        if (requests < 0 || failures < 0 || failures > requests) {
            throw new IllegalArgumentException("requests " + requests + ", failures " + failures
                                               + " (expected: 0 <= failures <= requests)");
        }
        reporters = Set.copyOf(reporters);
        ejectedBy = Set.copyOf(ejectedBy);
    }

    /** Creates figures of a window in which no access point had the endpoint locally ejected. */
    public WindowStats(long requests, long failures, double p99Millis, Set<String> reporters) {
        this(requests, failures, p99Millis, reporters, Set.of());
    }

    /** Returns the failure share in percent; 0 without requests. */
    public double errorRatePercent() {
        return requests == 0 ? 0 : failures * 100.0 / requests;
    }
}
