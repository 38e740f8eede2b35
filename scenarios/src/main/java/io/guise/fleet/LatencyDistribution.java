package io.guise.fleet;

import static java.util.Objects.requireNonNull;

import io.guise.fault.SplitMix64;

/**
 * A distribution of response latencies that an endpoint samples once per request.
 * Implementations are immutable records and thread-safe. The caller owns the
 * {@link SplitMix64} and must not share it across threads without a lock.
 */
public sealed interface LatencyDistribution {

    /** Draws one latency in nanoseconds, never negative. */
    long sampleNanos(SplitMix64 random);

    /** Returns a distribution that always yields {@code latencyMillis}. */
    static LatencyDistribution fixed(double latencyMillis) {
        return new Fixed(latencyMillis);
    }

    /** Returns a distribution uniform in [{@code minMillis}, {@code maxMillis}). */
    static LatencyDistribution uniform(double minMillis, double maxMillis) {
        return new Uniform(minMillis, maxMillis);
    }

    /** Returns a normal distribution truncated at zero, which draws again when a sample is negative. */
    static LatencyDistribution normal(double meanMillis, double stddevMillis) {
        return new Normal(meanMillis, stddevMillis);
    }

    /** Returns a log-normal distribution: {@code medianMillis * exp(sigma * Z)} for standard normal Z. */
    static LatencyDistribution lognormal(double medianMillis, double sigma) {
        return new LogNormal(medianMillis, sigma);
    }

    /** A constant latency. */
    record Fixed(double latencyMillis) implements LatencyDistribution {
        public Fixed {
            checkNonNegative("latency_ms", latencyMillis);
        }

        @Override
        public long sampleNanos(SplitMix64 random) {
            requireNonNull(random, "random");
            return millisToNanos(latencyMillis);
        }
    }

    /** A latency uniform in [min, max). */
    record Uniform(double minMillis, double maxMillis) implements LatencyDistribution {
        public Uniform {
            checkNonNegative("min_ms", minMillis);
            checkNonNegative("max_ms", maxMillis);
            if (maxMillis < minMillis) {
                throw new IllegalArgumentException(
                        "max_ms: " + maxMillis + " (expected: >= min_ms " + minMillis + ")");
            }
        }

        @Override
        public long sampleNanos(SplitMix64 random) {
            return millisToNanos(minMillis + (maxMillis - minMillis) * random.nextDouble());
        }
    }

    /**
     * A normal latency truncated at zero: a negative draw is replaced by a new draw, so
     * the result follows the normal density restricted to [0, inf). Because the mean
     * is not negative, at least half of all draws are accepted.
     */
    record Normal(double meanMillis, double stddevMillis) implements LatencyDistribution {
        public Normal {
            checkNonNegative("mean_ms", meanMillis);
            checkNonNegative("stddev_ms", stddevMillis);
        }

        @Override
        public long sampleNanos(SplitMix64 random) {
            double value = meanMillis + stddevMillis * standardNormal(random);
            while (value < 0) {
                value = meanMillis + stddevMillis * standardNormal(random);
            }
            return millisToNanos(value);
        }
    }

    /** A log-normal latency with the given median and shape {@code sigma} of the underlying normal. */
    record LogNormal(double medianMillis, double sigma) implements LatencyDistribution {
        public LogNormal {
            checkNonNegative("median_ms", medianMillis);
            checkNonNegative("sigma", sigma);
        }

        @Override
        public long sampleNanos(SplitMix64 random) {
            return millisToNanos(medianMillis * Math.exp(sigma * standardNormal(random)));
        }
    }

    /**
     * Draws a standard normal value with the Box-Muller transform. It uses the cosine
     * branch only and discards the sine branch, so each call consumes exactly two
     * values of {@code random} and keeps no state between calls.
     */
    private static double standardNormal(SplitMix64 random) {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        final double radius = Math.sqrt(-2.0 * Math.log(1.0 - random.nextDouble()));
        final double angle = 2.0 * Math.PI * random.nextDouble();
        return radius * Math.cos(angle);
    }

    private static long millisToNanos(double millis) {
        return Math.round(millis * 1_000_000.0);
    }

    private static void checkNonNegative(String field, double value) {
        if (!Double.isFinite(value) || value < 0) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: a finite number >= 0)");
        }
    }
}
