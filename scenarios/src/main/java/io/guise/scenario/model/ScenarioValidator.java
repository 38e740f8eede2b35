package io.guise.scenario.model;

import io.guise.proto.Listener;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SubsetEntry;
import io.guise.validation.RoutingValidator;
import io.guise.validation.TlsCapabilities;
import io.guise.validation.Violation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks the rules that span sections of a scenario: names that refer to pools,
 * personas, endpoints, listeners and groups, times within the duration, and the
 * manager's own rules for personas and subsets. Personas and subset prefixes that
 * a timeline event creates count as existing everywhere, because a reference may
 * come before or after the event in the file. Not thread-safe.
 */
final class ScenarioValidator {

    private final Problems problems;
    private final RoutingValidator routing = new RoutingValidator(TlsCapabilities.jdk());

    ScenarioValidator(Problems problems) {
        this.problems = problems;
    }

    /** Checks the scenario, whose timeline is in file order, and returns it with every listener name resolved. */
    Scenario check(Scenario scenario) {
        final Set<String> pools = new HashSet<>();
        scenario.fleet().forEach(pool -> pools.add(pool.name()));
        final Set<String> endpointIds = new LinkedHashSet<>(scenario.endpointIds());
        final Map<String, Persona> allPersonas = allPersonas(scenario);
        final Set<String> allPrefixes = allPrefixes(scenario);

        for (Violation violation : routing.validate(RoutingSnapshot.newBuilder()
                .addAllPersonas(scenario.personas()).addAllSubsets(scenario.subsets()).build())) {
            problems.add(violation);
        }
        for (int i = 0; i < scenario.personas().size(); i++) {
            checkPool(scenario.personas().get(i), "personas[" + i + "]", pools);
        }

        checkSettingsPools(scenario.accessPoints(), pools);
        final List<ClientGroup> groups = checkLoad(scenario);
        checkNetwork(scenario.network(), endpointIds);
        checkTimeline(scenario, pools, endpointIds, allPersonas, allPrefixes);
        checkExpectations(scenario, groups, endpointIds, allPersonas.keySet(), allPrefixes);
        return new Scenario(scenario.name(), scenario.description(), scenario.seed(), scenario.duration(),
                scenario.accessPoints(), scenario.fleet(), scenario.personas(), scenario.subsets(), groups,
                scenario.timeline(), scenario.expect(), scenario.network(), scenario.manager());
    }

    /** Checks that the pools that access point settings name are fleet pools. */
    private void checkSettingsPools(AccessPoints accessPoints, Set<String> pools) {
        final io.guise.proto.AccessPointConfig settings = accessPoints.settings();
        final String rule = "the name of a fleet pool (" + String.join(", ", pools) + ")";
        for (int i = 0; i < settings.getHealthChecksCount(); i++) {
            final String pool = settings.getHealthChecks(i).getPool();
            if (!pools.contains(pool)) {
                problems.addString("access_points.settings.health_checks[" + i + "].pool", pool, rule);
            }
        }
        for (int i = 0; i < settings.getPoolBalancingCount(); i++) {
            final String pool = settings.getPoolBalancing(i).getPool();
            if (!pools.contains(pool)) {
                problems.addString("access_points.settings.pool_balancing[" + i + "].pool", pool, rule);
            }
        }
    }

    private static Map<String, Persona> allPersonas(Scenario scenario) {
        final Map<String, Persona> out = new LinkedHashMap<>();
        scenario.personas().forEach(persona -> out.put(persona.getId(), persona));
        for (TimelineEvent event : scenario.timeline()) {
            if (event.action() instanceof TimelineAction.Apply apply) {
                apply.personas().forEach(persona -> out.put(persona.getId(), persona));
            } else if (event.action() instanceof TimelineAction.UpdatePersona update) {
                out.put(update.persona().getId(), update.persona());
            }
        }
        return out;
    }

    private static Set<String> allPrefixes(Scenario scenario) {
        final Set<String> out = new LinkedHashSet<>();
        scenario.subsets().forEach(subset -> out.add(subset.getPrefix()));
        for (TimelineEvent event : scenario.timeline()) {
            if (event.action() instanceof TimelineAction.Apply apply) {
                apply.subsets().forEach(subset -> out.add(subset.getPrefix()));
            } else if (event.action() instanceof TimelineAction.UpdateSubset update) {
                out.add(update.subset().getPrefix());
            }
        }
        return out;
    }

