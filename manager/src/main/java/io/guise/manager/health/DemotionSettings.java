package io.guise.manager.health;

/**
 * Thresholds of the demotion policy. Immutable; {@link #defaults()} gives the
 * documented defaults.
 *
 * @param minRequests requests an endpoint needs in a window before its figures count (default 20)
 * @param maxErrorRatePercent an endpoint whose failures exceed this share of its requests is bad (default 20)
 * @param latencyOutlierFactor an endpoint whose p99 exceeds this many times the median p99 of its pool is
 *     bad (default 3)
 * @param minLatencyOutlierMillis a p99 at or below this is never an outlier (default 100 ms). In a window
 *     of a few dozen requests, p99 is the slowest one, so a pause of a few tens of milliseconds (a garbage
 *     collection, a busy machine) must not demote a fast endpoint.
 * @param restoreAfterWindows consecutive healthy windows before a demoted endpoint is restored (default 3)
 * @param maxDemotedPercent the share of a pool that may be demoted at once, counted after the demotion
 *     (default 50)
 * @param minHealthyInBestTier endpoints of the pool's best tier that must stay healthy (default 1)
 */
public record DemotionSettings(long minRequests, double maxErrorRatePercent, double latencyOutlierFactor,
                               double minLatencyOutlierMillis, int restoreAfterWindows, double maxDemotedPercent,
                               int minHealthyInBestTier) {

    public DemotionSettings {
        if (minRequests < 1) {
            throw new IllegalArgumentException("min_requests: " + minRequests + " (expected: 1 or more)");
        }
        if (!(maxErrorRatePercent > 0 && maxErrorRatePercent <= 100)) {
            throw new IllegalArgumentException("max_error_rate_percent: " + maxErrorRatePercent
                                               + " (expected: > 0 and <= 100)");
        }
        if (!(latencyOutlierFactor > 1)) {
            throw new IllegalArgumentException("latency_outlier_factor: " + latencyOutlierFactor
                                               + " (expected: > 1)");
        }
        if (!(minLatencyOutlierMillis >= 0)) {
            throw new IllegalArgumentException("min_latency_outlier_ms: " + minLatencyOutlierMillis
                                               + " (expected: 0 or more)");
        }
        if (restoreAfterWindows < 1) {
            throw new IllegalArgumentException("restore_after_windows: " + restoreAfterWindows
                                               + " (expected: 1 or more)");
        }
        if (!(maxDemotedPercent >= 0 && maxDemotedPercent <= 100)) {
            throw new IllegalArgumentException("max_demoted_percent: " + maxDemotedPercent + " (expected: 0-100)");
        }
        if (minHealthyInBestTier < 0) {
            throw new IllegalArgumentException("min_healthy_in_best_tier: " + minHealthyInBestTier
                                               + " (expected: 0 or more)");
        }
    }

    public static DemotionSettings defaults() {
        return new DemotionSettings(20, 20, 3, 100, 3, 50, 1);
    }
}
