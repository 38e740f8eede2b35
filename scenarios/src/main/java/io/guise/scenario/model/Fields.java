package io.guise.scenario.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guise.validation.Violation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed access to the fields of one object in a scenario file. Creating it
 * reports every field not in the known list. Each getter reports a missing
 * required field, a null, or a value of the wrong type or out of range. It then
 * returns the fallback, so reading goes on and finds further problems.
 */
final class Fields {

    /** The rule text for a duration value. */
    static final String DURATION_RULE = "a duration such as \"500ms\", \"30s\", \"2m\" or \"1m30s\"";

    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

    private final ObjectNode node;
    private final String path;
    private final Problems problems;

    private Fields(ObjectNode node, String path, Problems problems) {
        this.node = node;
        this.path = path;
        this.problems = problems;
    }

    /**
     * Returns the fields of the object at {@code value}, or null after reporting a
     * value that is not an object.
     */
    static Fields of(JsonNode value, String path, Problems problems, List<String> knownFields) {
        if (!(value instanceof ObjectNode object)) {
            if (!value.isMissingNode()) {
                problems.add(path, describe(value), "an object with the fields " + String.join(", ", knownFields));
            }
            return null;
        }
        final Iterator<String> names = object.fieldNames();
        while (names.hasNext()) {
            final String name = names.next();
            if (!knownFields.contains(name)) {
                problems.add(SourceTree.childPath(path, name), "unknown field",
                        "one of " + String.join(", ", knownFields));
            }
        }
        return new Fields(object, path, problems);
    }

    String path() {
        return path;
    }

    String pathOf(String name) {
        return SourceTree.childPath(path, name);
    }

    boolean has(String name) {
        return node.has(name);
    }

    /** Returns the raw value, or null when the field is absent or null (a null is reported). */
    JsonNode raw(String name, String rule) {
        final JsonNode value = node.get(name);
        if (value == null) {
            return null;
        }
        if (value.isNull()) {
            problems.add(pathOf(name), "null", rule + ", or leave the field out");
            return null;
        }
        return value;
    }

    /** Returns a required value, reporting its absence. */
    JsonNode required(String name, String rule) {
        if (!node.has(name)) {
            problems.addMissing(pathOf(name), rule);
            return null;
        }
        return raw(name, rule);
    }

    String string(String name, String fallback, String rule) {
        final JsonNode value = raw(name, rule);
        return value == null ? fallback : asString(value, pathOf(name), rule, fallback);
    }

    /** Returns a required string, or null after reporting a problem. */
    String requiredString(String name, String rule) {
        final JsonNode value = required(name, rule);
        return value == null ? null : asString(value, pathOf(name), rule, null);
    }

    long integer(String name, long min, long max, long fallback) {
        final JsonNode value = raw(name, integerRule(min, max));
        return value == null ? fallback : asInteger(value, pathOf(name), min, max, fallback);
    }

    /** Returns a required integer, or {@code min - 1} after reporting a problem. */
    long requiredInteger(String name, long min, long max) {
        final JsonNode value = required(name, integerRule(min, max));
        return value == null ? min - 1 : asInteger(value, pathOf(name), min, max, min - 1);
    }

    double number(String name, double min, double max, double fallback) {
        final JsonNode value = raw(name, "a number " + rangeText(min, max));
        return value == null ? fallback : asNumber(value, pathOf(name), min, max, fallback);
    }

    /** Returns a required number, or NaN after reporting a problem. */
    double requiredNumber(String name, double min, double max) {
        final JsonNode value = required(name, "a number " + rangeText(min, max));
        return value == null ? Double.NaN : asNumber(value, pathOf(name), min, max, Double.NaN);
    }

    Duration duration(String name, Duration fallback) {
        final JsonNode value = raw(name, DURATION_RULE);
        return value == null ? fallback : asDuration(value, pathOf(name), fallback);
    }

    /** Returns a required duration, or null after reporting a problem. */
    Duration requiredDuration(String name) {
        final JsonNode value = required(name, DURATION_RULE);
        return value == null ? null : asDuration(value, pathOf(name), null);
    }

