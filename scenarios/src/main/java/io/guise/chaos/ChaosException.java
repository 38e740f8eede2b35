package io.guise.chaos;

/**
 * A rejected request to the fault proxy: bad input (400), an unknown proxy or
 * toxic (404), a name already taken (409), or an address that cannot be bound.
 * The message names the field, the value and the rule.
 */
public final class ChaosException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    ChaosException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** Returns a 400 error in the form {@code field: value (expected: rule)}. */
    static ChaosException invalid(String field, String value, String rule) {
        return new ChaosException(400, field + ": " + value + " (expected: " + rule + ")");
    }

    static ChaosException notFound(String message) {
        return new ChaosException(404, message);
    }

    static ChaosException conflict(String message) {
        return new ChaosException(409, message);
    }

    /** Returns the HTTP status of the API's error response. */
    public int status() {
        return status;
    }
}
