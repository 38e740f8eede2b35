package io.guise.scenario.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/** A distribution of response delays of a fleet endpoint. Draws below zero count as zero. */
public sealed interface Latency {

    /** The same delay every time. */
    record Fixed(Duration delay) implements Latency {
        public Fixed {
            requireNonNull(delay, "delay");
        }
    }

    /** A delay drawn uniformly from [min, max]. */
    record Uniform(Duration min, Duration max) implements Latency {
        public Uniform {
            requireNonNull(min, "min");
            requireNonNull(max, "max");
        }
    }

    /** A delay drawn from a normal distribution. */
    record Normal(Duration mean, Duration standardDeviation) implements Latency {
        public Normal {
            requireNonNull(mean, "mean");
            requireNonNull(standardDeviation, "standardDeviation");
        }
    }

    /**
     * A delay drawn from a log-normal distribution: {@code median * exp(sigma * z)}
     * for a standard normal z, which gives the long tail real services show.
     */
    record LogNormal(Duration median, double sigma) implements Latency {
        public LogNormal {
            requireNonNull(median, "median");
        }
    }
}
