package io.guise.load;

import java.util.Map;

/**
 * Counts and latencies of a set of requests. Immutable.
 *
 * @param requests every request with an outcome
 * @param failures requests without a response or with a 5xx status
 * @param injected responses that the access point marked as injected faults
 * @param outcomes request counts by HTTP status ("200") or error kind ("connect_refused")
 * @param latency time from the scheduled start to the end, for every request
 * @param serviceTime time from the send to the end, for requests that were sent
 */
public record RequestStats(long requests, long failures, long injected, Map<String, Long> outcomes,
                           LatencySummary latency, LatencySummary serviceTime) {

    public RequestStats {
        outcomes = Map.copyOf(outcomes);
    }
}
