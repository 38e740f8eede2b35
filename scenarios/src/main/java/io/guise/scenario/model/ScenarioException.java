package io.guise.scenario.model;

import java.util.List;

/**
 * A scenario file that cannot be run: unreadable, malformed or breaking a rule.
 * Carries every problem found, each as {@code file:line: path: value (expected: rule)},
 * with the line left out where it is not known.
 */
public final class ScenarioException extends Exception {

    private final List<String> problems;

    ScenarioException(String sourceName, List<String> problems) {
        super(formatMessage(sourceName, problems));
        this.problems = List.copyOf(problems);
    }

    /** Returns the problems, one line each. */
    public List<String> problems() {
        return problems;
    }

    private static String formatMessage(String sourceName, List<String> problems) {
        final StringBuilder message = new StringBuilder("Invalid scenario ").append(sourceName)
                .append(" (").append(problems.size()).append(problems.size() == 1 ? " problem" : " problems")
                .append("):");
        for (String problem : problems) {
            message.append('\n').append(problem);
        }
        return message.toString();
    }
}