    private void checkPool(Persona persona, String path, Set<String> pools) {
        if (!persona.getAddress().isEmpty() && !pools.contains(persona.getAddress())) {
            problems.addString(path + ".address", persona.getAddress(),
                    "the name of a fleet pool (" + String.join(", ", pools) + ")");
        }
    }

    private List<ClientGroup> checkLoad(Scenario scenario) {
        final List<ClientGroup> resolved = new ArrayList<>();
        final AccessPoints accessPoints = scenario.accessPoints();
        for (int i = 0; i < scenario.load().size(); i++) {
            final ClientGroup group = scenario.load().get(i);
            final String path = "load[" + i + "]";
            String listenerName = group.listener();
            Listener listener = null;
            if (listenerName.isEmpty()) {
                listener = accessPoints.listeners().stream()
                        .filter(candidate -> candidate.getMode().equals("L7")).findFirst().orElse(null);
                if (listener == null && !accessPoints.listeners().isEmpty()) {
                    problems.addMissing(path + ".listener", "a listener name, because no listener is L7");
                }
            } else {
                listener = accessPoints.listener(listenerName);
                if (listener == null) {
                    problems.addString(path + ".listener", listenerName, "a listener name from "
                            + "access_points.listeners (" + listenerNames(accessPoints) + ")");
                }
            }
            if (listener != null) {
                listenerName = listener.getName();
                if (!group.destination().isEmpty() && !listener.getAddressesList().contains(group.destination())) {
                    problems.addString(path + ".destination", group.destination(), "an address of listener "
                            + Violation.quote(listenerName) + " (" + String.join(", ", listener.getAddressesList())
                            + ")");
                }
            }
            final Duration end = group.start().plus(group.duration());
            if (end.compareTo(scenario.duration()) > 0) {
                problems.addString(path + ".duration", Fields.formatDuration(group.duration()),
                        "a duration that ends by the scenario's end, but start + duration is "
                                + Fields.formatDuration(end) + " and the scenario lasts "
                                + Fields.formatDuration(scenario.duration()));
            }
            resolved.add(new ClientGroup(group.name(), group.destination(), listenerName, group.clients(),
                    group.shape(), group.mix(), group.start(), group.duration()));
        }
        return resolved;
    }

    private static String listenerNames(AccessPoints accessPoints) {
        final List<String> names = new ArrayList<>();
        accessPoints.listeners().forEach(listener -> names.add(listener.getName()));
        return String.join(", ", names);
    }

    private void checkTimeline(Scenario scenario, Set<String> pools, Set<String> endpointIds,
                               Map<String, Persona> allPersonas, Set<String> allPrefixes) {
        for (int i = 0; i < scenario.timeline().size(); i++) {
            final TimelineEvent event = scenario.timeline().get(i);
            final String path = "timeline[" + i + "]";
            if (event.at().compareTo(scenario.duration()) > 0) {
                problems.addString(path + ".at", Fields.formatDuration(event.at()),
                        "a time within the scenario's duration, " + Fields.formatDuration(scenario.duration()));
            }
            final TimelineAction action = event.action();
            if (action instanceof TimelineAction.Apply apply) {
                checkPersonas(apply.personas(), path + ".personas", true, pools);
                checkSubsets(apply.subsets(), path + ".subsets", true, allPersonas);
            } else if (action instanceof TimelineAction.UpdatePersona update) {
                checkPersonas(List.of(update.persona()), path + ".persona", false, pools);
            } else if (action instanceof TimelineAction.DeletePersona delete) {
                if (!allPersonas.containsKey(delete.personaId())) {
                    problems.addString(path + ".persona", delete.personaId(),
                            "a persona id (" + String.join(", ", allPersonas.keySet()) + ")");
                }
            } else if (action instanceof TimelineAction.UpdateSubset update) {
                checkSubsets(List.of(update.subset()), path + ".subset", false, allPersonas);
            } else if (action instanceof TimelineAction.DeleteSubset delete) {
                if (!allPrefixes.contains(delete.prefix())) {
                    problems.addString(path + ".prefix", delete.prefix(),
                            "a prefix of the subset map (" + String.join(", ", allPrefixes) + ")");
                }
            } else if (action instanceof TimelineAction.PartitionAccessPoint partition) {
                checkTarget(partition.target(), path, scenario.accessPoints().count());
            } else if (action instanceof TimelineAction.HealAccessPoint heal) {
                checkTarget(heal.target(), path, scenario.accessPoints().count());
            } else if (linkOf(action) != null) {
                checkLinkAction(scenario, action, path);
            } else {
                checkEndpoint(endpointOf(action), path + ".endpoint", endpointIds);
            }
        }
    }

