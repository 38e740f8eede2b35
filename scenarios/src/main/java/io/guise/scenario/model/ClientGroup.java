package io.guise.scenario.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * A group of virtual clients that send HTTP requests to one listener address.
 *
 * @param name the group name, unique in the scenario
 * @param destination the listener address the clients connect to; the subset map routes it
 * @param listener the name of the listener that binds {@code destination}
 * @param clients how many virtual clients, each with its own loopback source address, 1-10000
 * @param shape open loop at a rate or closed loop over a number of connections
 * @param mix the requests to send, picked by weight
 * @param start when the group starts, from the start of the run
 * @param duration how long the group sends; {@code start + duration} lies within the scenario's duration
 */
public record ClientGroup(
        String name,
        String destination,
        String listener,
        int clients,
        LoadShape shape,
        List<RequestMix> mix,
        Duration start,
        Duration duration) {

    public ClientGroup {
        requireNonNull(name, "name");
        requireNonNull(destination, "destination");
        requireNonNull(listener, "listener");
        requireNonNull(shape, "shape");
        mix = List.copyOf(mix);
        requireNonNull(start, "start");
        requireNonNull(duration, "duration");
    }
}
