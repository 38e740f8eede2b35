package io.guise.health;

/**
 * Read-only access to the local ejection state of one access point, for reports
 * and tests. Thread-safe, and each call reads the current state.
 */
public interface EndpointHealthView {

    /** Returns whether the endpoint is out of selection: ejected, or waiting for or running a probe. */
    boolean isEjected(String endpointId);

    /**
     * Returns whether the endpoint's ejection time is still running: false once it is
     * over, also while the endpoint waits for its probe.
     */
    boolean inEjectionPeriod(String endpointId);

    /** Returns how many times the endpoint was ejected since start, failed probes included. */
    int ejectionCount(String endpointId);

    /** Returns the endpoint's current number of consecutive failures. */
    int consecutiveFailures(String endpointId);

    /**
     * Returns the time of the endpoint's last ejection on the tracker's nanosecond
     * clock ({@link System#nanoTime()} unless a test injects one), or -1 when it was never ejected.
     */
    long lastEjectionNanos(String endpointId);
}
