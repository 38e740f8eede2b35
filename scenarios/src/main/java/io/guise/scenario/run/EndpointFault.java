package io.guise.scenario.run;

/**
 * One fault injected into a fleet endpoint by the timeline: which endpoint, what
 * kind, when it began and when it ended (a restart or heal, or for a fault on the
 * endpoint's network link the removal of its toxic or the restore of the link), in
 * nanoseconds from the start of the load. Thread-safe.
 */
final class EndpointFault {

    private final String endpointId;
    private final String kind;
    private final long onsetNanos;
    private final String linkCause;
    private volatile long endNanos = -1;
    private volatile long firstEjectionNanos = -1;
    private volatile long lastArrivalNanos = -1;

    EndpointFault(String endpointId, String kind, long onsetNanos) {
        this(endpointId, kind, onsetNanos, null);
    }

    /**
     * @param linkCause for a fault on the endpoint's link, what ends it: {@code toxic <link> <name>} or
     *     {@code cut <link>}; null for a fault of the endpoint itself
     */
    EndpointFault(String endpointId, String kind, long onsetNanos, String linkCause) {
        this.endpointId = endpointId;
        this.kind = kind;
        this.onsetNanos = onsetNanos;
        this.linkCause = linkCause;
    }

    /** Returns what ends a link fault, or null for a fault of the endpoint itself. */
    String linkCause() {
        return linkCause;
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

    /** Returns when access point ap-0 first ejected the endpoint during the fault, or -1 when it did not. */
    long firstEjectionNanos() {
        return firstEjectionNanos;
    }

    /** Records the first ejection during the fault; later calls keep the first value. */
    void ejected(long nanos) {
        if (firstEjectionNanos < 0) {
            firstEjectionNanos = nanos;
        }
    }

    /**
     * Returns when the last request arrived at the endpoint, as the endpoint saw it, between the onset and the
     * end of the fault, or -1 when none did (or the fault is not over yet).
     */
    long lastArrivalNanos() {
        return lastArrivalNanos;
    }

    /** Ends the fault, recording the arrival of the endpoint's last request if it came during the fault. */
    void end(long nanos, long lastArrival) {
        if (lastArrival >= onsetNanos) {
            lastArrivalNanos = lastArrival;
        }
        endNanos = nanos;
    }

    /** Records the last arrival of a fault that lasts to the end of the run. */
    void lastArrivalAtRunEnd(long lastArrival) {
        if (lastArrival >= onsetNanos) {
            lastArrivalNanos = lastArrival;
        }
    }
}
