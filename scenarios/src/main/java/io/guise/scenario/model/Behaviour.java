package io.guise.scenario.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * The responses of a fleet endpoint to HTTP requests.
 *
 * @param latency the delay before each response
 * @param errorRatePercent the share of requests that get an error status, 0-100, per request
 * @param statusCodes the error statuses, 400-599, chosen uniformly for each failed request
 * @param responseBytes the body size of a successful response, 0-16777216
 */
public record Behaviour(Latency latency, double errorRatePercent, List<Integer> statusCodes, int responseBytes) {

    /** No delay, no errors, status 500 for errors that a timeline event turns on, 128-byte bodies. */
    public static final Behaviour DEFAULT =
            new Behaviour(new Latency.Fixed(Duration.ZERO), 0, List.of(500), 128);

    public Behaviour {
        requireNonNull(latency, "latency");
        statusCodes = List.copyOf(statusCodes);
    }
}