    /** Returns the elements of a list field, empty when absent; a missing node marks an element already reported. */
    List<JsonNode> list(String name, String elementRule) {
        final JsonNode value = raw(name, "a list of " + elementRule);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof ArrayNode array)) {
            problems.add(pathOf(name), describe(value), "a list of " + elementRule);
            return List.of();
        }
        final List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    /** Returns the integers of a list field, or the fallback when absent. */
    List<Integer> integerList(String name, int min, int max, List<Integer> fallback) {
        if (!node.has(name)) {
            return fallback;
        }
        final List<JsonNode> elements = list(name, "integers " + min + "-" + max);
        final List<Integer> out = new ArrayList<>();
        for (int i = 0; i < elements.size(); i++) {
            final long value = asInteger(elements.get(i), pathOf(name) + "[" + i + "]", min, max, min - 1L);
            if (value >= min) {
                out.add((int) value);
            }
        }
        return out;
    }

    String asString(JsonNode value, String path, String rule, String fallback) {
        if (!value.isTextual()) {
            report(value, path, rule, problems);
            return fallback;
        }
        return value.textValue();
    }

    private long asInteger(JsonNode value, String path, long min, long max, long fallback) {
        final String rule = integerRule(min, max);
        if (!value.isIntegralNumber()) {
            report(value, path, rule, problems);
            return fallback;
        }
        if (!value.canConvertToLong() || value.longValue() < min || value.longValue() > max) {
            problems.add(path, value.asText(), rule);
            return fallback;
        }
        return value.longValue();
    }

    private double asNumber(JsonNode value, String path, double min, double max, double fallback) {
        final String rule = "a number " + rangeText(min, max);
        if (!value.isNumber()) {
            report(value, path, rule, problems);
            return fallback;
        }
        final double number = value.doubleValue();
        if (number < min || number > max) {
            problems.add(path, value.asText(), rule);
            return fallback;
        }
        return number;
    }

    private Duration asDuration(JsonNode value, String path, Duration fallback) {
        if (!value.isTextual()) {
            report(value, path, DURATION_RULE, problems);
            return fallback;
        }
        final Duration parsed = parseDuration(value.textValue());
        if (parsed == null) {
            problems.addString(path, value.textValue(), DURATION_RULE);
            return fallback;
        }
        return parsed;
    }

    /** Parses a duration such as "1m30s" or "500ms"; returns null when the text is not one. */
    static Duration parseDuration(String text) {
        final Matcher matcher = DURATION.matcher(text);
        Duration total = Duration.ZERO;
        int end = 0;
        while (matcher.find() && matcher.start() == end) {
            final long amount = Long.parseLong(matcher.group(1));
            total = total.plus(switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            });
            end = matcher.end();
        }
        return end == text.length() && end > 0 ? total : null;
    }

    /** Writes a duration the way a scenario file would, such as "1m30s" or "250ms". */
    static String formatDuration(Duration duration) {
        if (duration.isZero()) {
            return "0s";
        }
        final StringBuilder text = new StringBuilder();
        long millis = duration.toMillis();
        final long[] unitMillis = {3_600_000, 60_000, 1000, 1};
        final String[] unitNames = {"h", "m", "s", "ms"};
        for (int i = 0; i < unitMillis.length; i++) {
            if (millis >= unitMillis[i]) {
                text.append(millis / unitMillis[i]).append(unitNames[i]);
                millis %= unitMillis[i];
            }
        }
        return text.toString();
    }

    static String integerRule(long min, long max) {
        return min == Long.MIN_VALUE && max == Long.MAX_VALUE ? "a 64-bit signed integer" : "an integer " + min + "-" + max;
    }

    static String rangeText(double min, double max) {
        return "from " + plain(min) + " to " + plain(max);
    }

    static String plain(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString((long) value) : Double.toString(value);
    }

    /** Describes a value the way the file wrote it: strings quoted, lists and objects in words. */
    static String describe(JsonNode value) {
        if (value.isTextual()) {
            return Violation.quote(value.textValue());
        }
        if (value.isArray()) {
            return "a list";
        }
        if (value.isObject()) {
            return "an object";
        }
        return value.asText();
    }

    private static void report(JsonNode value, String path, String rule, Problems problems) {
        if (problems != null && !value.isMissingNode()) {
            problems.add(path, describe(value), rule);
        }
    }
}
