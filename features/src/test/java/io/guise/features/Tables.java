package io.guise.features;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.guise.config.ConfigException;
import io.guise.config.ConfigLoader;
import io.guise.proto.Persona;
import io.guise.proto.Split;
import io.guise.proto.SplitArm;
import io.guise.proto.SubsetEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Turns the rows of feature tables into routing messages. A column is a field name
 * of the schema in snake_case; a dotted name such as {@code rate_limit.burst}
 * reaches into a nested message, and a repeated field takes a comma-separated
 * list. Empty cells leave the field unset. Stateless.
 */
final class Tables {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Tables() {
    }

    /**
     * Builds a persona from a row. {@code pool} names the endpoint pool (the
     * persona's {@code address}); address_family defaults to IPv4, port to 80 and
     * priority to 100.
     */
    static Persona persona(Map<String, String> row) {
        final ObjectNode json = NODES.objectNode()
                .put("address_family", "IPv4")
                .put("port", 80)
                .put("priority", 100);
        for (Map.Entry<String, String> cell : row.entrySet()) {
            final String column = cell.getKey().equals("pool") ? "address" : cell.getKey();
            put(json, Persona.getDescriptor(), column, cell.getValue());
        }
        return parse(json, Persona.getDefaultInstance());
    }

    /**
     * Builds a subset entry from a row with {@code prefix} and either {@code persona}
     * or {@code split}, written as arms such as {@code stable 90, canary 10}.
     */
    static SubsetEntry subset(Map<String, String> row) {
        final SubsetEntry.Builder entry = SubsetEntry.newBuilder().setPrefix(row.get("prefix"));
        final String persona = row.get("persona");
        if (persona != null && !persona.isBlank()) {
            entry.setPersona(persona.strip());
        }
        final String split = row.get("split");
        if (split != null && !split.isBlank()) {
            entry.setSplit(split(split, intOf(row.get("hash_seed"))));
        }
        entry.setMaxConcurrentRequests(intOf(row.get("max_concurrent_requests")));
        return entry.build();
    }

    /** Parses arms such as {@code stable 90, canary 10}. */
    static Split split(String arms, int hashSeed) {
        final Split.Builder split = Split.newBuilder().setHashSeed(hashSeed);
        for (String arm : arms.split(",")) {
            final String[] parts = arm.strip().split("\\s+");
            if (parts.length != 2) {
                throw new IllegalArgumentException("split arm: \"" + arm + "\" (expected: PERSONA WEIGHT)");
            }
            split.addArms(SplitArm.newBuilder().setPersona(parts[0]).setWeight(Integer.parseInt(parts[1])));
        }
        return split.build();
    }

    /** Splits a list written as {@code a, b and c}. */
    static List<String> list(String text) {
        final List<String> items = new ArrayList<>();
        for (String part : text.split(",|\\band\\b")) {
            if (!part.isBlank()) {
                items.add(part.strip());
            }
        }
        return items;
    }

    static int intOf(String cell) {
        return cell == null || cell.isBlank() ? 0 : Integer.parseInt(cell.strip());
    }

    /** Reads yes/no cells; an empty cell is null. */
    static Boolean yesNo(String cell) {
        if (cell == null || cell.isBlank()) {
            return null;
        }
        return switch (cell.strip()) {
            case "yes" -> true;
            case "no" -> false;
            default -> throw new IllegalArgumentException("cell: \"" + cell + "\" (expected: yes or no)");
        };
    }

    private static void put(ObjectNode json, Descriptor type, String column, String cell) {
        if (cell == null || cell.isBlank()) {
            return;
        }
        final int dot = column.indexOf('.');
        if (dot > 0) {
            final String name = column.substring(0, dot);
            final FieldDescriptor nested = field(type, name);
            final ObjectNode child = json.has(name) ? (ObjectNode) json.get(name) : json.putObject(name);
            put(child, nested.getMessageType(), column.substring(dot + 1), cell);
            return;
        }
        final FieldDescriptor field = field(type, column);
        final String value = cell.strip();
        if (field.isRepeated()) {
            final var array = json.putArray(column);
            Arrays.stream(value.split(",")).map(String::strip).forEach(array::add);
            return;
        }
        switch (field.getJavaType()) {
            case INT, LONG -> json.put(column, Long.parseLong(value));
            case DOUBLE, FLOAT -> json.put(column, Double.parseDouble(value));
            case BOOLEAN -> json.put(column, Boolean.parseBoolean(value));
            default -> json.put(column, value);
        }
    }

    private static FieldDescriptor field(Descriptor type, String name) {
        final FieldDescriptor field = type.findFieldByName(name);
        if (field == null) {
            throw new IllegalArgumentException("column: " + name + " (expected: a field of " + type.getName() + ")");
        }
        return field;
    }

    private static <M extends Message> M parse(ObjectNode json, M prototype) {
        try {
            return ConfigLoader.parse(json.toString(), ConfigLoader.Format.JSON, prototype, "feature table");
        } catch (ConfigException e) {
            throw new IllegalArgumentException("table row " + json + " is not a valid "
                                               + prototype.getDescriptorForType().getName() + ": " + e.getMessage(),
                                               e);
        }
    }
}
