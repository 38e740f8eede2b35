package io.guise.load;

/**
 * Receives the outcome of every request of a run. The generator calls it from its
 * event loop threads, several at once, so implementations must be thread-safe and
 * must not block.
 */
@FunctionalInterface
public interface LoadObserver {

    /** Accepts the outcome of one completed or failed request. */
    void onResult(RequestResult result);
}
