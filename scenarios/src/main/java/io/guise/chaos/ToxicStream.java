package io.guise.chaos;

import java.util.Locale;

/**
 * The direction of a proxy connection that a toxic affects: {@code upstream} is
 * client to server, {@code downstream} is server to client.
 */
public enum ToxicStream {
    UPSTREAM,
    DOWNSTREAM;

    /** Returns the name used in the API, {@code upstream} or {@code downstream}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Returns the stream with this API name, or null when there is none. */
    public static ToxicStream fromWireName(String name) {
        for (ToxicStream stream : values()) {
            if (stream.wireName().equals(name)) {
                return stream;
            }
        }
        return null;
    }
}