    private void checkNetwork(Network network, Set<String> endpointIds) {
        final Map<String, Integer> names = new LinkedHashMap<>();
        final Map<String, Integer> targets = new LinkedHashMap<>();
        for (int i = 0; i < network.links().size(); i++) {
            final Network.NetworkLink link = network.links().get(i);
            final String path = "network.links[" + i + "]";
            final Integer sameName = names.putIfAbsent(link.name(), i);
            if (sameName != null) {
                problems.addString(path + ".name", link.name(),
                        "a unique link name, but network.links[" + sameName + "] has it");
            }
            if (!link.toManager() && !endpointIds.contains(link.to())) {
                problems.addString(path + ".to", link.to(), "\"manager\" or an endpoint id of the fleet, such as "
                        + endpointIds.stream().findFirst().orElse("api-1"));
            }
            final Integer sameTarget = targets.putIfAbsent(link.to(), i);
            if (sameTarget != null) {
                problems.addString(path + ".to", link.to(), "one link per target, but network.links[" + sameTarget
                        + "] already leads there");
            }
            final Set<String> toxicNames = new HashSet<>();
            for (int t = 0; t < link.toxics().size(); t++) {
                if (!toxicNames.add(link.toxics().get(t).name())) {
                    problems.addString(path + ".toxics[" + t + "].name", link.toxics().get(t).name(),
                            "a toxic name unique on its link; name one of the toxics");
                }
            }
        }
    }

    /** Returns the link a network action names, or null for another action. */
    private static String linkOf(TimelineAction action) {
        if (action instanceof TimelineAction.AddToxic add) {
            return add.link();
        } else if (action instanceof TimelineAction.UpdateToxic update) {
            return update.link();
        } else if (action instanceof TimelineAction.RemoveToxic remove) {
            return remove.link();
        } else if (action instanceof TimelineAction.CutLink cut) {
            return cut.link();
        } else if (action instanceof TimelineAction.RestoreLink restore) {
            return restore.link();
        }
        return null;
    }

    private void checkLinkAction(Scenario scenario, TimelineAction action, String path) {
        final String linkName = linkOf(action);
        final Network.NetworkLink link = scenario.network().link(linkName);
        if (link == null) {
            final List<String> names = new ArrayList<>();
            scenario.network().links().forEach(candidate -> names.add(candidate.name()));
            problems.addString(path + ".link", linkName, names.isEmpty()
                    ? "a link of the network section, but the scenario has none; add network.links"
                    : "a link of the network section (" + String.join(", ", names) + ")");
            return;
        }
        final String toxic = action instanceof TimelineAction.UpdateToxic update ? update.toxic()
                : action instanceof TimelineAction.RemoveToxic remove ? remove.toxic() : null;
        if (toxic == null) {
            return;
        }
        final Set<String> known = new LinkedHashSet<>();
        link.toxics().forEach(candidate -> known.add(candidate.name()));
        for (TimelineEvent event : scenario.timeline()) {
            if (event.action() instanceof TimelineAction.AddToxic add && add.link().equals(linkName)) {
                known.add(add.toxic().name());
            }
        }
        if (!known.contains(toxic)) {
            problems.addString(path + ".toxic", toxic, known.isEmpty()
                    ? "a toxic of link " + Violation.quote(linkName) + ", but no toxic is declared or added on it"
                    : "a toxic declared or added on link " + Violation.quote(linkName) + " ("
                            + String.join(", ", known) + ")");
        }
    }

    /** Returns the endpoint id an endpoint action names, or null for another action. */
    private static String endpointOf(TimelineAction action) {
        if (action instanceof TimelineAction.KillEndpoint kill) {
            return kill.endpointId();
        }
        if (action instanceof TimelineAction.RestartEndpoint restart) {
            return restart.endpointId();
        }
        if (action instanceof TimelineAction.SlowEndpoint slow) {
            return slow.endpointId();
        }
        if (action instanceof TimelineAction.FailEndpoint fail) {
            return fail.endpointId();
        }
        if (action instanceof TimelineAction.HealEndpoint heal) {
            return heal.endpointId();
        }
        return null;
    }

    private void checkEndpoint(String endpointId, String path, Set<String> endpointIds) {
        if (endpointId != null && !endpointIds.contains(endpointId)) {
            problems.addString(path, endpointId, "an endpoint id of the fleet, <pool>-<n> with n from 1 to the "
                    + "pool's count, such as " + endpointIds.stream().findFirst().orElse("api-1"));
        }
    }

