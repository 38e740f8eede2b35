package io.guise.scenario.run;

import io.guise.load.LoadObserver;
import io.guise.load.LoadRecorder;
import io.guise.load.RequestResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Records every request result: into a {@link LoadRecorder} for counts and latency,
 * and here for what expectations need beyond it: requests per (group, persona) pair
 * for split-arm shares, and the end time of each request per endpoint, to check
 * traffic against the windows an endpoint was down. Thread-safe.
 */
final class TrafficLedger implements LoadObserver {

    private final LoadRecorder recorder = new LoadRecorder();
    // Guarded by this.
    private final Map<String, Map<String, Long>> groupPersonaCounts = new HashMap<>();
    private final Map<String, List<Long>> endpointEndNanos = new HashMap<>();

    @Override
    public void onResult(RequestResult result) {
        recorder.onResult(result);
        synchronized (this) {
            if (result.persona() != null) {
                groupPersonaCounts.computeIfAbsent(result.group(), key -> new HashMap<>())
                        .merge(result.persona(), 1L, Long::sum);
            }
            if (result.endpoint() != null) {
                endpointEndNanos.computeIfAbsent(result.endpoint(), key -> new ArrayList<>()).add(result.endNanos());
            }
        }
    }

    LoadRecorder recorder() {
        return recorder;
    }

    /** Returns requests of {@code group} served by each persona. */
    synchronized Map<String, Long> personasOfGroup(String group) {
        return Map.copyOf(groupPersonaCounts.getOrDefault(group, Map.of()));
    }

    /**
     * Returns the end time of the last request routed to {@code endpoint} that ended
     * at or after {@code fromNanos} and before {@code toNanos}, or -1 when none did.
     */
    synchronized long lastRequestBetween(String endpoint, long fromNanos, long toNanos) {
        long last = -1;
        for (long end : endpointEndNanos.getOrDefault(endpoint, List.of())) {
            if (end >= fromNanos && end < toNanos && end > last) {
                last = end;
            }
        }
        return last;
    }

    /** Counts requests routed to {@code endpoint} that ended in [fromNanos, toNanos). */
    synchronized long requestsToEndpointBetween(String endpoint, long fromNanos, long toNanos) {
        long count = 0;
        for (long end : endpointEndNanos.getOrDefault(endpoint, List.of())) {
            if (end >= fromNanos && end < toNanos) {
                count++;
            }
        }
        return count;
    }
}
