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

    void end(long nanos) {
        endNanos = nanos;
    }
}
