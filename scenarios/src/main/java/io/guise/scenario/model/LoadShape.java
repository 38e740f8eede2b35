package io.guise.scenario.model;

/**
 * The pacing of a client group's requests. Open loop sends at a rate, on
 * schedule, whether or not earlier requests have finished. Closed loop sends the
 * next request on a connection when the previous response arrives.
 */
public sealed interface LoadShape {

    /** Open loop at a constant rate across the whole group. */
    record ConstantRate(double requestsPerSecond) implements LoadShape {}

    /** Open loop at a rate that changes linearly over the group's duration. */
    record RampRate(double fromRequestsPerSecond, double toRequestsPerSecond) implements LoadShape {}

    /** Closed loop: this many connections, spread over the group's clients. */
    record ClosedLoop(int connections) implements LoadShape {}
}