    private void checkTarget(TimelineAction.AccessPointTarget target, String path, int count) {
        if (!target.all() && target.index() >= count) {
            problems.add(path + ".access_point", Integer.toString(target.index()),
                    "an access point index from 0 to " + (count - 1) + ", or \"all\"");
        }
    }

    /** Checks personas with the manager's rules; with {@code indexed} the path of each persona ends in [i]. */
    private void checkPersonas(List<Persona> personas, String path, boolean indexed, Set<String> pools) {
        for (Violation violation : routing.validate(RoutingSnapshot.newBuilder().addAllPersonas(personas).build())) {
            problems.add(rebase(violation, "personas", path, indexed));
        }
        for (int i = 0; i < personas.size(); i++) {
            checkPool(personas.get(i), indexed ? path + "[" + i + "]" : path, pools);
        }
    }

    /** Checks subset entries with the manager's rules, against every persona the scenario defines. */
    private void checkSubsets(List<SubsetEntry> subsets, String path, boolean indexed,
                              Map<String, Persona> allPersonas) {
        final RoutingSnapshot snapshot = RoutingSnapshot.newBuilder()
                .addAllPersonas(allPersonas.values()).addAllSubsets(subsets).build();
        for (Violation violation : routing.validate(snapshot)) {
            if (violation.path().startsWith("subsets[")) {
                problems.add(rebase(violation, "subsets", path, indexed));
            }
        }
    }

    /** Moves a violation of {@code list[i]...} to {@code path[i]...}, or to {@code path...} for a single item. */
    private static Violation rebase(Violation violation, String list, String path, boolean indexed) {
        final String rest = violation.path().substring(list.length());
        if (indexed) {
            return new Violation(path + rest, violation.value(), violation.rule());
        }
        final String afterIndex = rest.startsWith("[") ? rest.substring(rest.indexOf(']') + 1) : rest;
        return new Violation(path + afterIndex, violation.value(), violation.rule());
    }

    private void checkExpectations(Scenario scenario, List<ClientGroup> groups, Set<String> endpointIds,
                                   Set<String> personaIds, Set<String> prefixes) {
        final Set<String> groupNames = new LinkedHashSet<>();
        groups.forEach(group -> groupNames.add(group.name()));
        for (int i = 0; i < scenario.expect().size(); i++) {
            final String path = "expect[" + i + "]";
            final Expectation expectation = scenario.expect().get(i);
            if (expectation instanceof Expectation.ErrorShare share) {
                checkName(share.persona(), path + ".persona", personaIds, "persona id");
            } else if (expectation instanceof Expectation.InjectedErrorShare share) {
                checkName(share.persona(), path + ".persona", personaIds, "persona id");
            } else if (expectation instanceof Expectation.LatencyPercentile latency) {
                checkTraffic(latency.traffic(), path, personaIds, groupNames);
            } else if (expectation instanceof Expectation.SuccessRate rate) {
                checkTraffic(rate.traffic(), path, personaIds, groupNames);
            } else if (expectation instanceof Expectation.ArmShare share) {
                checkName(share.arm(), path + ".arm", personaIds, "persona id");
                if (share.prefix() != null) {
                    checkName(share.prefix(), path + ".prefix", prefixes, "prefix of the subset map");
                } else {
                    checkName(share.group(), path + ".group", groupNames, "load group name");
                }
            } else if (expectation instanceof Expectation.DemotionWithin demotion) {
                checkEndpoint(demotion.endpointId(), path + ".endpoint", endpointIds);
                checkFaulted(scenario, demotion.endpointId(), path, false);
            } else if (expectation instanceof Expectation.RestorationWithin restoration) {
                checkEndpoint(restoration.endpointId(), path + ".endpoint", endpointIds);
                checkFaulted(scenario, restoration.endpointId(), path, true);
            } else if (expectation instanceof Expectation.ArmWeight weight) {
                checkArm(scenario, weight, path, prefixes);
            } else if (expectation instanceof Expectation.NoTrafficWhileDown down) {
                checkEndpoint(down.endpointId(), path + ".endpoint", endpointIds);
            } else if (expectation instanceof Expectation.ConvergenceWithin) {
                if (!hasHealing(scenario)) {
                    problems.add(path + ".kind", "\"convergence_within\"", "a timeline with a partition that heals: "
                            + "a restore_link of a link to the manager, or a heal_access_point");
                }
            } else if (expectation instanceof Expectation.Throughput throughput) {
                checkName(throughput.group(), path + ".group", groupNames, "load group name");
            }
        }
    }

