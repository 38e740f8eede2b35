package io.guise.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The toxic types of the Toxiproxy model and their attributes. Every attribute is
 * a whole number from 0 to its maximum and defaults to 0, as in Toxiproxy.
 */
public enum ToxicType {
    /** Delays each chunk of data by {@code latency} ms, plus or minus up to {@code jitter} ms drawn per chunk. */
    LATENCY(List.of("latency", "jitter")),
    /** Limits the stream to {@code rate} KB/s (1 KB = 1000 bytes); 0 leaves it unlimited. */
    BANDWIDTH(List.of("rate")),
    /** Delays closing the destination by {@code delay} ms after the source closed. */
    SLOW_CLOSE(List.of("delay")),
    /**
     * Stops all data and closes the connection {@code timeout} ms after the toxic
     * took effect. With 0 the connection stays open and the data waits until the
     * toxic is removed, then flows on.
     */
    TIMEOUT(List.of("timeout")),
    /** Resets the connection (TCP RST) {@code timeout} ms after the toxic took effect. */
    RESET_PEER(List.of("timeout")),
    /**
     * Splits each chunk into slices of {@code average_size} bytes, plus or minus up
     * to {@code size_variation} bytes drawn per slice, {@code delay} µs apart.
     */
    SLICER(List.of("average_size", "size_variation", "delay")),
    /** Closes the connection once {@code bytes} bytes went through the stream. */
    LIMIT_DATA(List.of("bytes"));

    /** The largest value of any attribute: about 31 years in milliseconds, or 1 TiB. */
    public static final long MAX_ATTRIBUTE = 1L << 40;

    private final List<String> attributes;

    ToxicType(List<String> attributes) {
        this.attributes = attributes;
    }

    /** Returns the attribute names, in the order the API lists them. */
    public List<String> attributes() {
        return attributes;
    }

    /** Returns the name used in the API, such as {@code slow_close}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Returns the type with this API name, or null when there is none. */
    public static ToxicType fromWireName(String name) {
        for (ToxicType type : values()) {
            if (type.wireName().equals(name)) {
                return type;
            }
        }
        return null;
    }

    /** Returns the API names of every type, for error messages. */
    public static String wireNames() {
        final List<String> names = new ArrayList<>();
        for (ToxicType type : values()) {
            names.add(type.wireName());
        }
        return String.join(", ", names);
    }
}
