package io.guise.scenario.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An endpoint pool of the fleet. Its endpoints have the ids {@code <name>-1} to
 * {@code <name>-<count>}, and a persona reaches them by naming the pool in its
 * {@code address}.
 *
 * @param name the pool name, 1-48 characters of [A-Za-z0-9._-]
 * @param count how many endpoints the pool has, 1-1000
 * @param region the region label, empty when absent
 * @param tier the priority tier of every endpoint, 0-15
 * @param weight the relative share of every endpoint within its tier, 0-10000
 * @param address the loopback IP the endpoints bind to
 * @param behaviour the behaviour of every endpoint that {@code overrides} does not replace
 * @param overrides behaviour by endpoint number (1 to {@code count}) for the endpoints that differ
 */
public record Pool(
        String name,
        int count,
        String region,
        int tier,
        int weight,
        String address,
        Behaviour behaviour,
        Map<Integer, Behaviour> overrides) {

    public Pool {
        requireNonNull(name, "name");
        requireNonNull(region, "region");
        requireNonNull(address, "address");
        requireNonNull(behaviour, "behaviour");
        overrides = Map.copyOf(overrides);
    }

    /** Returns the id of endpoint number {@code n}, counted from 1. */
    public String endpointId(int n) {
        return name + "-" + n;
    }

    /** Returns the ids of all endpoints, from {@code <name>-1} on. */
    public List<String> endpointIds() {
        final List<String> ids = new ArrayList<>(count);
        for (int n = 1; n <= count; n++) {
            ids.add(endpointId(n));
        }
        return List.copyOf(ids);
    }

    /** Returns the behaviour of endpoint number {@code n}, counted from 1. */
    public Behaviour behaviourOf(int n) {
        return overrides.getOrDefault(n, behaviour);
    }
}
