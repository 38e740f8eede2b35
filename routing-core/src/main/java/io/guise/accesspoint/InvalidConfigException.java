package io.guise.accesspoint;

import io.guise.validation.Violation;
import java.util.List;

/** A config or routing snapshot that breaks validation rules; nothing was changed. */
public final class InvalidConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final List<Violation> violations;

    public InvalidConfigException(String subject, List<Violation> violations) {
        super(message(subject, violations));
        this.violations = List.copyOf(violations);
    }

    public List<Violation> violations() {
        return violations;
    }

    private static String message(String subject, List<Violation> violations) {
        final StringBuilder text = new StringBuilder()
                .append(subject).append(" is invalid (").append(violations.size())
                .append(violations.size() == 1 ? " violation):" : " violations):");
        for (Violation violation : violations) {
            text.append("\n  ").append(violation);
        }
        return text.toString();
    }
}
