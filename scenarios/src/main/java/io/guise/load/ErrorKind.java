package io.guise.load;

import java.util.Locale;

/** The reason a request got no HTTP response. */
public enum ErrorKind {
    /** The endpoint or access point rejected the connection: nothing listens on the port. */
    CONNECT_REFUSED,
    /** Connecting failed for another reason, such as a connect timeout or a source address that cannot be bound. */
    CONNECT_FAILED,
    /** The connection was reset or closed before the response ended. */
    RESET,
    /** No complete response arrived within the request timeout, counted from the scheduled start. */
    TIMEOUT;

    /** Returns the snake_case name used in reports, such as {@code connect_refused}. */
    public String reportName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
