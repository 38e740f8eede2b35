package io.guise.metrics;

/** How a request (L7) or a connection (L4) ended, as counted in {@code guise_requests_total}. */
public enum RequestOutcome {
    /** Forwarded to an endpoint, which responded. */
    FORWARDED("forwarded"),
    /** Failed on purpose by the persona's error rate. */
    INJECTED_ERROR("injected_error"),
    /** The endpoint could not be reached, reset the connection or timed out. */
    UPSTREAM_ERROR("upstream_error"),
    /** The persona's pool has no endpoint to pick. */
    NO_ENDPOINT("no_endpoint"),
    /** No subset matched the destination address. */
    NO_PERSONA("no_persona"),
    /** Refused by the persona's rate limit (429, or a closed connection on L4). */
    RATE_LIMITED("rate_limited"),
    /** Shed by the admission limit or by its subset's concurrency budget (503). */
    SHED("shed");

    private final String label;

    RequestOutcome(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
