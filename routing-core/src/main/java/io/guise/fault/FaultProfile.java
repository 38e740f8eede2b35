package io.guise.fault;

import static java.util.Objects.requireNonNull;

import io.guise.proto.Persona;
import java.time.Duration;
import java.util.Objects;

/**
 * The faults a persona simulates: a delay of {@code simulated_latency_ms} plus a jitter
 * drawn uniformly from [0, {@code jitter_ms}], and a share of requests (L7) or
 * connections (L4) that fail on purpose.
 *
 * <p>Immutable and thread-safe. The draw methods allocate nothing and take their
 * randomness only from the {@link SplitMix64} passed in, so the same profile and the
 * same generator state always give the same decisions. The generator itself is not
 * thread-safe and belongs to the caller's connection or event loop.
 *
 * <p>Random numbers consumed per call: {@link #drawDelayNanos} takes one draw when the
 * jitter is positive and none otherwise. {@link #drawError} takes one draw when the
 * error rate is strictly between 0 and 100 and none at 0 or 100, because those
 * outcomes are certain.
 */
public final class FaultProfile {

    /** HTTP status of an injected L7 error when the persona sets {@code error_status} to 0. */
    public static final int DEFAULT_ERROR_STATUS = 503;

    private static final long MAX_DELAY_MILLIS = Long.MAX_VALUE / 1_000_000L;

    private static final FaultProfile NONE =
            new FaultProfile(0, 0, 0.0, DEFAULT_ERROR_STATUS, L4ErrorAction.RESET);

    /** Ending of the client connection after an injected L4 error. */
    public enum L4ErrorAction {
        /** Abort with a TCP RST. */
        RESET,
        /** Close in order with a FIN. */
        CLOSE;

        /**
         * Parses the persona field {@code l4_error_action}: {@code ""} or
         * {@code "reset"} is {@link #RESET}, {@code "close"} is {@link #CLOSE}.
         *
         * @throws IllegalArgumentException for any other value
         */
        public static L4ErrorAction fromProto(String value) {
            requireNonNull(value, "value");
            switch (value) {
                case "":
                case "reset":
                    return RESET;
                case "close":
                    return CLOSE;
                default:
                    throw new IllegalArgumentException("l4_error_action: '" + value
                            + "' is invalid (expected: \"reset\", \"close\" or empty for \"reset\")");
            }
        }
    }

    private final long latencyNanos;
    private final long jitterNanos;
    private final double errorRatePercent;
    private final int errorStatus;
    private final L4ErrorAction l4ErrorAction;

    private FaultProfile(long latencyNanos, long jitterNanos, double errorRatePercent,
                         int errorStatus, L4ErrorAction l4ErrorAction) {
        this.latencyNanos = latencyNanos;
        this.jitterNanos = jitterNanos;
        this.errorRatePercent = errorRatePercent;
        this.errorStatus = errorStatus;
        this.l4ErrorAction = l4ErrorAction;
    }

    /** Returns the profile that adds no delay and injects no errors. */
    public static FaultProfile none() {
        return NONE;
    }

