package io.guise.load;

import static java.util.Objects.requireNonNull;

/**
 * The outcome of one request. Times are {@code nanoTime} values relative to the start
 * of the run. Immutable.
 *
 * @param group the client group name
 * @param clientIndex the virtual client, from 0, within its group
 * @param intendedStartNanos when the request was scheduled; latency counts from here
 * @param actualStartNanos when the request was written to a connection, or {@link #NOT_SENT}
 * @param endNanos when the response ended or the request failed
 * @param status the HTTP status, or 0 when {@code error} is set
 * @param error why there is no response, or null when there is one
 * @param persona the {@code x-guise-persona} response header, or null
 * @param endpoint the {@code x-guise-endpoint} header, else the {@code x-endpoint-id} header of a
 *     fleet endpoint reached directly, or null
 * @param injected whether the access point injected this response ({@code x-guise-fault: injected})
 */
public record RequestResult(String group, int clientIndex, long intendedStartNanos, long actualStartNanos,
                            long endNanos, int status, ErrorKind error, String persona,
                            String endpoint, boolean injected) {

    /** The {@code actualStartNanos} of a request that timed out before a connection took it. */
    public static final long NOT_SENT = -1;

    public RequestResult {
        requireNonNull(group, "group");
        if ((status == 0) == (error == null)) {
            throw new IllegalArgumentException("status: " + status + ", error: " + error
                                               + " (expected: either a status or an error kind)");
        }
    }

    /** Returns the latency from the scheduled start, which includes time spent queued for a connection. */
    public long latencyNanos() {
        return endNanos - intendedStartNanos;
    }

    /** Returns whether the request failed: no response, or a 5xx status. */
    public boolean failed() {
        return error != null || status >= 500;
    }
}
