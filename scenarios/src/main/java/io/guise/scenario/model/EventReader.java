package io.guise.scenario.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.guise.proto.Persona;
import io.guise.proto.SubsetEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads the timeline and the expectations of a scenario file. Not thread-safe. */
final class EventReader {

    /** The fields each action takes besides {@code at} and {@code action}. */
    static final Map<String, List<String>> ACTION_FIELDS = Map.ofEntries(
            Map.entry("apply", List.of("personas", "subsets")),
            Map.entry("update_persona", List.of("persona")),
            Map.entry("delete_persona", List.of("persona")),
            Map.entry("update_subset", List.of("subset")),
            Map.entry("delete_subset", List.of("prefix")),
            Map.entry("kill_endpoint", List.of("endpoint")),
            Map.entry("restart_endpoint", List.of("endpoint")),
            Map.entry("slow_endpoint", List.of("endpoint", "latency")),
            Map.entry("fail_endpoint", List.of("endpoint", "error_rate_percent", "status_codes")),
            Map.entry("heal_endpoint", List.of("endpoint")),
            Map.entry("stop_manager", List.of()),
            Map.entry("start_manager", List.of()),
            Map.entry("partition_access_point", List.of("access_point")),
            Map.entry("heal_access_point", List.of("access_point")),
            Map.entry("add_toxic", List.of("link", "toxic")),
            Map.entry("update_toxic", List.of("link", "toxic", "toxicity", "attributes")),
            Map.entry("remove_toxic", List.of("link", "toxic")),
            Map.entry("cut_link", List.of("link")),
            Map.entry("restore_link", List.of("link")));

    static final String ACTION_RULE = "one of apply, update_persona, delete_persona, update_subset, delete_subset, "
            + "kill_endpoint, restart_endpoint, slow_endpoint, fail_endpoint, heal_endpoint, stop_manager, "
            + "start_manager, partition_access_point, heal_access_point, add_toxic, update_toxic, remove_toxic, "
            + "cut_link, restore_link";

    /** The fields each expectation kind takes besides {@code name} and {@code kind}. */
    static final Map<String, List<String>> KIND_FIELDS = Map.ofEntries(
            Map.entry("error_share", List.of("persona", "min_percent", "max_percent")),
            Map.entry("injected_error_share", List.of("persona", "min_percent", "max_percent")),
            Map.entry("latency_percentile", List.of("persona", "group", "percentile", "max_ms")),
            Map.entry("arm_share", List.of("prefix", "group", "arm", "min_percent", "max_percent")),
            Map.entry("demotion_within", List.of("endpoint", "max_ms")),
            Map.entry("restoration_within", List.of("endpoint", "max_ms")),
            Map.entry("arm_weight", List.of("prefix", "arm", "weight")),
            Map.entry("delta_propagation_p99", List.of("max_ms")),
            Map.entry("no_traffic_while_down", List.of("endpoint")),
            Map.entry("throughput", List.of("group", "min_rps")),
            Map.entry("success_rate", List.of("persona", "group", "min_percent", "max_percent")),
            Map.entry("convergence_within", List.of("max_ms")));

    static final String KIND_RULE = "one of error_share, injected_error_share, latency_percentile, arm_share, "
            + "demotion_within, restoration_within, arm_weight, delta_propagation_p99, no_traffic_while_down, "
            + "throughput, success_rate, convergence_within";

    private final ScenarioReader reader;
    private final Problems problems;

    EventReader(ScenarioReader reader) {
        this.reader = reader;
        this.problems = reader.problems();
    }

    List<TimelineEvent> readTimeline(Fields top) {
        final List<JsonNode> elements = top.list("timeline", "event objects");
        final List<TimelineEvent> events = new ArrayList<>();
        for (int i = 0; i < elements.size(); i++) {
            final String path = "timeline[" + i + "]";
            final JsonNode element = elements.get(i);
            final String action = selector(element, path, "action", ACTION_FIELDS, ACTION_RULE);
            if (action == null) {
                continue;
            }
            final List<String> known = new ArrayList<>(List.of("at", "action"));
            known.addAll(ACTION_FIELDS.get(action));
            final Fields fields = Fields.of(element, path, problems, known);
            final Duration at = fields.requiredDuration("at");
            final TimelineAction parsed = readAction(action, fields);
            if (at != null && parsed != null) {
                events.add(new TimelineEvent(at, parsed));
            }
        }
        return events;
    }

