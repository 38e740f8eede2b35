package io.guise.scenario.model;

import static java.util.Objects.requireNonNull;

import io.guise.proto.Listener;
import java.util.List;

/**
 * The access points of a run. Every access point serves the same listeners; with
 * a listener port of 0 each one gets its own port from the operating system.
 *
 * @param count how many access points to start, 1-1000
 * @param listeners the listeners, each with a unique name, in file order
 */
public record AccessPoints(int count, List<Listener> listeners) {

    public AccessPoints {
        listeners = List.copyOf(listeners);
    }

    /** Returns the listener with this name, or null when there is none. */
    public Listener listener(String name) {
        requireNonNull(name, "name");
        for (Listener listener : listeners) {
            if (listener.getName().equals(name)) {
                return listener;
            }
        }
        return null;
    }
}
