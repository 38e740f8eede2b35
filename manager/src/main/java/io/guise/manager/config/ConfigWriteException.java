package io.guise.manager.config;

import io.guise.validation.Violation;
import java.util.List;

/** A rejected write; the store, the revision and the access points are unchanged. */
public final class ConfigWriteException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why a write was rejected, with the HTTP status of the admin API's response. */
    public enum Reason {
        /** The content breaks validation rules (400). */
        INVALID(400),
        /** The resource to change or delete does not exist (404). */
        NOT_FOUND(404),
        /** The expected revision is not the newest (409). */
        STALE_REVISION(409),
        /** The change would break a reference, such as deleting a persona a subset uses (409). */
        CONFLICT(409);

        private final int httpStatus;

        Reason(int httpStatus) {
            this.httpStatus = httpStatus;
        }

        public int httpStatus() {
            return httpStatus;
        }
    }

    private final Reason reason;
    private final List<Violation> violations;

    ConfigWriteException(Reason reason, String message, List<Violation> violations) {
        super(message);
        this.reason = reason;
        this.violations = List.copyOf(violations);
    }

    ConfigWriteException(Reason reason, String message) {
        this(reason, message, List.of());
    }

    public Reason reason() {
        return reason;
    }

    /** Returns every violation for {@link Reason#INVALID}; empty otherwise. */
    public List<Violation> violations() {
        return violations;
    }
}