    /**
     * Returns the value of the field that selects an object's shape, such as
     * {@code action}, or null after reporting it missing, not an object or unknown.
     */
    private String selector(JsonNode element, String path, String field, Map<String, List<String>> choices,
                            String rule) {
        if (element.isMissingNode()) {
            return null;
        }
        if (!element.isObject()) {
            problems.add(path, Fields.describe(element), "an object with " + field + " and its fields");
            return null;
        }
        final JsonNode value = element.get(field);
        final String fieldPath = SourceTree.childPath(path, field);
        if (value == null) {
            problems.addMissing(fieldPath, rule);
            return null;
        }
        if (!value.isTextual() || !choices.containsKey(value.textValue())) {
            problems.add(fieldPath, Fields.describe(value), rule);
            return null;
        }
        return value.textValue();
    }

    private TimelineAction readAction(String action, Fields fields) {
        final String personaRule = "a persona id";
        switch (action) {
            case "apply": {
                final List<Persona> personas = new ArrayList<>();
                final List<JsonNode> personaNodes = fields.list("personas", "persona objects");
                for (int i = 0; i < personaNodes.size(); i++) {
                    final Persona persona = reader.parseProto(personaNodes.get(i),
                            fields.pathOf("personas") + "[" + i + "]", Persona.getDefaultInstance());
                    if (persona != null) {
                        personas.add(persona);
                    }
                }
                final List<SubsetEntry> subsets = new ArrayList<>();
                final List<JsonNode> subsetNodes = fields.list("subsets", "subset objects");
                for (int i = 0; i < subsetNodes.size(); i++) {
                    final SubsetEntry subset = reader.parseProto(subsetNodes.get(i),
                            fields.pathOf("subsets") + "[" + i + "]", SubsetEntry.getDefaultInstance());
                    if (subset != null) {
                        subsets.add(subset);
                    }
                }
                if (personaNodes.isEmpty() && subsetNodes.isEmpty()) {
                    problems.add(fields.path(), "no personas and no subsets", "at least one persona or subset");
                }
                return new TimelineAction.Apply(personas, subsets);
            }
            case "update_persona": {
                final JsonNode value = fields.required("persona", "a persona object");
                final Persona persona = value == null ? null
                        : reader.parseProto(value, fields.pathOf("persona"), Persona.getDefaultInstance());
                return persona == null ? null : new TimelineAction.UpdatePersona(persona);
            }
            case "delete_persona": {
                final String id = fields.requiredString("persona", personaRule);
                return id == null ? null : new TimelineAction.DeletePersona(id);
            }
            case "update_subset": {
                final JsonNode value = fields.required("subset", "a subset object with prefix and persona or split");
                final SubsetEntry subset = value == null ? null
                        : reader.parseProto(value, fields.pathOf("subset"), SubsetEntry.getDefaultInstance());
                return subset == null ? null : new TimelineAction.UpdateSubset(subset);
            }
            case "delete_subset": {
                final String prefix = fields.requiredString("prefix", "a CIDR prefix of the subset map");
                return prefix == null ? null : new TimelineAction.DeleteSubset(prefix);
            }
            case "stop_manager":
                return new TimelineAction.StopManager();
            case "start_manager":
                return new TimelineAction.StartManager();
            case "partition_access_point":
            case "heal_access_point": {
                final TimelineAction.AccessPointTarget target = readTarget(fields);
                if (target == null) {
                    return null;
                }
                return action.equals("heal_access_point")
                        ? new TimelineAction.HealAccessPoint(target)
                        : new TimelineAction.PartitionAccessPoint(target);
            }
            case "add_toxic":
            case "update_toxic":
            case "remove_toxic":
            case "cut_link":
            case "restore_link":
                return readLinkAction(action, fields);
            default:
                return readEndpointAction(action, fields);
        }
    }

    private TimelineAction readLinkAction(String action, Fields fields) {
        final String link = fields.requiredString("link", "the name of a network link");
        switch (action) {
            case "add_toxic": {
                final JsonNode value = fields.required("toxic", "a toxic object with type and attributes");
                final io.guise.chaos.Toxic toxic = value == null ? null
                        : reader.readToxic(value, fields.pathOf("toxic"));
                return link == null || toxic == null ? null : new TimelineAction.AddToxic(link, toxic);
            }
            case "update_toxic": {
                final String toxic = fields.requiredString("toxic", "the name of a toxic on the link");
                final double toxicity = fields.number("toxicity", 0, 1, Double.NaN);
                final JsonNode attributes = fields.raw("attributes", "an object of attributes");
                final java.util.Map<String, Long> values = attributes == null ? java.util.Map.of()
                        : reader.readToxicAttributes(attributes, fields.pathOf("attributes"), null);
                if (!fields.has("toxicity") && !fields.has("attributes")) {
                    problems.addMissing(fields.pathOf("attributes"), "toxicity, attributes or both");
                }
                return link == null || toxic == null ? null
                        : new TimelineAction.UpdateToxic(link, toxic, Double.isNaN(toxicity) ? null : toxicity,
                                values);
            }
            case "remove_toxic": {
                final String toxic = fields.requiredString("toxic", "the name of a toxic on the link");
                return link == null || toxic == null ? null : new TimelineAction.RemoveToxic(link, toxic);
            }
            case "cut_link":
                return link == null ? null : new TimelineAction.CutLink(link);
            default:
                return link == null ? null : new TimelineAction.RestoreLink(link);
        }
    }

