package io.guise.scenario.model;

import static java.util.Objects.requireNonNull;

import io.guise.proto.AccessPointConfig;
import io.guise.proto.Listener;
import java.time.Duration;
import java.util.List;

/**
 * The access points of a run. Every access point serves the same listeners; with
 * a listener port of 0 each one gets its own port from the operating system.
 *
 * @param count how many access points to start, 1-1000
 * @param listeners the listeners, each with a unique name, in file order
 * @param healthInterval how often each access point reports endpoint health to the manager; zero for the
 *     access point's default
 * @param settings the fields of {@code access_points.settings} (retries, admission, ejection, ...) that every
 *     access point's config starts from; the default instance when the file sets none
 */
public record AccessPoints(int count, List<Listener> listeners, Duration healthInterval,
                           AccessPointConfig settings) {

    public AccessPoints {
        listeners = List.copyOf(listeners);
        requireNonNull(healthInterval, "healthInterval");
        requireNonNull(settings, "settings");
    }

    /** Access points with the default health interval and settings. */
    public AccessPoints(int count, List<Listener> listeners) {
        this(count, listeners, Duration.ZERO, AccessPointConfig.getDefaultInstance());
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