    /**
     * Builds the profile from the fault fields of {@code persona}.
     *
     * <p>The checks repeat the persona rules that this class depends on, so that a
     * profile never contains a value its draw methods cannot handle.
     *
     * @throws IllegalArgumentException when a fault field breaks its rule: a negative
     *     latency or jitter, a total delay above {@code Long.MAX_VALUE} ns, an error
     *     rate outside [0, 100] or NaN, an error status other than 0 or 400-599, or an
     *     unknown L4 error action
     */
    public static FaultProfile of(Persona persona) {
        requireNonNull(persona, "persona");
        final long latencyMillis = persona.getSimulatedLatencyMs();
        final long jitterMillis = persona.getJitterMs();
        final double errorRatePercent = persona.getErrorRatePercent();
        final int errorStatus = persona.getErrorStatus();

        if (latencyMillis < 0) {
            throw new IllegalArgumentException(
                    "simulated_latency_ms: " + latencyMillis + " (expected: >= 0)");
        }
        if (jitterMillis < 0) {
            throw new IllegalArgumentException("jitter_ms: " + jitterMillis + " (expected: >= 0)");
        }
        if (latencyMillis > MAX_DELAY_MILLIS - jitterMillis) {
            throw new IllegalArgumentException("simulated_latency_ms + jitter_ms: " + latencyMillis
                    + " + " + jitterMillis + " (expected: at most " + MAX_DELAY_MILLIS + " in total)");
        }
        if (!(errorRatePercent >= 0.0 && errorRatePercent <= 100.0)) {
            throw new IllegalArgumentException(
                    "error_rate_percent: " + errorRatePercent + " (expected: 0-100)");
        }
        if (errorStatus != 0 && (errorStatus < 400 || errorStatus > 599)) {
            throw new IllegalArgumentException(
                    "error_status: " + errorStatus + " (expected: 400-599, or 0 for 503)");
        }
        final L4ErrorAction action = L4ErrorAction.fromProto(persona.getL4ErrorAction());

        return new FaultProfile(
                latencyMillis * 1_000_000L,
                jitterMillis * 1_000_000L,
                errorRatePercent + 0.0, // turns -0.0 into 0.0 for equals()
                errorStatus == 0 ? DEFAULT_ERROR_STATUS : errorStatus,
                action);
    }

    /**
     * Draws the delay to add before a request or an upstream connection, in
     * nanoseconds: the latency plus a jitter drawn uniformly from [0, jitter] at
     * nanosecond granularity, both ends included.
     */
    public long drawDelayNanos(SplitMix64 random) {
        if (jitterNanos == 0) {
            return latencyNanos;
        }
        return latencyNanos + random.nextLong(jitterNanos + 1);
    }

    /** Draws whether to inject an error, with probability {@code errorRatePercent / 100}. */
    public boolean drawError(SplitMix64 random) {
        if (errorRatePercent == 0.0) {
            return false;
        }
        if (errorRatePercent == 100.0) {
            return true;
        }
        return random.nextDouble() * 100.0 < errorRatePercent;
    }

    /**
     * Returns a profile that adds no delay and injects no error but keeps this
     * one's error status and L4 error action, for a request whose error was drawn
     * before injection stopped.
     */
    public FaultProfile withoutInjection() {
        return injectsNothing() ? this : new FaultProfile(0, 0, 0.0, errorStatus, l4ErrorAction);
    }

    /** Returns true when this profile adds no delay and never injects an error. */
    public boolean injectsNothing() {
        return latencyNanos == 0 && jitterNanos == 0 && errorRatePercent == 0.0;
    }

    /** Returns the fixed delay added before each request or upstream connection. */
    public Duration latency() {
        return Duration.ofNanos(latencyNanos);
    }

    /** Returns the upper bound of the uniformly drawn extra delay. */
    public Duration jitter() {
        return Duration.ofNanos(jitterNanos);
    }

    /** Returns the share of requests or connections that fail on purpose, in percent, 0-100. */
    public double errorRatePercent() {
        return errorRatePercent;
    }

    /**
     * Returns the HTTP status of an injected L7 error, 400-599, which is 503 when the
     * persona sets 0.
     */
    public int errorStatus() {
        return errorStatus;
    }

    /** Returns the way an injected L4 error ends the client connection. */
    public L4ErrorAction l4ErrorAction() {
        return l4ErrorAction;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof FaultProfile)) {
            return false;
        }
        final FaultProfile that = (FaultProfile) other;
        return latencyNanos == that.latencyNanos
                && jitterNanos == that.jitterNanos
                && Double.compare(errorRatePercent, that.errorRatePercent) == 0
                && errorStatus == that.errorStatus
                && l4ErrorAction == that.l4ErrorAction;
    }

    @Override
    public int hashCode() {
        return Objects.hash(latencyNanos, jitterNanos, errorRatePercent, errorStatus, l4ErrorAction);
    }

    @Override
    public String toString() {
        return "FaultProfile{latency=" + latency()
                + ", jitter=" + jitter()
                + ", errorRatePercent=" + errorRatePercent
                + ", errorStatus=" + errorStatus
                + ", l4ErrorAction=" + l4ErrorAction
                + '}';
    }
}