    private TimelineAction readEndpointAction(String action, Fields fields) {
        final String endpoint = fields.requiredString("endpoint", "an endpoint id such as api-1");
        switch (action) {
            case "slow_endpoint": {
                final JsonNode value = fields.required("latency", "a latency object such as {ms: 200}");
                final Latency latency = value == null ? null : reader.readLatency(value, fields.pathOf("latency"));
                return endpoint == null || latency == null ? null
                        : new TimelineAction.SlowEndpoint(endpoint, latency);
            }
            case "fail_endpoint": {
                final double rate = fields.number("error_rate_percent", 0, 100, 100);
                final List<Integer> codes = reader.readStatusCodes(fields, List.of(500));
                return endpoint == null ? null : new TimelineAction.FailEndpoint(endpoint, rate, codes);
            }
            case "kill_endpoint":
                return endpoint == null ? null : new TimelineAction.KillEndpoint(endpoint);
            case "restart_endpoint":
                return endpoint == null ? null : new TimelineAction.RestartEndpoint(endpoint);
            default:
                return endpoint == null ? null : new TimelineAction.HealEndpoint(endpoint);
        }
    }

    private TimelineAction.AccessPointTarget readTarget(Fields fields) {
        final String rule = "an access point index from 0, or \"all\"";
        final JsonNode value = fields.required("access_point", rule);
        if (value == null) {
            return null;
        }
        if (value.isTextual() && value.textValue().equals("all")) {
            return new TimelineAction.AccessPointTarget(TimelineAction.AccessPointTarget.ALL);
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 0) {
            problems.add(fields.pathOf("access_point"), Fields.describe(value), rule);
            return null;
        }
        return new TimelineAction.AccessPointTarget(value.intValue());
    }

    List<Expectation> readExpectations(Fields top) {
        final List<JsonNode> elements = top.list("expect", "expectation objects");
        final List<Expectation> out = new ArrayList<>();
        for (int i = 0; i < elements.size(); i++) {
            final String path = "expect[" + i + "]";
            final String kind = selector(elements.get(i), path, "kind", KIND_FIELDS, KIND_RULE);
            if (kind == null) {
                continue;
            }
            final List<String> known = new ArrayList<>(List.of("name", "kind"));
            known.addAll(KIND_FIELDS.get(kind));
            final Fields fields = Fields.of(elements.get(i), path, problems, known);
            final Expectation expectation = readExpectation(kind, fields);
            if (expectation != null) {
                out.add(expectation);
            }
        }
        return out;
    }

