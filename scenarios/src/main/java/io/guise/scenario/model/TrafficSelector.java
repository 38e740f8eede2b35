package io.guise.scenario.model;

import static java.util.Objects.requireNonNull;

/**
 * The requests an expectation measures: those a persona served, or those a load
 * group sent.
 *
 * @param kind whether {@code id} names a persona or a load group
 * @param id the persona id or group name
 */
public record TrafficSelector(Kind kind, String id) {

    /** Kind of entity that {@link #id()} names. */
    public enum Kind {
        PERSONA,
        GROUP
    }

    public TrafficSelector {
        requireNonNull(kind, "kind");
        requireNonNull(id, "id");
    }
}
