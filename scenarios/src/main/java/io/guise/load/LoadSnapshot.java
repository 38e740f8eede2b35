package io.guise.load;

import java.util.List;
import java.util.Map;

/**
 * The aggregates of a {@link LoadRecorder} at one moment, as plain values for a report. Maps are
 * sorted by key. Timelines are dense: one entry per second from 0 to the last second
 * with any request in the recorder, including empty seconds. Immutable.
 *
 * @param total all requests
 * @param groups requests by client group
 * @param personas requests by {@code x-guise-persona}; requests without it are left out
 * @param endpoints requests by endpoint id; requests without one (errors, access point responses) are left out
 * @param groupTimeline per-second buckets by client group
 * @param personaTimeline per-second buckets by persona
 * @param endpointRequestsPerSecond per-second request counts by endpoint, the traffic share over time
 * @param endpointLastRequestNanos by endpoint, the latest send time of a request it responded to,
 *     relative to the run start
 */
public record LoadSnapshot(RequestStats total, Map<String, RequestStats> groups, Map<String, RequestStats> personas,
                           Map<String, RequestStats> endpoints, Map<String, List<TimeBucket>> groupTimeline,
                           Map<String, List<TimeBucket>> personaTimeline,
                           Map<String, List<Long>> endpointRequestsPerSecond,
                           Map<String, Long> endpointLastRequestNanos) {
}
