package io.guise.scenario.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.guise.config.ConfigException;
import io.guise.config.ConfigLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads scenario files (YAML, which includes JSON) into {@link Scenario}. It
 * reports every problem it finds at once, each with the file, the line, the path
 * of the field, the value and the rule, such as
 * {@code canary.yaml:12: load[0].rate.rps: -5 (expected: a number from 0 to 1000000)}.
 * Personas and subsets follow exactly the manager's rules.
 *
 * <p>Thread-safe: the methods share only immutable state.
 */
public final class ScenarioLoader {

    /** Maximum size of a scenario: bytes for a file, characters for text. */
    public static final int MAX_FILE_BYTES = SourceTree.MAX_CHARS;

    private ScenarioLoader() {}

    /**
     * Reads and checks a scenario file. The scenario's name defaults to the file
     * name without its extension.
     *
     * @throws ScenarioException listing every problem, when the file cannot be read or breaks a rule
     */
    public static Scenario load(Path file) throws ScenarioException {
        requireNonNull(file, "file");
        final String sourceName = file.toString();
        return parse(readText(file, sourceName), sourceName);
    }

    /**
     * Parses and checks scenario text. Every problem starts with {@code sourceName},
     * and the scenario's name defaults to its last path element without extension.
     *
     * @throws ScenarioException listing every problem, when the text is malformed or breaks a rule
     */
    public static Scenario parse(String text, String sourceName) throws ScenarioException {
        requireNonNull(text, "text");
        requireNonNull(sourceName, "sourceName");
        final Map<String, Integer> lines = new HashMap<>();
        final Problems problems = new Problems(sourceName, lines);
        if (text.length() > MAX_FILE_BYTES) {
            problems.addFileProblem(text.length() + " characters (expected: at most " + MAX_FILE_BYTES + ")");
            throw new ScenarioException(sourceName, problems.messages());
        }
        if (text.indexOf('\0') >= 0) {
            problems.addFileProblem("contains NUL characters (expected: a YAML text file)");
            throw new ScenarioException(sourceName, problems.messages());
        }

        final JsonNode root = SourceTree.read(text, lines, problems);
        if (root == null) {
            throw new ScenarioException(sourceName, problems.messages());
        }
        final Scenario read = new ScenarioReader(problems, defaultName(sourceName)).read(root);
        if (read == null || !problems.isEmpty()) {
            // Cross-section rules on a partly read scenario would report consequences, not causes.
            throw new ScenarioException(sourceName, problems.messages());
        }
        final Scenario checked = new ScenarioValidator(problems).check(read);
        if (!problems.isEmpty()) {
            throw new ScenarioException(sourceName, problems.messages());
        }
        final List<TimelineEvent> timeline = new ArrayList<>(checked.timeline());
        timeline.sort(Comparator.comparing(TimelineEvent::at)); // stable, so equal times keep file order
        return new Scenario(checked.name(), checked.description(), checked.seed(), checked.duration(),
                checked.accessPoints(), checked.fleet(), checked.personas(), checked.subsets(), checked.load(),
                timeline, checked.expect(), checked.network(), checked.manager());
    }

    private static String defaultName(String sourceName) {
        final Path fileName = Path.of(sourceName).getFileName();
        final String name = fileName == null ? sourceName : fileName.toString();
        final int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static String readText(Path file, String sourceName) throws ScenarioException {
        try {
            return ConfigLoader.readUtf8(file, sourceName, MAX_FILE_BYTES);
        } catch (ConfigException e) {
            throw new ScenarioException(sourceName, e.problems());
        }
    }
}
