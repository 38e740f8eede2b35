package io.guise.scenario.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Message;
import io.guise.config.ConfigException;
import io.guise.config.ConfigLoader;
import io.guise.manager.health.DemotionSettings;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.Listener;
import io.guise.proto.Persona;
import io.guise.proto.SubsetEntry;
import io.guise.validation.RoutingValidator;
import io.guise.validation.TlsCapabilities;
import io.guise.validation.Violation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns the tree of a scenario file into the model, checking each field's type
 * and range where it is read. Rules that span sections, such as references to
 * pools and personas, are left to {@link ScenarioValidator}. Not thread-safe.
 */
final class ScenarioReader {

    static final List<String> TOP_FIELDS = List.of("name", "description", "seed", "duration", "access_points",
            "fleet", "personas", "subsets", "load", "timeline", "expect", "network", "manager");

    /** The fields of {@code access_points.settings}: parts of the access point config a scenario may set. */
    static final List<String> SETTINGS_FIELDS = List.of("retries", "pool_balancing", "health_checks", "admission",
            "local_ejection", "upstream", "manager");
    /** The fields of the manager link that {@code access_points.settings.manager} may set. */
    static final List<String> SETTINGS_MANAGER_FIELDS = List.of("fault_safety_timeout_ms");
    static final List<String> HEALTH_FIELDS = List.of("window", "heartbeat_interval", "min_requests",
            "max_error_rate_percent", "latency_outlier_factor", "min_latency_outlier_ms", "restore_after_windows",
            "max_demoted_percent", "min_healthy_in_best_tier");
    static final Duration MAX_HEALTH_INTERVAL = Duration.ofMinutes(1);

    static final Duration MAX_DURATION = Duration.ofHours(1);
    static final int MAX_ACCESS_POINTS = 1000;
    static final int MAX_POOL_ENDPOINTS = 1000;
    static final int MAX_CLIENTS = 10_000;
    static final int MAX_CONNECTIONS = 10_000;
    static final double MAX_RPS = 1_000_000;
    static final double MAX_DELAY_MS = 3_600_000;
    static final int MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    static final String NAME_RULE = "1-64 characters of [A-Za-z0-9._-]";
    private static final Pattern POOL_NAME = Pattern.compile("[A-Za-z0-9._-]{1,48}");
    private static final String POOL_NAME_RULE =
            "1-48 characters of [A-Za-z0-9._-], which leaves room for the endpoint number in ids";
    private static final Pattern METHOD = Pattern.compile("GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS");

    private final Problems problems;
    private final String defaultName;

    ScenarioReader(Problems problems, String defaultName) {
        this.problems = problems;
        this.defaultName = defaultName;
    }

    Problems problems() {
        return problems;
    }

    /** Reads the whole scenario; the timeline keeps file order. */
    Scenario read(JsonNode root) {
        final Fields top = Fields.of(root, "", problems, TOP_FIELDS);
        if (top == null) {
            return null;
        }
        final String name = top.string("name", defaultName, "a string");
        final String description = top.string("description", "", "a string");
        final long seed = top.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE, 0);
        Duration duration = top.requiredDuration("duration");
        if (duration != null && (duration.isZero() || duration.compareTo(MAX_DURATION) > 0)) {
            problems.addString("duration", Fields.formatDuration(duration), "a duration from 1ms to 1h");
            duration = null;
        }
        final Duration scenarioDuration = duration == null ? MAX_DURATION : duration;

