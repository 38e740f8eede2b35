package io.guise.scenario.run;

/**
 * One fault injected into a fleet endpoint by the timeline: which endpoint, what
 * kind, when it began and when it ended (a restart or heal), in nanoseconds from
 * the start of the load. Thread-safe.
 */
final class EndpointFault {

    private final String endpointId;
    private final String kind;
    private final long onsetNanos;
    private volatile long endNanos = -1;

    EndpointFault(String endpointId, String kind, long onsetNanos) {
        this.endpointId = endpointId;
        this.kind = kind;
        this.onsetNanos = onsetNanos;
    }

    String endpointId() {
        return endpointId;
    }

    String kind() {
        return kind;
    }

    long onsetNanos() {
        return onsetNanos;
    }

    /** Returns when the fault ended, or -1 while it lasts. */
    long endNanos() {
        return endNanos;
    }

    void end(long nanos) {
        endNanos = nanos;
    }
}
