package io.guise.scenario.model;

import static java.util.Objects.requireNonNull;

import io.guise.chaos.Toxic;
import io.guise.proto.Persona;
import io.guise.proto.SubsetEntry;
import java.util.List;
import java.util.Map;

/** The change or fault of a timeline event, one record per action of the file format. */
public sealed interface TimelineAction {

    /** Returns the action's name as written in a scenario file, such as {@code kill_endpoint}. */
    String actionName();

    /** Sends personas and subset-map entries to the manager in one change, as {@code guise apply} does. */
    record Apply(List<Persona> personas, List<SubsetEntry> subsets) implements TimelineAction {
        public Apply {
            personas = List.copyOf(personas);
            subsets = List.copyOf(subsets);
        }

        @Override
        public String actionName() {
            return "apply";
        }
    }

    /** Creates or replaces one persona through the manager. */
    record UpdatePersona(Persona persona) implements TimelineAction {
        public UpdatePersona {
            requireNonNull(persona, "persona");
        }

        @Override
        public String actionName() {
            return "update_persona";
        }
    }

    /** Deletes one persona through the manager. */
    record DeletePersona(String personaId) implements TimelineAction {
        public DeletePersona {
            requireNonNull(personaId, "personaId");
        }

        @Override
        public String actionName() {
            return "delete_persona";
        }
    }

    /** Creates or replaces one subset-map entry through the manager. */
    record UpdateSubset(SubsetEntry subset) implements TimelineAction {
        public UpdateSubset {
            requireNonNull(subset, "subset");
        }

        @Override
        public String actionName() {
            return "update_subset";
        }
    }

    /** Deletes the subset-map entry with this prefix through the manager. */
    record DeleteSubset(String prefix) implements TimelineAction {
        public DeleteSubset {
            requireNonNull(prefix, "prefix");
        }

        @Override
        public String actionName() {
            return "delete_subset";
        }
    }

    /** Stops a fleet endpoint: it closes its socket and refuses connections. */
    record KillEndpoint(String endpointId) implements TimelineAction {
        public KillEndpoint {
            requireNonNull(endpointId, "endpointId");
        }

        @Override
        public String actionName() {
            return "kill_endpoint";
        }
    }

    /** Starts a killed fleet endpoint again on the same address and port. */
    record RestartEndpoint(String endpointId) implements TimelineAction {
        public RestartEndpoint {
            requireNonNull(endpointId, "endpointId");
        }

        @Override
        public String actionName() {
            return "restart_endpoint";
        }
    }

    /** Replaces a fleet endpoint's latency until a {@link HealEndpoint}. */
    record SlowEndpoint(String endpointId, Latency latency) implements TimelineAction {
        public SlowEndpoint {
            requireNonNull(endpointId, "endpointId");
            requireNonNull(latency, "latency");
        }

        @Override
        public String actionName() {
            return "slow_endpoint";
        }
    }

    /**
     * Makes a fleet endpoint fail this share of requests, 0-100, with one of
     * these statuses, until a {@link HealEndpoint}.
     */
    record FailEndpoint(String endpointId, double errorRatePercent, List<Integer> statusCodes)
            implements TimelineAction {
        public FailEndpoint {
            requireNonNull(endpointId, "endpointId");
            statusCodes = List.copyOf(statusCodes);
        }

        @Override
        public String actionName() {
            return "fail_endpoint";
        }
    }

    /** Gives a fleet endpoint back the behaviour its pool configures. */
    record HealEndpoint(String endpointId) implements TimelineAction {
        public HealEndpoint {
            requireNonNull(endpointId, "endpointId");
        }

        @Override
        public String actionName() {
            return "heal_endpoint";
        }
    }

    /** Stops the persona manager; access points keep serving their last table. */
    record StopManager() implements TimelineAction {
        @Override
        public String actionName() {
            return "stop_manager";
        }
    }

    /** Starts the persona manager again with the state it had when stopped. */
    record StartManager() implements TimelineAction {
        @Override
        public String actionName() {
            return "start_manager";
        }
    }

    /** Cuts access points off from the manager; they keep serving clients. */
    record PartitionAccessPoint(AccessPointTarget target) implements TimelineAction {
        public PartitionAccessPoint {
            requireNonNull(target, "target");
        }

        @Override
        public String actionName() {
            return "partition_access_point";
        }
    }

    /** Reconnects partitioned access points to the manager. */
    record HealAccessPoint(AccessPointTarget target) implements TimelineAction {
        public HealAccessPoint {
            requireNonNull(target, "target");
        }

        @Override
        public String actionName() {
            return "heal_access_point";
        }
    }

    /** Adds a toxic to a network link's proxy; it affects open connections too. */
    record AddToxic(String link, Toxic toxic) implements TimelineAction {
        public AddToxic {
            requireNonNull(link, "link");
            requireNonNull(toxic, "toxic");
        }

        @Override
        public String actionName() {
            return "add_toxic";
        }
    }

    /**
     * Changes a toxic of a network link: the toxicity when not null, and the
     * attributes given, which are merged over the current ones.
     */
    record UpdateToxic(String link, String toxic, Double toxicity, Map<String, Long> attributes)
            implements TimelineAction {
        public UpdateToxic {
            requireNonNull(link, "link");
            requireNonNull(toxic, "toxic");
            attributes = Map.copyOf(attributes);
        }

        @Override
        public String actionName() {
            return "update_toxic";
        }
    }

    /** Removes a toxic from a network link. */
    record RemoveToxic(String link, String toxic) implements TimelineAction {
        public RemoveToxic {
            requireNonNull(link, "link");
            requireNonNull(toxic, "toxic");
        }

        @Override
        public String actionName() {
            return "remove_toxic";
        }
    }

    /** Disables a network link's proxy: open connections close and new ones are refused. */
    record CutLink(String link) implements TimelineAction {
        public CutLink {
            requireNonNull(link, "link");
        }

        @Override
        public String actionName() {
            return "cut_link";
        }
    }

    /** Enables a network link's proxy again. */
    record RestoreLink(String link) implements TimelineAction {
        public RestoreLink {
            requireNonNull(link, "link");
        }

        @Override
        public String actionName() {
            return "restore_link";
        }
    }

    /**
     * One access point by its index from 0, or all of them.
     *
     * @param index the index, 0 to count - 1, or {@link #ALL}
     */
    record AccessPointTarget(int index) {

        /** The index value that means every access point. */
        public static final int ALL = -1;

        /** Returns whether the target is every access point. */
        public boolean all() {
            return index == ALL;
        }
    }
}
