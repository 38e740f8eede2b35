package io.guise.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A configuration document that could not be read: malformed syntax, an unknown
 * field, a value of the wrong type or out of range for its field. Carries every
 * problem found, each prefixed with the source name and, where known, the line.
 */
public final class ConfigException extends Exception {

    private final List<String> problems;

    ConfigException(String sourceName, List<String> problems) {
        super(formatMessage(requireNonNull(sourceName, "sourceName"), problems));
        this.problems = List.copyOf(problems);
    }

    /** Returns the problems in document order, one line each. */
    public List<String> problems() {
        return problems;
    }

    private static String formatMessage(String sourceName, List<String> problems) {
        final StringBuilder message = new StringBuilder();
        message.append("Invalid configuration in ").append(sourceName).append(" (")
                .append(problems.size()).append(problems.size() == 1 ? " problem" : " problems").append("):");
        for (String problem : problems) {
            message.append('\n').append(problem);
        }
        return message.toString();
    }
}
