package io.guise.scenario.model;

import static java.util.Objects.requireNonNull;

import io.guise.manager.health.DemotionSettings;
import java.time.Duration;

/**
 * The settings of the scenario's manager, from the file's {@code manager.health}
 * section. Immutable.
 *
 * @param healthWindow how often the manager closes a health window and decides demotions
 * @param heartbeatInterval how often each distribution stream gets a heartbeat
 * @param demotion the thresholds of the demotion policy
 */
public record ManagerSettings(Duration healthWindow, Duration heartbeatInterval, DemotionSettings demotion) {

    /** The manager's own defaults: 1 s windows, 1 s heartbeats, {@link DemotionSettings#defaults()}. */
    public static final ManagerSettings DEFAULT =
            new ManagerSettings(io.guise.manager.health.HealthLoop.DEFAULT_WINDOW,
                    io.guise.manager.distribution.DistributionServer.DEFAULT_HEARTBEAT_INTERVAL,
                    DemotionSettings.defaults());

    public ManagerSettings {
        requireNonNull(healthWindow, "healthWindow");
        requireNonNull(heartbeatInterval, "heartbeatInterval");
        requireNonNull(demotion, "demotion");
    }
}