    /**
     * Checks that the timeline gives the endpoint a fault to measure from: a kill, slow or fail event, or a toxic
     * added to its link; with {@code ending}, also an event that ends one.
     */
    private void checkFaulted(Scenario scenario, String endpointId, String path, boolean ending) {
        if (!scenario.endpointIds().contains(endpointId)) {
            return;
        }
        boolean onset = false;
        boolean end = false;
        for (TimelineEvent event : scenario.timeline()) {
            final TimelineAction action = event.action();
            if (action instanceof TimelineAction.KillEndpoint kill) {
                onset |= kill.endpointId().equals(endpointId);
            } else if (action instanceof TimelineAction.SlowEndpoint slow) {
                onset |= slow.endpointId().equals(endpointId);
            } else if (action instanceof TimelineAction.FailEndpoint fail) {
                onset |= fail.endpointId().equals(endpointId);
            } else if (action instanceof TimelineAction.AddToxic add) {
                onset |= leadsTo(scenario, add.link(), endpointId);
            } else if (action instanceof TimelineAction.RestartEndpoint restart) {
                end |= restart.endpointId().equals(endpointId);
            } else if (action instanceof TimelineAction.HealEndpoint heal) {
                end |= heal.endpointId().equals(endpointId);
            } else if (action instanceof TimelineAction.RemoveToxic remove) {
                end |= leadsTo(scenario, remove.link(), endpointId);
            } else if (action instanceof TimelineAction.RestoreLink restore) {
                end |= leadsTo(scenario, restore.link(), endpointId);
            }
        }
        if (!onset) {
            problems.addString(path + ".endpoint", endpointId, "an endpoint that the timeline makes bad with "
                    + "kill_endpoint, slow_endpoint, fail_endpoint or an add_toxic on its link");
        } else if (ending && !end) {
            problems.addString(path + ".endpoint", endpointId, "an endpoint whose fault the timeline ends with "
                    + "restart_endpoint, heal_endpoint, or a remove_toxic or restore_link on its link");
        }
    }

    private static boolean leadsTo(Scenario scenario, String linkName, String endpointId) {
        final Network.NetworkLink link = scenario.network().link(linkName);
        return link != null && link.to().equals(endpointId);
    }

    /** Checks that an arm_weight expectation names a prefix and an arm of a split the file defines there. */
    private void checkArm(Scenario scenario, Expectation.ArmWeight weight, String path, Set<String> prefixes) {
        if (!prefixes.contains(weight.prefix())) {
            checkName(weight.prefix(), path + ".prefix", prefixes, "prefix of the subset map");
            return;
        }
        final List<SubsetEntry> entries = new ArrayList<>(scenario.subsets());
        for (TimelineEvent event : scenario.timeline()) {
            if (event.action() instanceof TimelineAction.Apply apply) {
                entries.addAll(apply.subsets());
            } else if (event.action() instanceof TimelineAction.UpdateSubset update) {
                entries.add(update.subset());
            }
        }
        final Set<String> arms = new LinkedHashSet<>();
        for (SubsetEntry entry : entries) {
            if (entry.getPrefix().equals(weight.prefix()) && entry.hasSplit()) {
                entry.getSplit().getArmsList().forEach(arm -> arms.add(arm.getPersona()));
            }
        }
        if (arms.isEmpty()) {
            problems.addString(path + ".prefix", weight.prefix(), "the prefix of a subset with a split, but "
                    + "no entry for it has one");
        } else if (!arms.contains(weight.arm())) {
            problems.addString(path + ".arm", weight.arm(), "an arm of the split at " + weight.prefix() + " ("
                    + String.join(", ", arms) + ")");
        }
    }

    private static boolean hasHealing(Scenario scenario) {
        for (TimelineEvent event : scenario.timeline()) {
            if (event.action() instanceof TimelineAction.HealAccessPoint) {
                return true;
            }
            if (event.action() instanceof TimelineAction.RestoreLink restore) {
                final Network.NetworkLink link = scenario.network().link(restore.link());
                if (link != null && link.toManager()) {
                    return true;
                }
            }
        }
        return false;
    }

    private void checkTraffic(TrafficSelector traffic, String path, Set<String> personaIds, Set<String> groupNames) {
        if (traffic.kind() == TrafficSelector.Kind.PERSONA) {
            checkName(traffic.id(), path + ".persona", personaIds, "persona id");
        } else {
            checkName(traffic.id(), path + ".group", groupNames, "load group name");
        }
    }

    private void checkName(String name, String path, Set<String> known, String what) {
        if (!known.contains(name)) {
            problems.addString(path, name, "a " + what + " (" + String.join(", ", known) + ")");
        }
    }
}
