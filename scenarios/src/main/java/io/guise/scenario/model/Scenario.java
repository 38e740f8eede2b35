package io.guise.scenario.model;

import static java.util.Objects.requireNonNull;

import io.guise.proto.Persona;
import io.guise.proto.SubsetEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A scenario file: what to start on loopback, which load to drive, which changes
 * and faults to play and what to check. {@link ScenarioLoader} builds it and
 * checks every rule, so a loaded scenario is consistent: every name it refers to
 * exists and every time lies within {@link #duration()}.
 *
 * @param name the scenario's name; the file name without its extension when the file sets none
 * @param description free text, empty when absent
 * @param seed the seed of every random source in the run
 * @param duration how long the load runs, and the end of the timeline
 * @param accessPoints the access points to start
 * @param fleet the endpoint pools, in file order
 * @param personas the personas applied before the load starts
 * @param subsets the subset-map entries applied before the load starts
 * @param load the client groups
 * @param timeline the events in order of {@link TimelineEvent#at()}; events at the same time keep file order
 * @param expect the expectations checked after the run
 * @param network the links that go through a fault proxy; {@link Network#NONE} when the file has none
 * @param manager the manager's health settings; {@link ManagerSettings#DEFAULT} when the file has none
 */
public record Scenario(
        String name,
        String description,
        long seed,
        Duration duration,
        AccessPoints accessPoints,
        List<Pool> fleet,
        List<Persona> personas,
        List<SubsetEntry> subsets,
        List<ClientGroup> load,
        List<TimelineEvent> timeline,
        List<Expectation> expect,
        Network network,
        ManagerSettings manager) {

    public Scenario {
        requireNonNull(name, "name");
        requireNonNull(description, "description");
        requireNonNull(duration, "duration");
        requireNonNull(accessPoints, "accessPoints");
        fleet = List.copyOf(fleet);
        personas = List.copyOf(personas);
        subsets = List.copyOf(subsets);
        load = List.copyOf(load);
        timeline = List.copyOf(timeline);
        expect = List.copyOf(expect);
        requireNonNull(network, "network");
        requireNonNull(manager, "manager");
    }

    /** Returns this scenario with another Toxiproxy serving its network links. */
    public Scenario withToxiproxy(Network.ToxiproxyChoice choice) {
        return new Scenario(name, description, seed, duration, accessPoints, fleet, personas, subsets, load, timeline,
                expect, network.withToxiproxy(choice), manager);
    }

    /** Returns the ids of every fleet endpoint, pool by pool, such as {@code api-1, api-2, web-1}. */
    public List<String> endpointIds() {
        final List<String> ids = new ArrayList<>();
        for (Pool pool : fleet) {
            ids.addAll(pool.endpointIds());
        }
        return List.copyOf(ids);
    }
}
