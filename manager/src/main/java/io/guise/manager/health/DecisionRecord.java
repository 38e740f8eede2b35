package io.guise.manager.health;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Locale;

/**
 * One health decision as the manager recorded it: what was decided, why, with
 * which figures, and what was written. Exactly one of {@code endpoint} and
 * {@code canary} is set. Immutable.
 *
 * @param timeMillis the manager clock at the end of the window, in milliseconds since the Unix epoch
 * @param action what was decided
 * @param reason a sentence naming the rule that decided, with its figures
 * @param outcome what the write did
 * @param revision the revision written, or the revision in force for {@link Outcome#UNCHANGED}; -1 otherwise
 * @param detail why nothing was written for {@link Outcome#SKIPPED} and {@link Outcome#FAILED}; empty otherwise
 * @param endpoint the endpoint's change and figures, for the endpoint actions; null for a canary stop
 * @param canary the arm's change and both arms' figures, for a canary stop; null otherwise
 */
public record DecisionRecord(long timeMillis, Action action, String reason, Outcome outcome, long revision,
                             String detail, EndpointEvidence endpoint, CanaryEvidence canary) {

    public DecisionRecord {
        requireNonNull(action, "action");
        requireNonNull(reason, "reason");
        requireNonNull(outcome, "outcome");
        requireNonNull(detail, "detail");
        if ((endpoint == null) == (canary == null)) {
            throw new IllegalArgumentException("endpoint and canary: exactly one must be set");
        }
    }

    /** The kind of decision. */
    public enum Action {
        /** An endpoint moved one tier down. */
        DEMOTE,
        /** A demoted endpoint moved back to its original tier. */
        RESTORE,
        /** An endpoint looks bad, but demoting it would break its pool's floor or cap. */
        HOLD_CAP,
        /** Most of a pool looks bad, so nothing is demoted. */
        HOLD_FLEET_WIDE,
        /** A canary arm's weight was set to 0. */
        CANARY_STOP;

        /** Returns the name used in JSON, logs and metric labels: the constant in lower case. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Action of(Decision.Action action) {
            return switch (action) {
                case DEMOTE -> DEMOTE;
                case RESTORE -> RESTORE;
                case HOLD_CAP -> HOLD_CAP;
                case HOLD_FLEET_WIDE -> HOLD_FLEET_WIDE;
            };
        }
    }

    /** The result of writing a decision. */
    public enum Outcome {
        /** A new revision contains the change. */
        WRITTEN,
        /** The routing state already held the change, so no revision was written. */
        UNCHANGED,
        /** A hold: there is nothing to write. */
        NOT_WRITTEN,
        /** The endpoint, subset or arm was gone by the time of the write. */
        SKIPPED,
        /** The write was rejected, also after one retry on a revision conflict. */
        FAILED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * An endpoint decision's change and the figures behind it.
     *
     * @param endpointId the endpoint
     * @param pool its pool
     * @param fromTier its tier before the decision
     * @param toTier its tier after it (the same for holds)
     * @param requests requests of the window over every access point
     * @param failures failures and timeouts of the window
     * @param failurePercent failures as a share of requests, in percent
     * @param p99Millis the endpoint's p99 latency in the window
     * @param poolMedianP99Millis the median p99 of the pool's endpoints with enough requests
     * @param reporters ids of the access points that reported the endpoint, sorted
     * @param ejectedBy ids of the access points that had the endpoint locally ejected, sorted
     * @param thresholds the demotion settings in force
     */
    public record EndpointEvidence(String endpointId, String pool, int fromTier, int toTier, long requests,
                                   long failures, double failurePercent, double p99Millis,
                                   double poolMedianP99Millis, List<String> reporters, List<String> ejectedBy,
                                   DemotionSettings thresholds) {

        public EndpointEvidence {
            requireNonNull(endpointId, "endpointId");
            requireNonNull(pool, "pool");
            reporters = List.copyOf(reporters);
            ejectedBy = List.copyOf(ejectedBy);
            requireNonNull(thresholds, "thresholds");
        }
    }

    /**
     * A canary stop's change and both arms' figures.
     *
     * @param prefix the subset entry whose split contains the arm
     * @param arm the stopped arm's persona id
     * @param control the control arm's persona id
     * @param fromWeight the arm's weight before the stop
     * @param toWeight the arm's weight after it (0 unless nothing was written)
     * @param armFigures the arm's figures over the guard window
     * @param controlFigures the control arm's figures over the same window
     * @param errorPValue one-sided p-value of the test on failure shares
     * @param latencyPValue one-sided p-value of the test on latency
     */
    public record CanaryEvidence(String prefix, String arm, String control, int fromWeight, int toWeight,
                                 ArmFigures armFigures, ArmFigures controlFigures, double errorPValue,
                                 double latencyPValue) {

        public CanaryEvidence {
            requireNonNull(prefix, "prefix");
            requireNonNull(arm, "arm");
            requireNonNull(control, "control");
            requireNonNull(armFigures, "armFigures");
            requireNonNull(controlFigures, "controlFigures");
        }
    }

    /**
     * One arm's figures, read out of an {@link ArmWindow}.
     *
     * @param requests successes, failures and timeouts
     * @param failurePercent failures and timeouts as a share of requests, in percent
     * @param p50Millis median latency
     * @param p99Millis p99 latency
     */
    public record ArmFigures(long successes, long failures, long timeouts, long requests, double failurePercent,
                             double p50Millis, double p99Millis, long injectedFaults) {

        /** Reads the figures of {@code window}; a null window reads as no traffic. */
        public static ArmFigures of(ArmWindow window) {
            if (window == null) {
                return new ArmFigures(0, 0, 0, 0, 0, 0, 0, 0);
            }
            final boolean empty = window.latencyMicros().getTotalCount() == 0;
            return new ArmFigures(window.successes(), window.failures(), window.timeouts(), window.requests(),
                                  window.failurePercent(),
                                  empty ? 0 : window.latencyMicros().getValueAtPercentile(50) / 1000.0,
                                  empty ? 0 : window.latencyMicros().getValueAtPercentile(99) / 1000.0,
                                  window.injectedFaults());
        }
    }
}
