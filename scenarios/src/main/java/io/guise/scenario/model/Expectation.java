package io.guise.scenario.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * A check on the measurements of a run. Shares and rates are percentages of
 * requests, 0-100. Every expectation has a name for the report; the loader gives
 * one such as {@code error_share canary} when the file sets none.
 */
public sealed interface Expectation {

    /** Returns the name shown in the report. */
    String name();

    /** Returns the kind as written in a scenario file, such as {@code error_share}. */
    String kind();

    /** The share of a persona's requests that failed, for any reason, lies in [min, max]. */
    record ErrorShare(String name, String persona, double minPercent, double maxPercent) implements Expectation {
        public ErrorShare {
            requireNonNull(name, "name");
            requireNonNull(persona, "persona");
        }

        @Override
        public String kind() {
            return "error_share";
        }
    }

    /** The share of a persona's requests that the access point failed on purpose lies in [min, max]. */
    record InjectedErrorShare(String name, String persona, double minPercent, double maxPercent)
            implements Expectation {
        public InjectedErrorShare {
            requireNonNull(name, "name");
            requireNonNull(persona, "persona");
        }

        @Override
        public String kind() {
            return "injected_error_share";
        }
    }

    /** The given percentile of request latency, as clients see it, is at most {@code max}. */
    record LatencyPercentile(String name, TrafficSelector traffic, double percentile, Duration max)
            implements Expectation {
        public LatencyPercentile {
            requireNonNull(name, "name");
            requireNonNull(traffic, "traffic");
            requireNonNull(max, "max");
        }

        @Override
        public String kind() {
            return "latency_percentile";
        }
    }

    /**
     * The share of requests that a weighted split sent to the arm persona lies in
     * [min, max]. The requests counted are those to {@code prefix} when it is set,
     * or those of the load group {@code group}; exactly one of the two is non-null.
     */
    record ArmShare(String name, String prefix, String group, String arm, double minPercent, double maxPercent)
            implements Expectation {
        public ArmShare {
            requireNonNull(name, "name");
            requireNonNull(arm, "arm");
            if ((prefix == null) == (group == null)) {
                throw new IllegalArgumentException("prefix: " + prefix + ", group: " + group
                        + " (expected: exactly one of them)");
            }
        }

        @Override
        public String kind() {
            return "arm_share";
        }
    }

    /**
     * The manager demotes the endpoint within {@code max} of the onset of each of its faults (a kill,
     * slow or fail event, or a toxic added to its link).
     */
    record DemotionWithin(String name, String endpointId, Duration max) implements Expectation {
        public DemotionWithin {
            requireNonNull(name, "name");
            requireNonNull(endpointId, "endpointId");
            requireNonNull(max, "max");
        }

        @Override
        public String kind() {
            return "demotion_within";
        }
    }

    /** The manager restores the demoted endpoint within {@code max} of the end of each of its faults. */
    record RestorationWithin(String name, String endpointId, Duration max) implements Expectation {
        public RestorationWithin {
            requireNonNull(name, "name");
            requireNonNull(endpointId, "endpointId");
            requireNonNull(max, "max");
        }

        @Override
        public String kind() {
            return "restoration_within";
        }
    }

    /** At the end of the run, the arm of the split at {@code prefix} has this weight in the manager's state. */
    record ArmWeight(String name, String prefix, String arm, int weight) implements Expectation {
        public ArmWeight {
            requireNonNull(name, "name");
            requireNonNull(prefix, "prefix");
            requireNonNull(arm, "arm");
        }

        @Override
        public String kind() {
            return "arm_weight";
        }
    }

    /**
     * The 99th percentile of the time from a change accepted by the manager to
     * its acknowledgement by an access point is at most {@code max}.
     */
    record DeltaPropagationP99(String name, Duration max) implements Expectation {
        public DeltaPropagationP99 {
            requireNonNull(name, "name");
            requireNonNull(max, "max");
        }

        @Override
        public String kind() {
            return "delta_propagation_p99";
        }
    }

    /** No request reaches the endpoint between a kill_endpoint and the next restart_endpoint. */
    record NoTrafficWhileDown(String name, String endpointId) implements Expectation {
        public NoTrafficWhileDown {
            requireNonNull(name, "name");
            requireNonNull(endpointId, "endpointId");
        }

        @Override
        public String kind() {
            return "no_traffic_while_down";
        }
    }

    /** The group completed at least this many requests per second over its duration. */
    record Throughput(String name, String group, double minRequestsPerSecond) implements Expectation {
        public Throughput {
            requireNonNull(name, "name");
            requireNonNull(group, "group");
        }

        @Override
        public String kind() {
            return "throughput";
        }
    }

    /**
     * The share of the requests that got a response with a status below 500 lies in [min, max];
     * connection failures, resets and timeouts count as failures.
     */
    record SuccessRate(String name, TrafficSelector traffic, double minPercent, double maxPercent)
            implements Expectation {
        public SuccessRate {
            requireNonNull(name, "name");
            requireNonNull(traffic, "traffic");
        }

        @Override
        public String kind() {
            return "success_rate";
        }
    }

    /**
     * After each partition heals (a {@code restore_link} of a link to the manager,
     * or a {@code heal_access_point}), every access point has the manager's
     * latest revision within {@code max}.
     */
    record ConvergenceWithin(String name, Duration max) implements Expectation {
        public ConvergenceWithin {
            requireNonNull(name, "name");
            requireNonNull(max, "max");
        }

        @Override
        public String kind() {
            return "convergence_within";
        }
    }
}
