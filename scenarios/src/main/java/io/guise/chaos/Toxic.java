package io.guise.chaos;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One toxic of a proxy, immutable. An update makes a new value with the next
 * {@code generation}, which also draws the toxicity decision of every connection
 * anew, as adding the toxic again would.
 *
 * @param name unique within its proxy
 * @param type what the toxic does
 * @param stream the direction it affects
 * @param toxicity the probability, 0 to 1, that it affects a connection; drawn once per connection
 * @param attributes every attribute of the type, in the type's order
 * @param generation 0 when added, +1 per update
 */
public record Toxic(String name, ToxicType type, ToxicStream stream, double toxicity, Map<String, Long> attributes,
                    long generation) {

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    static final String NAME_RULE = "1-64 characters of [A-Za-z0-9._-]";

    public Toxic {
        requireNonNull(name, "name");
        requireNonNull(type, "type");
        requireNonNull(stream, "stream");
        if (!NAME.matcher(name).matches()) {
            throw ChaosException.invalid("name", quote(name), NAME_RULE);
        }
        if (!(toxicity >= 0 && toxicity <= 1)) {
            throw ChaosException.invalid("toxicity", Double.toString(toxicity), "a number from 0 to 1");
        }
        final Map<String, Long> complete = new LinkedHashMap<>();
        for (String attribute : type.attributes()) {
            final Long value = attributes.getOrDefault(attribute, 0L);
            if (value == null || value < 0 || value > ToxicType.MAX_ATTRIBUTE) {
                throw ChaosException.invalid("attributes." + attribute, String.valueOf(value),
                        "a whole number from 0 to " + ToxicType.MAX_ATTRIBUTE);
            }
            complete.put(attribute, value);
        }
        for (String attribute : attributes.keySet()) {
            if (!complete.containsKey(attribute)) {
                throw ChaosException.invalid("attributes." + attribute, "unknown attribute",
                        "an attribute of " + type.wireName() + ": " + String.join(", ", type.attributes()));
            }
        }
        if (type == ToxicType.SLICER) {
            if (complete.get("average_size") < 1) {
                throw ChaosException.invalid("attributes.average_size", complete.get("average_size").toString(),
                        "a slice size of at least 1 byte");
            }
            if (complete.get("size_variation") >= complete.get("average_size")) {
                throw ChaosException.invalid("attributes.size_variation", complete.get("size_variation").toString(),
                        "less than average_size (" + complete.get("average_size") + ")");
            }
        }
        attributes = java.util.Collections.unmodifiableMap(complete);
    }

    /** Returns the name Toxiproxy gives a toxic that has none: {@code <type>_<stream>}. */
    public static String defaultName(ToxicType type, ToxicStream stream) {
        return type.wireName() + "_" + stream.wireName();
    }

    /** Returns an attribute's value. */
    public long attribute(String attribute) {
        final Long value = attributes.get(attribute);
        if (value == null) {
            throw new IllegalArgumentException("attribute: " + attribute + " (expected: one of " + attributes.keySet()
                    + ")");
        }
        return value;
    }

    /** Returns this toxic with the given toxicity and attributes merged over the current ones, one generation on. */
    public Toxic updated(double newToxicity, Map<String, Long> changedAttributes) {
        final Map<String, Long> merged = new LinkedHashMap<>(attributes);
        merged.putAll(changedAttributes);
        return new Toxic(name, type, stream, newToxicity, merged, generation + 1);
    }

    static String quote(String text) {
        return io.guise.validation.Violation.quote(text);
    }
}