        final AccessPoints accessPoints = readAccessPoints(top);
        final List<Pool> fleet = readFleet(top);
        final List<Persona> personas = readProtoList(top, "personas", Persona.getDefaultInstance());
        final List<SubsetEntry> subsets = readProtoList(top, "subsets", SubsetEntry.getDefaultInstance());
        final List<ClientGroup> load = readLoad(top, scenarioDuration);
        final EventReader events = new EventReader(this);
        final List<TimelineEvent> timeline = events.readTimeline(top);
        final List<Expectation> expect = events.readExpectations(top);
        final Network network = readNetwork(top);
        final ManagerSettings manager = readManager(top);
        return new Scenario(name, description, seed, scenarioDuration, accessPoints, fleet, personas, subsets,
                load, timeline, expect, network, manager);
    }

    private ManagerSettings readManager(Fields top) {
        final JsonNode value = top.raw("manager", "an object with health");
        final Fields fields = value == null ? null : Fields.of(value, "manager", problems, List.of("health"));
        final JsonNode healthNode = fields == null ? null : fields.raw("health", "an object with the fields "
                + String.join(", ", HEALTH_FIELDS));
        final Fields health = healthNode == null ? null
                : Fields.of(healthNode, "manager.health", problems, HEALTH_FIELDS);
        if (health == null) {
            return ManagerSettings.DEFAULT;
        }

        final ManagerSettings defaults = ManagerSettings.DEFAULT;
        final DemotionSettings demotion = defaults.demotion();
        final Duration window = interval(health, "window", defaults.healthWindow());
        final Duration heartbeat = interval(health, "heartbeat_interval", defaults.heartbeatInterval());

        final long minRequests = health.integer("min_requests", 1, 1_000_000_000, demotion.minRequests());
        final double maxErrorRate = health.number("max_error_rate_percent", 0, 100, demotion.maxErrorRatePercent());
        if (maxErrorRate == 0) {
            problems.add(health.pathOf("max_error_rate_percent"), "0", "a number > 0 and <= 100");
        }
        final double outlierFactor = health.number("latency_outlier_factor", 1, 1000,
                demotion.latencyOutlierFactor());
        if (outlierFactor == 1) {
            problems.add(health.pathOf("latency_outlier_factor"), "1", "a number > 1 and <= 1000");
        }
        final double minOutlierMillis = health.number("min_latency_outlier_ms", 0, MAX_DELAY_MS,
                demotion.minLatencyOutlierMillis());
        final int restoreAfter = (int) health.integer("restore_after_windows", 1, 10_000,
                demotion.restoreAfterWindows());
        final double maxDemoted = health.number("max_demoted_percent", 0, 100, demotion.maxDemotedPercent());
        final int minHealthy = (int) health.integer("min_healthy_in_best_tier", 0, 1000,
                demotion.minHealthyInBestTier());

        if (maxErrorRate == 0 || outlierFactor == 1) {
            return defaults;
        }
        return new ManagerSettings(window, heartbeat, new DemotionSettings(minRequests, maxErrorRate,
                outlierFactor, minOutlierMillis, restoreAfter, maxDemoted, minHealthy));
    }

    /** Reads a duration from 1ms to a minute, such as a health window or interval. */
    private Duration interval(Fields fields, String name, Duration fallback) {
        final Duration value = fields.duration(name, fallback);
        if (value.isZero() || value.compareTo(MAX_HEALTH_INTERVAL) > 0) {
            problems.addString(fields.pathOf(name), Fields.formatDuration(value), "a duration from 1ms to 1m");
            return fallback;
        }
        return value;
    }

    private Network readNetwork(Fields top) {
        final JsonNode value = top.raw("network", "an object with toxiproxy and links");
        if (value == null) {
            return Network.NONE;
        }
        final Fields fields = Fields.of(value, "network", problems, List.of("toxiproxy", "links"));
        if (fields == null) {
            return Network.NONE;
        }
        final String toxiproxyRule = "\"embedded\", \"testcontainers\", or the host:port of a running "
                + "Toxiproxy's API on loopback, such as 127.0.0.1:8474";
        final String choiceText = fields.string("toxiproxy", "embedded", toxiproxyRule);
        Network.ToxiproxyChoice choice = Network.ToxiproxyChoice.EMBEDDED;
        if (choiceText.equals("testcontainers")) {
            choice = Network.ToxiproxyChoice.TESTCONTAINERS;
        } else if (!choiceText.equals("embedded")) {
            try {
                io.guise.chaos.LoopbackAddress.parse("network.toxiproxy", choiceText, 1);
                choice = new Network.ToxiproxyChoice(Network.ToxiproxyChoice.Kind.ADDRESS, choiceText);
            } catch (io.guise.chaos.ChaosException e) {
                problems.addString(fields.pathOf("toxiproxy"), choiceText, toxiproxyRule);
            }
        }
        final List<JsonNode> elements = fields.list("links", "link objects with name and to");
        if (elements.isEmpty()) {
            problems.add(fields.pathOf("links"), fields.has("links") ? "[]" : "missing",
                    "at least one link, such as {name: control, to: manager} or {name: api-1-net, to: api-1}");
        }
        final List<Network.NetworkLink> links = new ArrayList<>();
        for (int i = 0; i < elements.size(); i++) {
            final String path = "network.links[" + i + "]";
            final Fields link = Fields.of(elements.get(i), path, problems, List.of("name", "to", "toxics"));
            if (link == null) {
                continue;
            }
            final String name = link.requiredString("name", NAME_RULE);
            if (name != null && !NAME.matcher(name).matches()) {
                problems.addString(link.pathOf("name"), name, NAME_RULE);
            }
            final String to = link.requiredString("to", "\"manager\" or an endpoint id such as api-1");
            final List<io.guise.chaos.Toxic> toxics = new ArrayList<>();
            final List<JsonNode> toxicNodes = link.list("toxics", "toxic objects");
            for (int t = 0; t < toxicNodes.size(); t++) {
                final io.guise.chaos.Toxic toxic = readToxic(toxicNodes.get(t), link.pathOf("toxics") + "[" + t + "]");
                if (toxic != null) {
                    toxics.add(toxic);
                }
            }
            if (name != null && to != null) {
                links.add(new Network.NetworkLink(name, to, toxics));
            }
        }
        return new Network(choice, links);
    }

    /** Reads a toxic as the fault proxy's API takes it; returns null after reporting a problem. */
    io.guise.chaos.Toxic readToxic(JsonNode value, String path) {
        final Fields fields = Fields.of(value, path, problems,
                List.of("name", "type", "stream", "toxicity", "attributes"));
        if (fields == null) {
            return null;
        }
        final String typeRule = "one of " + io.guise.chaos.ToxicType.wireNames();
        final String typeName = fields.requiredString("type", typeRule);
        final io.guise.chaos.ToxicType type = typeName == null ? null
                : io.guise.chaos.ToxicType.fromWireName(typeName);
        if (typeName != null && type == null) {
            problems.addString(fields.pathOf("type"), typeName, typeRule);
        }
        final String streamName = fields.string("stream", "downstream",
                "\"upstream\" (client to server) or \"downstream\" (server to client)");
        final io.guise.chaos.ToxicStream stream = io.guise.chaos.ToxicStream.fromWireName(streamName);
        if (stream == null) {
            problems.addString(fields.pathOf("stream"), streamName,
                    "\"upstream\" (client to server) or \"downstream\" (server to client)");
        }
        final double toxicity = fields.number("toxicity", 0, 1, 1);
        final JsonNode attributesNode = fields.raw("attributes", "an object of attributes");
        final Map<String, Long> attributes = attributesNode == null || type == null ? Map.of()
                : readToxicAttributes(attributesNode, fields.pathOf("attributes"), type);
        if (type == null || stream == null) {
            return null;
        }
        final String name = fields.string("name", io.guise.chaos.Toxic.defaultName(type, stream), NAME_RULE);
        try {
            return new io.guise.chaos.Toxic(name, type, stream, toxicity, attributes, 0);
        } catch (io.guise.chaos.ChaosException e) {
            problems.addPrefixed(path, e.getMessage());
            return null;
        }
    }

    /**
     * Reads toxic attributes, whole numbers from 0; with a type, only that
     * type's attributes are allowed, without one (an update) any name is read.
     */
    Map<String, Long> readToxicAttributes(JsonNode value, String path, io.guise.chaos.ToxicType type) {
        final List<String> known = type == null ? null : type.attributes();
        final Map<String, Long> attributes = new java.util.LinkedHashMap<>();
        if (!value.isObject()) {
            problems.add(path, Fields.describe(value), "an object of attributes");
            return attributes;
        }
        final java.util.Iterator<Map.Entry<String, JsonNode>> entries = value.fields();
        while (entries.hasNext()) {
            final Map.Entry<String, JsonNode> entry = entries.next();
            final String attributePath = SourceTree.childPath(path, entry.getKey());
            if (known != null && !known.contains(entry.getKey())) {
                problems.add(attributePath, "unknown attribute",
                        "an attribute of " + type.wireName() + ": " + String.join(", ", known));
                continue;
            }
            final JsonNode number = entry.getValue();
            if (!number.isIntegralNumber() || !number.canConvertToLong() || number.longValue() < 0
                    || number.longValue() > io.guise.chaos.ToxicType.MAX_ATTRIBUTE) {
                problems.add(attributePath, Fields.describe(number),
                        "a whole number from 0 to " + io.guise.chaos.ToxicType.MAX_ATTRIBUTE);
                continue;
            }
            attributes.put(entry.getKey(), number.longValue());
        }
        return attributes;
    }

    private AccessPoints readAccessPoints(Fields top) {
        final JsonNode value = top.required("access_points", "an object with count and listeners");
        final Fields fields = value == null ? null
                : Fields.of(value, "access_points", problems,
                        List.of("count", "listeners", "health_interval", "settings"));
        if (fields == null) {
            return new AccessPoints(1, List.of());
        }
        final int count = (int) fields.integer("count", 1, MAX_ACCESS_POINTS, 1);
        final Duration healthInterval = fields.has("health_interval")
                ? interval(fields, "health_interval", Duration.ZERO) : Duration.ZERO;
        final JsonNode settingsNode = fields.raw("settings", "an object with the fields "
                + String.join(", ", SETTINGS_FIELDS));
        final AccessPointConfig settings = settingsNode == null ? AccessPointConfig.getDefaultInstance()
                : readSettings(settingsNode, fields.pathOf("settings"));
        final List<JsonNode> elements = fields.list("listeners", "listener objects");
        if (elements.isEmpty()) {
            problems.add(fields.pathOf("listeners"), fields.has("listeners") ? "[]" : "missing",
                    "at least one listener, such as {name: web, mode: L7, addresses: [127.0.0.2], port: 0}");
        }
        final List<Listener> listeners = new ArrayList<>();
        final Map<String, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < elements.size(); i++) {
            final String path = "access_points.listeners[" + i + "]";
            final Listener listener = parseProto(elements.get(i), path, Listener.getDefaultInstance());
            if (listener == null) {
                continue;
            }
            checkListener(listener, path, firstIndex, i);
            listeners.add(listener);
        }
        return new AccessPoints(count, listeners, healthInterval, settings);
    }

    /**
     * Reads {@code access_points.settings}: only the fields in {@link #SETTINGS_FIELDS}, parsed as the access
     * point config parses them and checked with its rules; returns the default instance after a problem.
     */
    private AccessPointConfig readSettings(JsonNode value, String path) {
        final Fields fields = Fields.of(value, path, problems, SETTINGS_FIELDS);
        if (fields == null) {
            return AccessPointConfig.getDefaultInstance();
        }
        final int before = problems.messages().size();
        final JsonNode manager = fields.raw("manager", "an object with " + String.join(", ", SETTINGS_MANAGER_FIELDS));
        if (manager != null) {
            Fields.of(manager, fields.pathOf("manager"), problems, SETTINGS_MANAGER_FIELDS);
        }
        if (problems.messages().size() > before) {
            return AccessPointConfig.getDefaultInstance();
        }
        final AccessPointConfig settings = parseProto(value, path, AccessPointConfig.getDefaultInstance());
        if (settings == null) {
            return AccessPointConfig.getDefaultInstance();
        }
        // The manager address is the harness's to set; a placeholder keeps its rule quiet.
        final AccessPointConfig checked = settings.toBuilder()
                .setManager(settings.getManager().toBuilder().setAddress("127.0.0.1:1"))
                .build();
        final List<Violation> violations = new RoutingValidator(TlsCapabilities.jdk()).validate(checked);
        for (Violation violation : violations) {
            problems.add(new Violation(path + "." + violation.path(), violation.value(), violation.rule()));
        }
        return violations.isEmpty() ? settings : AccessPointConfig.getDefaultInstance();
    }

    private void checkListener(Listener listener, String path, Map<String, Integer> firstIndex, int index) {
        if (!NAME.matcher(listener.getName()).matches()) {
            problems.addString(path + ".name", listener.getName(), NAME_RULE + ", so load groups can name it");
        } else {
            final Integer first = firstIndex.putIfAbsent(listener.getName(), index);
            if (first != null) {
                problems.addString(path + ".name", listener.getName(),
                        "a unique name, but access_points.listeners[" + first + "] has it");
            }
        }
        if (!listener.getMode().equals("L4") && !listener.getMode().equals("L7")) {
            problems.addString(path + ".mode", listener.getMode(), "\"L4\" or \"L7\"");
        }
        if (listener.getAddressesCount() == 0) {
            problems.add(path + ".addresses", "[]", "at least one address, such as 127.0.0.2");
        }
        for (int a = 0; a < listener.getAddressesCount(); a++) {
            final String address = listener.getAddresses(a);
            if (!Loopback.isLoopbackLiteral(address)) {
                problems.addString(path + ".addresses[" + a + "]", address, Loopback.RULE);
            }
        }
        if (listener.getPort() < 0 || listener.getPort() > 65535) {
            problems.add(path + ".port", Integer.toString(listener.getPort()), "0-65535, where 0 picks a free port");
        }
    }

    private List<Pool> readFleet(Fields top) {
        final List<JsonNode> elements = top.list("fleet", "pool objects");
        if (elements.isEmpty()) {
            problems.add("fleet", top.has("fleet") ? "[]" : "missing",
                    "at least one pool, such as {pool: api, count: 3}");
        }
        final List<Pool> pools = new ArrayList<>();
        final Map<String, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < elements.size(); i++) {
            final String path = "fleet[" + i + "]";
            final Fields fields = Fields.of(elements.get(i), path, problems,
                    List.of("pool", "count", "region", "tier", "weight", "address", "behaviour", "endpoints"));
            if (fields == null) {
                continue;
            }
            String name = fields.requiredString("pool", POOL_NAME_RULE);
            if (name != null && !POOL_NAME.matcher(name).matches()) {
                problems.addString(fields.pathOf("pool"), name, POOL_NAME_RULE);
                name = null;
            }
            if (name != null) {
                final Integer first = firstIndex.putIfAbsent(name, i);
                if (first != null) {
                    problems.addString(fields.pathOf("pool"), name,
                            "a unique pool name, but fleet[" + first + "] has it");
                }
            }
            final int count = (int) fields.integer("count", 1, MAX_POOL_ENDPOINTS, 1);
            final String region = fields.string("region", "", "a string");
            final int tier = (int) fields.integer("tier", 0, 15, 0);
            final int weight = (int) fields.integer("weight", 0, 10_000, 1);
            final String address = fields.string("address", "127.0.0.1", Loopback.RULE);
            if (!Loopback.isLoopbackLiteral(address)) {
                problems.addString(fields.pathOf("address"), address, Loopback.RULE);
            }
            final JsonNode behaviourNode = fields.raw("behaviour", "an object");
            final Behaviour behaviour = behaviourNode == null ? Behaviour.DEFAULT
                    : readBehaviour(behaviourNode, fields.pathOf("behaviour"), Behaviour.DEFAULT);
            final Map<Integer, Behaviour> overrides = readOverrides(fields, count, behaviour);
            if (name != null) {
                pools.add(new Pool(name, count, region, tier, weight, address, behaviour, overrides));
            }
        }
        return pools;
    }

    private Map<Integer, Behaviour> readOverrides(Fields pool, int count, Behaviour base) {
        final Map<Integer, Behaviour> overrides = new HashMap<>();
        final List<JsonNode> elements = pool.list("endpoints", "objects with index and behaviour");
        for (int i = 0; i < elements.size(); i++) {
            final String path = pool.pathOf("endpoints") + "[" + i + "]";
            final Fields fields = Fields.of(elements.get(i), path, problems, List.of("index", "behaviour"));
            if (fields == null) {
                continue;
            }
            final long index = fields.requiredInteger("index", 1, count);
            final JsonNode behaviourNode = fields.required("behaviour", "an object");
            if (index < 1 || behaviourNode == null) {
                continue;
            }
            if (overrides.containsKey((int) index)) {
                problems.add(fields.pathOf("index"), Long.toString(index),
                        "each endpoint index once per pool");
                continue;
            }
            overrides.put((int) index, readBehaviour(behaviourNode, fields.pathOf("behaviour"), base));
        }
        return overrides;
    }

    /** Reads a behaviour; the fields it leaves out keep their values in {@code base}. */
    Behaviour readBehaviour(JsonNode value, String path, Behaviour base) {
        final Fields fields = Fields.of(value, path, problems,
                List.of("latency", "error_rate_percent", "status_codes", "response_bytes"));
        if (fields == null) {
            return base;
        }
        final JsonNode latencyNode = fields.raw("latency", "an object");
        final Latency latency = latencyNode == null ? base.latency()
                : readLatency(latencyNode, fields.pathOf("latency"));
        final double errorRate = fields.number("error_rate_percent", 0, 100, base.errorRatePercent());
        final List<Integer> statusCodes = readStatusCodes(fields, base.statusCodes());
        final int responseBytes = (int) fields.integer("response_bytes", 0, MAX_RESPONSE_BYTES, base.responseBytes());
        return new Behaviour(latency, errorRate, statusCodes, responseBytes);
    }

    List<Integer> readStatusCodes(Fields fields, List<Integer> fallback) {
        final List<Integer> codes = fields.integerList("status_codes", 400, 599, fallback);
        if (codes.isEmpty() && fields.has("status_codes")) {
            problems.add(fields.pathOf("status_codes"), "[]", "at least one status code, 400-599");
            return fallback;
        }
        return codes;
    }

    /** Reads a latency distribution; each distribution allows only its own parameters. */
    Latency readLatency(JsonNode value, String path) {
        final JsonNode distributionNode = value.get("distribution");
        final String distribution = distributionNode == null ? "fixed" : distributionNode.asText();
        final List<String> known = switch (distribution) {
            case "fixed" -> List.of("distribution", "ms");
            case "uniform" -> List.of("distribution", "min_ms", "max_ms");
            case "normal" -> List.of("distribution", "mean_ms", "stddev_ms");
            case "lognormal" -> List.of("distribution", "median_ms", "sigma");
            default -> null;
        };
        if (known == null) {
            problems.add(SourceTree.childPath(path, "distribution"), Fields.describe(distributionNode),
                    "one of fixed, uniform, normal, lognormal");
            return new Latency.Fixed(Duration.ZERO);
        }
        final Fields fields = Fields.of(value, path, problems, known);
        if (fields == null) {
            return new Latency.Fixed(Duration.ZERO);
        }
        return switch (distribution) {
            case "uniform" -> {
                final Duration min = millis(fields.requiredNumber("min_ms", 0, MAX_DELAY_MS));
                final Duration max = millis(fields.requiredNumber("max_ms", 0, MAX_DELAY_MS));
                if (max.compareTo(min) < 0) {
                    problems.add(fields.pathOf("max_ms"), Fields.plain(max.toNanos() / 1e6),
                            "a number >= min_ms (" + Fields.plain(min.toNanos() / 1e6) + ")");
                }
                yield new Latency.Uniform(min, max);
            }
            case "normal" -> new Latency.Normal(millis(fields.requiredNumber("mean_ms", 0, MAX_DELAY_MS)),
                    millis(fields.requiredNumber("stddev_ms", 0, MAX_DELAY_MS)));
            case "lognormal" -> {
                final double sigma = fields.requiredNumber("sigma", 0, 10);
                yield new Latency.LogNormal(millis(fields.requiredNumber("median_ms", 0, MAX_DELAY_MS)),
                        Double.isNaN(sigma) ? 0 : sigma);
            }
            default -> new Latency.Fixed(millis(fields.requiredNumber("ms", 0, MAX_DELAY_MS)));
        };
    }

    /** Converts milliseconds, possibly fractional, to a duration; NaN, which marks a reported problem, gives zero. */
    static Duration millis(double value) {
        return Double.isNaN(value) ? Duration.ZERO : Duration.ofNanos(Math.round(value * 1_000_000));
    }

    private List<ClientGroup> readLoad(Fields top, Duration scenarioDuration) {
        final List<JsonNode> elements = top.list("load", "client group objects");
        final List<ClientGroup> groups = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        for (int i = 0; i < elements.size(); i++) {
            final String path = "load[" + i + "]";
            final Fields fields = Fields.of(elements.get(i), path, problems, List.of("name", "destination",
                    "listener", "clients", "rate", "connections", "mix", "start", "duration"));
            if (fields == null) {
                continue;
            }
            final String name = fields.string("name", "group-" + (i + 1), NAME_RULE);
            if (!NAME.matcher(name).matches()) {
                problems.addString(fields.pathOf("name"), name, NAME_RULE);
            } else if (!names.add(name)) {
                problems.addString(fields.pathOf("name"), name, "a unique group name");
            }
            final String destination = fields.requiredString("destination", Loopback.RULE);
            if (destination != null && !Loopback.isLoopbackLiteral(destination)) {
                problems.addString(fields.pathOf("destination"), destination, Loopback.RULE);
            }
            // An empty listener name means the first L7 listener; the validator resolves it.
            final String listener = fields.string("listener", "", "a listener name from access_points.listeners");
            final int clients = (int) fields.integer("clients", 1, MAX_CLIENTS, 1);
            final LoadShape shape = readShape(fields);
            final List<RequestMix> mix = readMix(fields);
            final Duration start = fields.duration("start", Duration.ZERO);
            final Duration duration = fields.duration("duration", scenarioDuration.minus(start));
            if (duration.isNegative() || duration.isZero()) {
                problems.addString(fields.pathOf("duration"), Fields.formatDuration(duration),
                        "a duration > 0 that ends within the scenario's duration");
            }
            groups.add(new ClientGroup(name, destination == null ? "" : destination, listener, clients, shape, mix,
                    start, duration));
        }
        return groups;
    }

    private LoadShape readShape(Fields group) {
        final boolean hasRate = group.has("rate");
        final boolean hasConnections = group.has("connections");
        if (hasRate == hasConnections) {
            problems.add(group.path(), hasRate ? "rate and connections" : "neither rate nor connections",
                    "exactly one of rate (open loop) and connections (closed loop)");
            return new LoadShape.ConstantRate(1);
        }

        if (hasConnections) {
            return new LoadShape.ClosedLoop((int) group.integer("connections", 1, MAX_CONNECTIONS, 1));
        }
        final JsonNode rateNode = group.raw("rate", "an object with rps or ramp");
        final Fields rate = rateNode == null ? null
                : Fields.of(rateNode, group.pathOf("rate"), problems, List.of("rps", "ramp"));
        if (rate == null) {
            return new LoadShape.ConstantRate(1);
        }

        if (rate.has("rps") == rate.has("ramp")) {
            problems.add(rate.path(), rate.has("rps") ? "rps and ramp" : "neither rps nor ramp",
                    "exactly one of rps and ramp");
            return new LoadShape.ConstantRate(1);
        }
        if (rate.has("rps")) {
            final double rps = rate.number("rps", 0, MAX_RPS, 1);
            if (rps <= 0) {
                problems.add(rate.pathOf("rps"), Fields.plain(rps), "a number > 0");
            }
            return new LoadShape.ConstantRate(rps);
        }

        final JsonNode rampNode = rate.raw("ramp", "an object with from_rps and to_rps");
        final Fields ramp = rampNode == null ? null
                : Fields.of(rampNode, rate.pathOf("ramp"), problems, List.of("from_rps", "to_rps"));
        if (ramp == null) {
            return new LoadShape.ConstantRate(1);
        }
        final double from = ramp.requiredNumber("from_rps", 0, MAX_RPS);
        final double to = ramp.requiredNumber("to_rps", 0, MAX_RPS);
        if (from == 0 && to == 0) {
            problems.add(ramp.pathOf("to_rps"), "0", "a rate > 0 at one end of the ramp at least");
        }
        return new LoadShape.RampRate(Double.isNaN(from) ? 0 : from, Double.isNaN(to) ? 0 : to);
    }

    private List<RequestMix> readMix(Fields group) {
        if (!group.has("mix")) {
            return List.of(new RequestMix("GET", "/", 1));
        }
        final List<JsonNode> elements = group.list("mix", "objects with method, path and weight");
        final List<RequestMix> mix = new ArrayList<>();
        long totalWeight = 0;
        for (int i = 0; i < elements.size(); i++) {
            final String path = group.pathOf("mix") + "[" + i + "]";
            final Fields fields = Fields.of(elements.get(i), path, problems, List.of("method", "path", "weight"));
            if (fields == null) {
                continue;
            }
            final String methodRule = "one of GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS";
            final String method = fields.string("method", "GET", methodRule);
            if (!METHOD.matcher(method).matches()) {
                problems.addString(fields.pathOf("method"), method, methodRule);
            }
            final String target = fields.string("path", "/", "a request path starting with \"/\"");
            if (!target.startsWith("/") || target.chars().anyMatch(c -> c <= ' ' || c == 0x7F)) {
                problems.addString(fields.pathOf("path"), target,
                        "a request path starting with \"/\", without spaces or control characters");
            }
            final int weight = (int) fields.integer("weight", 0, 10_000, 1);
            totalWeight += weight;
            mix.add(new RequestMix(method, target, weight));
        }
        if (elements.isEmpty() || totalWeight == 0) {
            problems.add(group.pathOf("mix"), elements.isEmpty() ? "[]" : "weights summing to 0",
                    "at least one entry with a weight > 0");
        }
        return mix;
    }

    private <M extends Message> List<M> readProtoList(Fields top, String name, M prototype) {
        final List<JsonNode> elements = top.list(name, "objects");
        final List<M> out = new ArrayList<>();
        for (int i = 0; i < elements.size(); i++) {
            final M message = parseProto(elements.get(i), name + "[" + i + "]", prototype);
            if (message != null) {
                out.add(message);
            }
        }
        return out;
    }

    /** Parses a part of the tree with the manager's own checks; returns null after reporting problems. */
    <M extends Message> M parseProto(JsonNode value, String path, M prototype) {
        if (value.isMissingNode()) {
            return null;
        }
        try {
            return ConfigLoader.parseTree(value, prototype, problems.sourceName(), path, problems::lineOf);
        } catch (ConfigException e) {
            e.problems().forEach(problems::addFormatted);
            return null;
        }
    }
}
