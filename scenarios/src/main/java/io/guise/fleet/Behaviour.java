package io.guise.fleet;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The response profile of a {@link FleetEndpoint}: the latency it adds, its error rate and
 * error status codes, and the size of every response body. Immutable.
 *
 * @param latency the latency added before each response
 * @param errorRatePercent the share of requests, from 0 to 100, that get an error status
 * @param errorStatusCodes the error statuses, picked uniformly per failed request
 * @param responseSizeBytes the body size of every response, success or error
 */
public record Behaviour(LatencyDistribution latency, double errorRatePercent, List<Integer> errorStatusCodes,
                        int responseSizeBytes) {

    /** The max response body size. The load generator streams bodies, so it reads any size. */
    public static final int MAX_RESPONSE_SIZE_BYTES = 16 * 1024 * 1024;

    /** The behaviour of a healthy endpoint: no added latency, no errors, a 64-byte body. */
    public static final Behaviour HEALTHY = new Behaviour(LatencyDistribution.fixed(0), 0, List.of(500), 64);

    public Behaviour {
        requireNonNull(latency, "latency");
        requireNonNull(errorStatusCodes, "errorStatusCodes");
        if (!Double.isFinite(errorRatePercent) || errorRatePercent < 0 || errorRatePercent > 100) {
            throw new IllegalArgumentException(
                    "error_rate_percent: " + errorRatePercent + " (expected: a number from 0 to 100)");
        }
        errorStatusCodes = List.copyOf(errorStatusCodes);
        if (errorStatusCodes.isEmpty()) {
            throw new IllegalArgumentException(
                    "error_status_codes: [] (expected: at least one status code from 400 to 599)");
        }
        for (int code : errorStatusCodes) {
            if (code < 400 || code > 599) {
                throw new IllegalArgumentException(
                        "error_status_codes: " + code + " in " + errorStatusCodes + " (expected: 400-599)");
            }
        }
        if (responseSizeBytes < 0 || responseSizeBytes > MAX_RESPONSE_SIZE_BYTES) {
            throw new IllegalArgumentException("response_size_bytes: " + responseSizeBytes + " (expected: 0-"
                                               + MAX_RESPONSE_SIZE_BYTES + ")");
        }
    }

    /** Returns a copy with another latency distribution. */
    public Behaviour withLatency(LatencyDistribution newLatency) {
        return new Behaviour(newLatency, errorRatePercent, errorStatusCodes, responseSizeBytes);
    }

    /** Returns a copy that fails {@code newErrorRatePercent} of requests with the current status codes. */
    public Behaviour withErrorRate(double newErrorRatePercent) {
        return new Behaviour(latency, newErrorRatePercent, errorStatusCodes, responseSizeBytes);
    }

    /** Returns a copy that picks failed requests' statuses from {@code newErrorStatusCodes}. */
    public Behaviour withErrorStatusCodes(List<Integer> newErrorStatusCodes) {
        return new Behaviour(latency, errorRatePercent, newErrorStatusCodes, responseSizeBytes);
    }

    /** Returns a copy with another body size. */
    public Behaviour withResponseSize(int newResponseSizeBytes) {
        return new Behaviour(latency, errorRatePercent, errorStatusCodes, newResponseSizeBytes);
    }
}
