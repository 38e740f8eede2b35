package io.guise.scenario.model;

import io.guise.validation.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The problems found in one scenario file, each formatted as
 * {@code file:line: path: value (expected: rule)}. A path that has no line of its
 * own, such as a missing field, takes the line of the nearest enclosing value.
 * Not thread-safe.
 */
final class Problems {

    private static final Pattern LAST_SEGMENT =
            Pattern.compile("(\\.[A-Za-z0-9_]+|\\[[0-9]+\\]|\\[\"(?:[^\"\\\\]|\\\\.)*\"\\])$");

    private final String sourceName;
    private final Map<String, Integer> lines;
    private final List<String> messages = new ArrayList<>();

    Problems(String sourceName, Map<String, Integer> lines) {
        this.sourceName = sourceName;
        this.lines = lines;
    }

    /** Adds a problem whose value is already formatted as {@link Violation} formats values. */
    void add(String path, String value, String rule) {
        addLine(path, path + ": " + value + " (expected: " + rule + ")");
    }

    void add(Violation violation) {
        addLine(violation.path(), violation.toString());
    }

    void addString(String path, String value, String rule) {
        add(path, Violation.quote(value), rule);
    }

    /** Adds a message of the form {@code field: value (expected: rule)} about a field inside {@code path}. */
    void addPrefixed(String path, String message) {
        addLine(path, path + "." + message);
    }

    void addMissing(String path, String rule) {
        add(path, "missing", rule);
    }

    /** Adds a message that already starts with the file name and line. */
    void addFormatted(String message) {
        messages.add(message);
    }

    /** Adds a problem about the whole file, which has no path. */
    void addFileProblem(String text) {
        messages.add(sourceName + ": " + text);
    }

    boolean isEmpty() {
        return messages.isEmpty();
    }

    List<String> messages() {
        return List.copyOf(messages);
    }

    String sourceName() {
        return sourceName;
    }

    /** Returns the line of a path or of its nearest enclosing value, or 0 when none is known. */
    int lineOf(String path) {
        String current = path;
        while (!current.isEmpty()) {
            final Integer line = lines.get(current);
            if (line != null) {
                return line;
            }
            final String parent = LAST_SEGMENT.matcher(current).replaceFirst("");
            if (parent.equals(current)) {
                break;
            }
            current = parent;
        }
        return 0;
    }

    private void addLine(String path, String text) {
        final int line = lineOf(path);
        messages.add((line > 0 ? sourceName + ":" + line : sourceName) + ": " + text);
    }
}
