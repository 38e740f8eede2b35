package io.guise.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import io.guise.validation.Violation;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads one JSON or YAML document from a Jackson parser along a protobuf
 * descriptor. It checks field names and value types, collects every problem with
 * its path and line, and builds a JSON tree in the proto3 JSON mapping that
 * {@code JsonFormat} can merge. The read methods return null for a value they
 * reported as a problem, so that value is left out of the tree. Not thread-safe:
 * one instance reads one document.
 */
final class ProtoTreeReader {

    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_]+");
    // Plain decimal only, because YAML 1.1 reads 017 as octal 15 and 0x50 as 80.
    private static final Pattern DECIMAL_INTEGER = Pattern.compile("-?(0|[1-9][0-9]{0,39})");
    private static final BigInteger INT_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
    private static final BigInteger INT_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final BigInteger UINT_MAX = BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE);
    private static final BigInteger ULONG_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private final JsonParser parser;
    private final String sourceName;
    private final List<String> problems = new ArrayList<>();
    private final JsonNodeFactory nodes = JsonNodeFactory.instance;
    private final String basePath;
    private final ToIntFunction<String> lineOfPath;

    ProtoTreeReader(JsonParser parser, String sourceName) {
        this(parser, sourceName, "", null);
    }

    /**
     * Creates a reader whose paths start with {@code basePath} and whose lines come
     * from {@code lineOfPath}, for a parser that carries no locations of its own,
     * such as one that walks a tree. A line of 0 or less leaves the line out.
     */
    ProtoTreeReader(JsonParser parser, String sourceName, String basePath, ToIntFunction<String> lineOfPath) {
        this.parser = parser;
        this.sourceName = sourceName;
        this.basePath = basePath;
        this.lineOfPath = lineOfPath;
    }

    List<String> problems() {
        return problems;
    }

    /**
     * Reads the whole document, which must be one object of {@code type}.
     * Returns the tree, or {@code null} when the document has no object to read.
     */
    ObjectNode readDocument(Descriptor type) throws IOException {
        final JsonToken first = parser.nextToken();
        if (first == null) {
            problems.add(sourceName + ": empty document (expected: an object with the fields of "
                    + type.getName() + ")");
            return null;
        }
        if (first != JsonToken.START_OBJECT) {
            addProblem(basePath.isEmpty() ? "(document)" : basePath, describeCurrentValue()
                    + " (expected: an object with the fields of " + type.getName() + ")");
            return null;
        }
        final ObjectNode tree = readObject(type, basePath);
        if (parser.nextToken() != null) {
            addProblem("(document)", "content after the first document (expected: exactly one document)");
        }
        return tree;
    }

    /** Reads the object that starts at the current START_OBJECT token. */
    private ObjectNode readObject(Descriptor type, String path) throws IOException {
        final ObjectNode out = nodes.objectNode();
        final Set<String> seenKeys = new HashSet<>();
        final Map<OneofDescriptor, String> oneofMembers = new HashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            final String name = parser.currentName();
            final String fieldPath = path.isEmpty() ? keyPath(name) : path + keyPathSuffix(name);
            parser.nextToken();
            if (!seenKeys.add(name)) {
                addProblem(fieldPath, "duplicate key (expected: each key once per object)");
                parser.skipChildren();
                continue;
            }
            final FieldDescriptor field = type.findFieldByName(name);
            if (field == null) {
                addProblem(fieldPath, "unknown field (expected one of: " + fieldNames(type) + ")");
                parser.skipChildren();
                continue;
            }
            if (rejectNullOrAlias(fieldPath, expectedType(field))) {
                continue; // checked first, so that a null oneof member counts as not set
            }
            final OneofDescriptor oneof = field.getRealContainingOneof();
            if (oneof != null) {
                final String other = oneofMembers.putIfAbsent(oneof, name);
                if (other != null) {
                    addProblem(fieldPath, other + " and " + name + " are both set (expected: only one of "
                            + oneof.getFields().stream().map(FieldDescriptor::getName)
                                    .collect(Collectors.joining(", ")) + ")");
                    parser.skipChildren();
                    continue;
                }
            }
            final JsonNode value = readField(field, fieldPath);
            if (value != null) {
                out.set(name, value);
            }
        }
        return out;
    }

    private JsonNode readField(FieldDescriptor field, String path) throws IOException {
        if (field.isMapField()) {
            return readMap(field, path);
        }
        if (field.isRepeated()) {
            return readList(field, path);
        }
        return readSingle(field, path);
    }

    private JsonNode readMap(FieldDescriptor field, String path) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            typeMismatch(path, expectedType(field));
            return null;
        }
        final FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
        final ObjectNode out = nodes.objectNode();
        final Set<String> seenKeys = new HashSet<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            final String key = parser.currentName();
            final String entryPath = path + "[" + Violation.quote(key) + "]";
            parser.nextToken();
            if (!seenKeys.add(key)) {
                addProblem(entryPath, "duplicate key (expected: each key once per object)");
                parser.skipChildren();
                continue;
            }
            if (rejectNullOrAlias(entryPath, expectedType(valueField))) {
                continue;
            }
            final JsonNode value = readSingle(valueField, entryPath);
            if (value != null) {
                out.set(key, value);
            }
        }
        return out;
    }

    private JsonNode readList(FieldDescriptor field, String path) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            typeMismatch(path, expectedType(field));
            return null;
        }
        final ArrayNode out = nodes.arrayNode();
        int index = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            final String elementPath = path + "[" + index + "]";
            index++;
            if (rejectNullOrAlias(elementPath, expectedElementType(field))) {
                continue;
            }
            final JsonNode value = readSingle(field, elementPath);
            if (value != null) {
                out.add(value);
            }
        }
        return out;
    }

    /** Reads one non-repeated value of the field's type at the current token. */
    private JsonNode readSingle(FieldDescriptor field, String path) throws IOException {
        final JsonToken token = parser.currentToken();
        switch (field.getJavaType()) {
            case MESSAGE:
                if (token != JsonToken.START_OBJECT) {
                    return typeMismatch(path, expectedElementType(field));
                }
                return readObject(field.getMessageType(), path);
            case STRING:
            case BYTE_STRING:
                if (token != JsonToken.VALUE_STRING) {
                    return typeMismatch(path, expectedElementType(field));
                }
                return nodes.textNode(parser.getText());
            case ENUM:
                return readEnum(field, path);
            case BOOLEAN:
                if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
                    return typeMismatch(path, expectedElementType(field));
                }
                return nodes.booleanNode(token == JsonToken.VALUE_TRUE);
            case INT:
            case LONG:
                return readInteger(field, path);
            case FLOAT:
            case DOUBLE:
                return readFloatingPoint(field, path);
            default:
                throw new IllegalStateException("unhandled field type: " + field.getJavaType());
        }
    }

    private JsonNode readEnum(FieldDescriptor field, String path) throws IOException {
        final String expected = expectedElementType(field);
        if (parser.currentToken() != JsonToken.VALUE_STRING) {
            return typeMismatch(path, expected);
        }
        if (field.getEnumType().findValueByName(parser.getText()) == null) {
            return typeMismatch(path, expected);
        }
        return nodes.textNode(parser.getText());
    }

    /**
     * Reads an integer written as a JSON number or, as the proto3 JSON mapping
     * allows, as a decimal string, and checks it against the field's range.
     */
    private JsonNode readInteger(FieldDescriptor field, String path) throws IOException {
        final JsonToken token = parser.currentToken();
        if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_STRING) {
            return typeMismatch(path, expectedElementType(field));
        }
        if (!DECIMAL_INTEGER.matcher(parser.getText()).matches()) {
            final String expected = token == JsonToken.VALUE_STRING
                    ? expectedElementType(field)
                    : "an integer in plain decimal without leading zeros, such as 15";
            return typeMismatch(path, expected);
        }
        final BigInteger value = new BigInteger(parser.getText());
        final BigInteger min;
        final BigInteger max;
        switch (field.getType()) {
            case UINT32:
            case FIXED32:
                min = BigInteger.ZERO;
                max = UINT_MAX;
                break;
            case UINT64:
            case FIXED64:
                min = BigInteger.ZERO;
                max = ULONG_MAX;
                break;
            default:
                final boolean is32Bit = field.getJavaType() == FieldDescriptor.JavaType.INT;
                min = is32Bit ? INT_MIN : LONG_MIN;
                max = is32Bit ? INT_MAX : LONG_MAX;
                break;
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            addProblem(path, describeCurrentValue() + " (expected: an integer from " + min + " to " + max + ")");
            return null;
        }
        return nodes.numberNode(value);
    }

    /**
     * Reads a number, or one of the strings "NaN", "Infinity" and "-Infinity" that
     * the proto3 JSON mapping uses for values a JSON number cannot hold.
     */
    private JsonNode readFloatingPoint(FieldDescriptor field, String path) throws IOException {
        final JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_STRING) {
            final String text = parser.getText();
            if (text.equals("NaN") || text.equals("Infinity") || text.equals("-Infinity")) {
                return nodes.textNode(text);
            }
            return typeMismatch(path, expectedElementType(field));
        }
        if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
            return typeMismatch(path, expectedElementType(field));
        }
        double asDouble;
        try {
            asDouble = parser.getDecimalValue().doubleValue();
        } catch (NumberFormatException e) {
            asDouble = Double.POSITIVE_INFINITY; // an exponent beyond the range of BigDecimal
        }
        if (Double.isInfinite(asDouble)) {
            addProblem(path, describeCurrentValue() + " (expected: a number within the range of a double)");
            return null;
        }
        return nodes.numberNode(asDouble);
    }

    /**
     * Reports a null or a YAML alias at the current token and returns whether it
     * did. Nulls are rejected because the proto3 JSON mapping would read them as
     * the default value without a word. Aliases are rejected because the YAML
     * parser passes them on as the anchor's name, not as the anchored value.
     */
    private boolean rejectNullOrAlias(String path, String expected) throws IOException {
        if (parser instanceof YAMLParser && ((YAMLParser) parser).isCurrentAlias()) {
            addProblem(path, "YAML alias *" + parser.getText()
                    + " (expected: the value written out, because aliases are not supported)");
            return true;
        }
        if (parser.currentToken() == JsonToken.VALUE_NULL) {
            addProblem(path, "null (expected: " + expected + ", or leave the field out for its default)");
            return true;
        }
        return false;
    }

    private JsonNode typeMismatch(String path, String expected) throws IOException {
        addProblem(path, describeCurrentValue() + " (expected: " + expected + ")");
        parser.skipChildren();
        return null;
    }

    /** Describes the value at the current token the way a reader wrote it. */
    private String describeCurrentValue() throws IOException {
        final JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT:
                return "an object";
            case START_ARRAY:
                return "a list";
            case VALUE_STRING:
                return Violation.quote(parser.getText());
            case VALUE_EMBEDDED_OBJECT:
                return "a binary value";
            default:
                return parser.getText();
        }
    }

    private void addProblem(String path, String text) {
        final int line = lineOfPath != null
                ? lineOfPath.applyAsInt(path)
                : parser.currentTokenLocation().getLineNr();
        final String location = line > 0 ? sourceName + ":" + line : sourceName;
        problems.add(location + ": " + path + ": " + text);
    }

    private static String expectedType(FieldDescriptor field) {
        if (field.isMapField()) {
            return "an object of "
                    + withoutArticle(expectedElementType(field.getMessageType().findFieldByName("value"))) + " values";
        }
        if (field.isRepeated()) {
            return "a list of " + withoutArticle(expectedElementType(field)) + "s";
        }
        return expectedElementType(field);
    }

    private static String expectedElementType(FieldDescriptor field) {
        switch (field.getJavaType()) {
            case MESSAGE:
                return "an object";
            case STRING:
                return "a string";
            case BYTE_STRING:
                return "a base64 string";
            case ENUM:
                return "one of " + field.getEnumType().getValues().stream()
                        .map(value -> value.getName()).collect(Collectors.joining(", "));
            case BOOLEAN:
                return "true or false";
            case INT:
            case LONG:
                return "an integer";
            default:
                return "a number";
        }
    }

    private static String withoutArticle(String text) {
        if (text.startsWith("an ")) {
            return text.substring(3);
        }
        return text.startsWith("a ") ? text.substring(2) : text;
    }

    private static String fieldNames(Descriptor type) {
        return type.getFields().stream().map(FieldDescriptor::getName).collect(Collectors.joining(", "));
    }

    private static String keyPath(String key) {
        return PLAIN_KEY.matcher(key).matches() ? key : "[" + Violation.quote(key) + "]";
    }

    private static String keyPathSuffix(String key) {
        return PLAIN_KEY.matcher(key).matches() ? "." + key : "[" + Violation.quote(key) + "]";
    }
}
