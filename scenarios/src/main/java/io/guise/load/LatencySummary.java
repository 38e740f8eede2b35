package io.guise.load;

import org.HdrHistogram.Histogram;

/**
 * Percentiles of a latency histogram in microseconds, all 0 when it is empty. Immutable.
 */
public record LatencySummary(long count, long minMicros, long p50Micros, long p90Micros, long p99Micros,
                             long p999Micros, long maxMicros, double meanMicros) {

    static LatencySummary of(Histogram histogram) {
        if (histogram.getTotalCount() == 0) {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0, 0);
        }
        return new LatencySummary(histogram.getTotalCount(), histogram.getMinValue(),
                                  histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(90),
                                  histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9),
                                  histogram.getMaxValue(), histogram.getMean());
    }
}
