package io.guise.manager.health;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One endpoint as the last health window saw it. Immutable.
 *
 * @param endpointId the endpoint
 * @param pool its pool
 * @param tier its tier in the routing state after the window's writes
 * @param originalTier the tier before its demotion; the same as {@code tier} when not demoted
 * @param demoted whether the health loop demoted it and has not restored it yet
 * @param hold the hold in force for it in the window ({@link DecisionRecord.Action#HOLD_CAP} or
 *     {@link DecisionRecord.Action#HOLD_FLEET_WIDE}), or null for none
 * @param requests requests of the window over every access point
 * @param failures failures and timeouts of the window
 * @param failurePercent failures as a share of requests, in percent
 * @param p99Millis p99 latency of the window; 0 without responses
 * @param reporters ids of the access points that reported it in the window, sorted
 */
public record EndpointHealth(String endpointId, String pool, int tier, int originalTier, boolean demoted,
                             DecisionRecord.Action hold, long requests, long failures, double failurePercent,
                             double p99Millis, List<String> reporters) {

    public EndpointHealth {
        requireNonNull(endpointId, "endpointId");
        requireNonNull(pool, "pool");
        reporters = List.copyOf(reporters);
    }

    /**
     * The endpoints as the last window left them.
     *
     * @param window the number of the window, from 1; 0 before the first
     * @param endMillis the manager clock when the window closed; 0 before the first
     * @param endpoints every endpoint of the routing state, in its order
     */
    public record LastWindow(long window, long endMillis, List<EndpointHealth> endpoints) {

        public static final LastWindow NONE = new LastWindow(0, 0, List.of());

        public LastWindow {
            endpoints = List.copyOf(endpoints);
        }
    }
}