    private Expectation readExpectation(String kind, Fields fields) {
        switch (kind) {
            case "error_share":
            case "injected_error_share": {
                final String persona = fields.requiredString("persona", "a persona id");
                final double[] range = readPercentRange(fields);
                final String name = name(fields, kind, persona);
                if (persona == null) {
                    return null;
                }
                return kind.equals("error_share")
                        ? new Expectation.ErrorShare(name, persona, range[0], range[1])
                        : new Expectation.InjectedErrorShare(name, persona, range[0], range[1]);
            }
            case "latency_percentile": {
                final TrafficSelector traffic = readTraffic(fields);
                final double percentile = fields.requiredNumber("percentile", 0, 100);
                if (percentile == 0) {
                    problems.add(fields.pathOf("percentile"), "0", "a number > 0 and <= 100, such as 99");
                }
                final Duration max = readMaxMillis(fields);
                return traffic == null || Double.isNaN(percentile) || max == null ? null
                        : new Expectation.LatencyPercentile(name(fields, kind, traffic.id()), traffic, percentile, max);
            }
            case "arm_share": {
                final String prefix = fields.string("prefix", null, "a CIDR prefix of the subset map");
                final String group = fields.string("group", null, "a load group name");
                if ((prefix == null) == (group == null)) {
                    problems.add(fields.path(), prefix == null ? "neither prefix nor group" : "prefix and group",
                            "exactly one of prefix (the subset's requests) and group (the group's requests)");
                }
                final String arm = fields.requiredString("arm", "the persona id of an arm of the split");
                final double[] range = readPercentRange(fields);
                if (arm == null || (prefix == null) == (group == null)) {
                    return null;
                }
                return new Expectation.ArmShare(name(fields, kind, arm), prefix, group, arm, range[0], range[1]);
            }
            case "demotion_within":
            case "restoration_within": {
                final String endpoint = fields.requiredString("endpoint", "an endpoint id such as api-1");
                final Duration max = readMaxMillis(fields);
                if (endpoint == null || max == null) {
                    return null;
                }
                return kind.equals("demotion_within")
                        ? new Expectation.DemotionWithin(name(fields, kind, endpoint), endpoint, max)
                        : new Expectation.RestorationWithin(name(fields, kind, endpoint), endpoint, max);
            }
            case "arm_weight": {
                final String prefix = fields.requiredString("prefix", "a CIDR prefix of the subset map");
                final String arm = fields.requiredString("arm", "the persona id of an arm of the split");
                final long weight = fields.requiredInteger("weight", 0, Integer.MAX_VALUE);
                return prefix == null || arm == null || weight < 0 ? null
                        : new Expectation.ArmWeight(name(fields, kind, prefix + " " + arm), prefix, arm,
                                (int) weight);
            }
            case "delta_propagation_p99": {
                final Duration max = readMaxMillis(fields);
                return max == null ? null : new Expectation.DeltaPropagationP99(name(fields, kind, null), max);
            }
            case "no_traffic_while_down": {
                final String endpoint = fields.requiredString("endpoint", "an endpoint id such as api-1");
                return endpoint == null ? null
                        : new Expectation.NoTrafficWhileDown(name(fields, kind, endpoint), endpoint);
            }
            case "convergence_within": {
                final Duration max = readMaxMillis(fields);
                return max == null ? null : new Expectation.ConvergenceWithin(name(fields, kind, null), max);
            }
            case "throughput": {
                final String group = fields.requiredString("group", "a load group name");
                final double minRps = fields.requiredNumber("min_rps", 0, ScenarioReader.MAX_RPS);
                return group == null || Double.isNaN(minRps) ? null
                        : new Expectation.Throughput(name(fields, kind, group), group, minRps);
            }
            default: {
                final TrafficSelector traffic = readTraffic(fields);
                final double[] range = readPercentRange(fields);
                return traffic == null ? null
                        : new Expectation.SuccessRate(name(fields, kind, traffic.id()), traffic, range[0], range[1]);
            }
        }
    }

    private String name(Fields fields, String kind, String subject) {
        final String fallback = subject == null ? kind : kind + " " + subject;
        return fields.string("name", fallback, "a string");
    }

    /** Reads min_percent and max_percent; at least one is required. */
    private double[] readPercentRange(Fields fields) {
        if (!fields.has("min_percent") && !fields.has("max_percent")) {
            problems.addMissing(fields.pathOf("max_percent"), "min_percent, max_percent or both, from 0 to 100");
        }
        final double min = fields.number("min_percent", 0, 100, 0);
        final double max = fields.number("max_percent", 0, 100, 100);
        if (min > max) {
            problems.add(fields.pathOf("max_percent"), Fields.plain(max),
                    "a number >= min_percent (" + Fields.plain(min) + ")");
        }
        return new double[] {min, max};
    }

    private Duration readMaxMillis(Fields fields) {
        final double max = fields.requiredNumber("max_ms", 0, ScenarioReader.MAX_DELAY_MS);
        if (max == 0) {
            problems.add(fields.pathOf("max_ms"), "0", "a number of milliseconds > 0");
            return null;
        }
        return Double.isNaN(max) ? null : ScenarioReader.millis(max);
    }

    private TrafficSelector readTraffic(Fields fields) {
        final String persona = fields.string("persona", null, "a persona id");
        final String group = fields.string("group", null, "a load group name");
        if ((persona == null) == (group == null)) {
            problems.add(fields.path(), persona == null ? "neither persona nor group" : "persona and group",
                    "exactly one of persona and group");
            return null;
        }
        return persona != null
                ? new TrafficSelector(TrafficSelector.Kind.PERSONA, persona)
                : new TrafficSelector(TrafficSelector.Kind.GROUP, group);
    }
}
