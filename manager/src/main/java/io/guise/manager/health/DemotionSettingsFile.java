package io.guise.manager.health;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads {@link DemotionSettings} from a JSON or YAML object whose fields are the
 * settings' snake_case names; absent fields keep their defaults and an empty
 * document gives the defaults. Every problem names the field, the value and the
 * rule. Stateless and thread-safe.
 */
public final class DemotionSettingsFile {

    /** The field names, in the order of {@link DemotionSettings}'s components. */
    public static final List<String> FIELDS = List.of("min_requests", "max_error_rate_percent",
                                                      "latency_outlier_factor", "min_latency_outlier_ms",
                                                      "restore_after_windows", "max_demoted_percent",
                                                      "min_healthy_in_best_tier");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private DemotionSettingsFile() {
    }

    /**
     * Reads the settings from {@code file}: YAML when its name ends in .yaml or
     * .yml, JSON otherwise.
     *
     * @throws IllegalArgumentException naming the file and every problem
     */
    public static DemotionSettings load(Path file) {
        requireNonNull(file, "file");
        final String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot be read: " + e.getMessage(), e);
        }
        final String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return parse(text, name.endsWith(".yaml") || name.endsWith(".yml"), file.toString());
    }

    /**
     * Parses settings from {@code text}.
     *
     * @param yaml true for YAML, false for JSON
     * @param source the name of the text in messages, such as its file
     * @throws IllegalArgumentException naming the source and every problem
     */
    public static DemotionSettings parse(String text, boolean yaml, String source) {
        requireNonNull(text, "text");
        requireNonNull(source, "source");
        final JsonNode root;
        try {
            root = (yaml ? YAML : JSON).readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid " + (yaml ? "YAML" : "JSON") + ": "
                                               + e.getOriginalMessage());
        }
        final DemotionSettings defaults = DemotionSettings.defaults();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return defaults;
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException(source + ": " + root.getNodeType().name().toLowerCase(Locale.ROOT)
                                               + " at the top (expected: an object with the fields " + FIELDS + ")");
        }
        final List<String> problems = new ArrayList<>();
        final Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
        while (fields.hasNext()) {
            final String field = fields.next().getKey();
            if (!FIELDS.contains(field)) {
                problems.add(field + ": unknown field (expected one of " + FIELDS + ")");
            }
        }
        final long minRequests = integer(root, "min_requests", defaults.minRequests(), problems);
        final double maxErrorRate = number(root, "max_error_rate_percent", defaults.maxErrorRatePercent(), problems);
        final double outlierFactor = number(root, "latency_outlier_factor", defaults.latencyOutlierFactor(),
                                            problems);
        final double minOutlierMillis = number(root, "min_latency_outlier_ms", defaults.minLatencyOutlierMillis(),
                                               problems);
        final long restoreAfter = integer(root, "restore_after_windows", defaults.restoreAfterWindows(), problems);
        final double maxDemoted = number(root, "max_demoted_percent", defaults.maxDemotedPercent(), problems);
        final long minHealthy = integer(root, "min_healthy_in_best_tier", defaults.minHealthyInBestTier(), problems);
        if (problems.isEmpty()) {
            try {
                return new DemotionSettings(minRequests, maxErrorRate, outlierFactor, minOutlierMillis,
                                            toInt(restoreAfter, "restore_after_windows"), maxDemoted,
                                            toInt(minHealthy, "min_healthy_in_best_tier"));
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        throw new IllegalArgumentException(source + ": " + String.join("; ", problems));
    }

    private static long integer(JsonNode root, String field, long defaultValue, List<String> problems) {
        final JsonNode value = root.get(field);
        if (value == null) {
            return defaultValue;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            problems.add(field + ": " + value + " (expected: an integer)");
            return defaultValue;
        }
        return value.asLong();
    }

    private static double number(JsonNode root, String field, double defaultValue, List<String> problems) {
        final JsonNode value = root.get(field);
        if (value == null) {
            return defaultValue;
        }
        if (!value.isNumber()) {
            problems.add(field + ": " + value + " (expected: a number)");
            return defaultValue;
        }
        return value.asDouble();
    }

    private static int toInt(long value, String field) {
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: at most " + Integer.MAX_VALUE + ")");
        }
        return (int) value;
    }
}
