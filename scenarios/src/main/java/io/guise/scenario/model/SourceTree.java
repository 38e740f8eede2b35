package io.guise.scenario.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A YAML document read into a Jackson tree, with the line of every value by its
 * path, such as {@code fleet[0].behaviour.latency}. Reading rejects YAML aliases,
 * duplicate keys, integers that are not plain decimal (YAML 1.1 would read 017 as
 * octal) and numbers beyond the range of a double, and reports each with its line.
 * Not thread-safe: one instance per document.
 */
final class SourceTree {

    /** Maximum size of a scenario file, in characters. */
    static final int MAX_CHARS = 1024 * 1024;

    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_]+");
    private static final Pattern DECIMAL_INTEGER = Pattern.compile("-?(0|[1-9][0-9]{0,39})");

    private static final YAMLFactory YAML = YAMLFactory.builder()
            .loaderOptions(loaderOptions())
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(64)
                    .maxNumberLength(64)
                    .maxStringLength(64 * 1024)
                    .maxNameLength(1024)
                    .maxDocumentLength(MAX_CHARS)
                    .build())
            // Reading reports duplicates itself, together with the other problems.
            .disable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final JsonNodeFactory nodes = JsonNodeFactory.instance;
    private final Map<String, Integer> lines;
    private final Problems problems;
    private JsonParser parser;

    private SourceTree(Map<String, Integer> lines, Problems problems) {
        this.lines = lines;
        this.problems = problems;
    }

    /**
     * Reads the text, adding the line of each path to {@code lines} and every
     * problem to {@code problems}. Returns the root, or null when the text contains
     * no object to read.
     */
    static JsonNode read(String text, Map<String, Integer> lines, Problems problems) {
        return new SourceTree(lines, problems).readDocument(text);
    }

    /** Returns the path of a key inside the object at {@code path}, written as the loader writes paths. */
    static String childPath(String path, String key) {
        final boolean plain = PLAIN_KEY.matcher(key).matches();
        if (path.isEmpty()) {
            return plain ? key : "[" + io.guise.validation.Violation.quote(key) + "]";
        }
        return plain ? path + "." + key : path + "[" + io.guise.validation.Violation.quote(key) + "]";
    }

    private JsonNode readDocument(String text) {
        if (text.isBlank()) {
            problems.addFileProblem("empty file (expected: a scenario, an object with at least duration, "
                    + "access_points and fleet)");
            return null;
        }
        try (JsonParser yaml = YAML.createParser(text)) {
            parser = yaml;
            final JsonToken first = parser.nextToken();
            if (first == null) {
                problems.addFileProblem("no content (expected: a scenario, an object with at least duration, "
                        + "access_points and fleet)");
                return null;
            }
            if (first != JsonToken.START_OBJECT) {
                problems.addFormatted(location() + "(document): " + describe()
                        + " (expected: a scenario, an object with fields such as duration and fleet)");
                return null;
            }
            final JsonNode root = readValue("");
            if (parser.nextToken() != null) {
                problems.addFormatted(location() + "(document): a second document (expected: exactly one "
                        + "document, so remove the \"---\" separator and what follows)");
            }
            return root;
        } catch (JsonProcessingException e) {
            final int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            problems.addFormatted((line > 0 ? problems.sourceName() + ":" + line : problems.sourceName())
                    + ": invalid YAML: " + e.getOriginalMessage().replace('\n', ' '));
        } catch (YAMLException e) {
            // SnakeYAML reports some limits, such as the alias limit, unwrapped.
            problems.addFileProblem("invalid YAML: " + String.valueOf(e.getMessage()).replace('\n', ' '));
        } catch (IOException e) {
            // Reading from a String performs no I/O, so this is a parser failure.
            problems.addFileProblem("unreadable YAML: " + e);
        }
        return null;
    }

    /** Reads the value at the current token; returns null for a value it reported as a problem. */
    private JsonNode readValue(String path) throws IOException {
        lines.putIfAbsent(path, parser.currentTokenLocation().getLineNr());
        if (parser instanceof YAMLParser yamlParser && yamlParser.isCurrentAlias()) {
            problems.add(path, "YAML alias *" + parser.getText(),
                    "the value written out, because aliases are not supported");
            return null;
        }
        final JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT:
                return readObject(path);
            case START_ARRAY:
                return readArray(path);
            case VALUE_STRING:
                return nodes.textNode(parser.getText());
            case VALUE_NUMBER_INT:
                return readInteger(path);
            case VALUE_NUMBER_FLOAT:
                return readFloat(path);
            case VALUE_TRUE:
            case VALUE_FALSE:
                return nodes.booleanNode(token == JsonToken.VALUE_TRUE);
            case VALUE_NULL:
                return nodes.nullNode();
            default:
                problems.add(path, describe(), "a string, number, boolean, list or object");
                parser.skipChildren();
                return null;
        }
    }

    private ObjectNode readObject(String path) throws IOException {
        final ObjectNode out = nodes.objectNode();
        final Set<String> seen = new HashSet<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            final String key = parser.currentName();
            final String keyPath = childPath(path, key);
            parser.nextToken();
            if (!seen.add(key)) {
                problems.addFormatted(location() + keyPath + ": duplicate key (expected: each key once per object)");
                parser.skipChildren();
                continue;
            }
            final JsonNode value = readValue(keyPath);
            if (value != null) {
                out.set(key, value);
            }
        }
        return out;
    }

    private ArrayNode readArray(String path) throws IOException {
        final ArrayNode out = nodes.arrayNode();
        int index = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            final JsonNode value = readValue(path + "[" + index + "]");
            // A rejected element keeps its place, so later indexes match the file.
            out.add(value == null ? nodes.missingNode() : value);
            index++;
        }
        return out;
    }

    private JsonNode readInteger(String path) throws IOException {
        final String text = parser.getText();
        if (!DECIMAL_INTEGER.matcher(text).matches()) {
            problems.add(path, text, "an integer in plain decimal without leading zeros, such as 15");
            return null;
        }
        final BigInteger value = new BigInteger(text);
        return value.bitLength() < 64 ? nodes.numberNode(value.longValue()) : nodes.numberNode(value);
    }

    private JsonNode readFloat(String path) throws IOException {
        final double value = parser.getDoubleValue();
        if (Double.isInfinite(value) || Double.isNaN(value)) {
            problems.add(path, parser.getText(), "a finite number");
            return null;
        }
        return nodes.numberNode(value);
    }

    private String describe() throws IOException {
        final JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT:
                return "an object";
            case START_ARRAY:
                return "a list";
            case VALUE_STRING:
                return io.guise.validation.Violation.quote(parser.getText());
            case VALUE_EMBEDDED_OBJECT:
                return "a binary value";
            default:
                return parser.getText();
        }
    }

    private String location() {
        final int line = parser.currentTokenLocation().getLineNr();
        return (line > 0 ? problems.sourceName() + ":" + line : problems.sourceName()) + ": ";
    }

    private static LoaderOptions loaderOptions() {
        final LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_CHARS);
        // Aliases are rejected, so none needs expanding.
        options.setMaxAliasesForCollections(0);
        options.setAllowRecursiveKeys(false);
        options.setNestingDepthLimit(64);
        options.setAllowDuplicateKeys(false);
        return options;
    }
}
