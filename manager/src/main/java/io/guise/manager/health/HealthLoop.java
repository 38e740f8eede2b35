package io.guise.manager.health;

import static java.util.Objects.requireNonNull;

import io.guise.distribution.Deltas;
import io.guise.manager.config.ConfigService;
import io.guise.manager.config.ConfigWriteException;
import io.guise.manager.config.WriteResult;
import io.guise.proto.Endpoint;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SplitArm;
import io.guise.proto.SubsetEntry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a health window of the {@link HealthAggregator} every window, lets the
 * {@link DemotionPolicy} judge the endpoints and the {@link SplitGuard} the
 * weighted splits, and writes what they decide through the {@link ConfigService}
 * as ordinary revisions: an endpoint's new tier, or a stopped arm's weight of 0.
 * Every decision goes to the {@link DecisionLog}.
 *
 * <p>A write first expects the revision that the window was judged on (or the
 * revision of this window's previous write). When another write came in between,
 * it reads the routing state again and retries once. An endpoint or subset that
 * is gone by then is recorded as skipped.
 *
 * <p>Logging: each demotion, restoration and canary stop at INFO with its reason
 * and evidence; a hold at INFO, and in the log, only when it starts or changes
 * kind for that endpoint, not in every window it lasts.
 *
 * <p>Thread-safe. {@link #tick()} is serialized by the loop's monitor; the
 * scheduler started by {@link #start(Duration)} calls it on its own thread, and
 * tests call it directly with an injected clock. Readers get immutable values.
 */
public final class HealthLoop implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(HealthLoop.class);

    /** Default length of a health window. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(1);

    private final ConfigService config;
    private final HealthAggregator aggregator;
    private final DemotionSettings settings;
    // NOTE: the policy's demotion state lives in memory only. After a manager restart, endpoints demoted
    // before it stay in their lower tier as if an operator had put them there, and are never restored.
    private final DemotionPolicy policy;
    private final SplitGuard guard;
    private final Clock clock;
    private final DecisionLog decisions;
    private final RateLimitedWarning guardFailures;
    private final Map<String, DecisionRecord.Action> holds = new HashMap<>();
    private volatile EndpointHealth.LastWindow lastWindow = EndpointHealth.LastWindow.NONE;
    private volatile BooleanSupplier decides = () -> true;
    private long windows;
    private ScheduledExecutorService scheduler;

    /**
     * Creates a loop that is not running: call {@link #start(Duration)}, or
     * {@link #tick()} for each window.
     */
    public HealthLoop(ConfigService config, HealthAggregator aggregator, DemotionSettings settings,
                      SplitGuard guard, Clock clock) {
        this.config = requireNonNull(config, "config");
        this.aggregator = requireNonNull(aggregator, "aggregator");
        this.settings = requireNonNull(settings, "settings");
        this.policy = new DemotionPolicy(settings);
        this.guard = requireNonNull(guard, "guard");
        this.clock = requireNonNull(clock, "clock");
        this.decisions = new DecisionLog(DecisionLog.DEFAULT_CAPACITY);
        this.guardFailures = new RateLimitedWarning(logger, clock, Duration.ofSeconds(10));
    }

    /** Runs {@link #tick()} every {@code window} on a thread of its own, until {@link #close()}. */
    public synchronized void start(Duration window) {
        requireNonNull(window, "window");
        if (window.toMillis() < 1) {
            throw new IllegalArgumentException("health_window_ms: " + window.toMillis() + " (expected: 1 or more)");
        }
        if (scheduler != null) {
            throw new IllegalStateException("health loop already started");
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            final Thread thread = new Thread(runnable, "health-loop");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleAtFixedRate(this::tickSafely, window.toMillis(), window.toMillis(), TimeUnit.MILLISECONDS);
        logger.info("Health loop: window {} ms, {}", window.toMillis(), settings);
    }

    @Override
    public void close() {
        final ScheduledExecutorService running;
        synchronized (this) {
            running = scheduler;
        }
        if (running != null) {
            running.shutdownNow();
            try {
                running.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Makes the loop decide and write only in windows where {@code leader} returns
     * true, so that of several manager replicas one decides at a time. In other
     * windows it still closes the window and publishes the endpoint figures.
     */
    public void decideOnlyWhen(BooleanSupplier leader) {
        this.decides = requireNonNull(leader, "leader");
    }

    public DecisionLog decisions() {
        return decisions;
    }

    public DemotionSettings settings() {
        return settings;
    }

    /** Returns the endpoints as the last window left them. */
    public EndpointHealth.LastWindow lastWindow() {
        return lastWindow;
    }

    /** Returns how many windows were closed. */
    public synchronized long windows() {
        return windows;
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again, so the loop logs and goes on.
            logger.error("Health loop: window failed unexpectedly; the next window runs as usual", e);
        }
    }

    /** Closes the current window, decides and writes. */
    public synchronized void tick() {
        final long now = clock.millis();
        final HealthWindow window = aggregator.closeWindow();
        windows++;
        if (!decides.getAsBoolean()) {
            publish(now, window);
            return;
        }
        final RoutingSnapshot judged = config.current();
        final Map<String, WindowStats> stats = window.endpointStats();
        final Set<String> endpointIds = new HashSet<>();
        for (Endpoint endpoint : judged.getEndpointsList()) {
            endpointIds.add(endpoint.getId());
        }
        policy.retain(endpointIds);
        holds.keySet().retainAll(endpointIds);

        final Basis basis = new Basis(judged);
        final Map<String, Double> poolMedians = poolMedians(judged, stats);
        final Map<String, DecisionRecord.Action> holdsNow = new HashMap<>();
        for (Decision decision : policy.evaluate(judged.getEndpointsList(), stats)) {
            final DecisionRecord.EndpointEvidence evidence = evidence(decision, poolMedians);
            switch (decision.action()) {
                case DEMOTE, RESTORE -> writeTier(now, decision, evidence, basis);
                case HOLD_CAP, HOLD_FLEET_WIDE -> {
                    final DecisionRecord.Action action = DecisionRecord.Action.of(decision.action());
                    holdsNow.put(decision.endpointId(), action);
                    if (holds.get(decision.endpointId()) != action) {
                        final DecisionRecord record = new DecisionRecord(now, action, decision.reason(),
                                                                         DecisionRecord.Outcome.NOT_WRITTEN, -1, "",
                                                                         evidence, null);
                        decisions.add(record);
                        logger.info("Health: {} endpoint {} (pool {}, tier {}): {} [{}]", action.label(),
                                    decision.endpointId(), decision.pool(), decision.fromTier(), decision.reason(),
                                    describe(evidence));
                    }
                }
                default -> throw new IllegalStateException("unknown action " + decision.action());
            }
        }
        holds.clear();
        holds.putAll(holdsNow);

        stopCanaries(now, window, basis);
        publish(now, window);
    }

    /** The revision the next write expects and the routing state it starts from. */
    private static final class Basis {
        long revision;
        RoutingSnapshot snapshot;

        Basis(RoutingSnapshot snapshot) {
            this.revision = snapshot.getRevision();
            this.snapshot = snapshot;
        }

        void wrote(WriteResult result, RoutingSnapshot current) {
            revision = result.revision();
            snapshot = current;
        }
    }

    private void writeTier(long now, Decision decision, DecisionRecord.EndpointEvidence evidence, Basis basis) {
        final DecisionRecord.Action action = DecisionRecord.Action.of(decision.action());
        RoutingSnapshot state = basis.snapshot;
        long expected = basis.revision;
        String failure = null;
        for (int attempt = 1; attempt <= 2; attempt++) {
            final Endpoint endpoint = findEndpoint(state, decision.endpointId());
            if (endpoint == null) {
                policy.forget(decision.endpointId());
                record(now, action, decision.reason(), DecisionRecord.Outcome.SKIPPED, -1,
                       "endpoint " + decision.endpointId() + " was deleted before the write", evidence, null);
                return;
            }
            try {
                final WriteResult result = config.upsertEndpoint(endpoint.toBuilder().setTier(decision.toTier())
                                                                         .build(), OptionalLong.of(expected));
                basis.wrote(result, config.current());
                record(now, action, decision.reason(), result.changed() ? DecisionRecord.Outcome.WRITTEN
                               : DecisionRecord.Outcome.UNCHANGED, result.revision(), "", evidence, null);
                return;
            } catch (ConfigWriteException e) {
                failure = e.reason().name().toLowerCase(Locale.ROOT) + ": " + e.getMessage()
                          + (e.violations().isEmpty() ? "" : " " + e.violations());
                if (e.reason() != ConfigWriteException.Reason.STALE_REVISION) {
                    break;
                }
                state = config.current();
                expected = state.getRevision();
            }
        }
        if (decision.action() == Decision.Action.DEMOTE) {
            // The endpoint stays in its tier, so the policy must not count it as demoted.
            policy.forget(decision.endpointId());
        }
        // NOTE: a restoration that fails here leaves the endpoint in its lower tier with no policy state.
        record(now, action, decision.reason(), DecisionRecord.Outcome.FAILED, -1, failure, evidence, null);
    }

    private void stopCanaries(long now, HealthWindow window, Basis basis) {
        final List<CanaryDecision> stops;
        try {
            stops = guard.evaluate(now, config.current().getSubsetsList(), window.personas());
        } catch (RuntimeException e) {
            guardFailures.warn("Health: the split guard failed and stops no arm in this window: " + e);
            return;
        }
        if (stops == null) {
            return;
        }
        for (CanaryDecision stop : stops) {
            writeArmWeight(now, stop, basis);
        }
    }

    private void writeArmWeight(long now, CanaryDecision stop, Basis basis) {
        RoutingSnapshot state = basis.snapshot;
        long expected = basis.revision;
        String failure = null;
        int fromWeight = -1;
        for (int attempt = 1; attempt <= 2; attempt++) {
            final SubsetEntry subset = findSubset(state, stop.prefix());
            fromWeight = subset == null ? -1 : armWeight(subset, stop.arm());
            if (fromWeight < 0) {
                final String missing = subset == null ? "subset " + stop.prefix() + " was deleted"
                        : "subset " + stop.prefix() + " has no arm " + stop.arm();
                record(now, DecisionRecord.Action.CANARY_STOP, stop.reason(), DecisionRecord.Outcome.SKIPPED, -1,
                       missing + " at the time of the write", null, canaryEvidence(stop, 0, 0));
                return;
            }
            final SubsetEntry.Builder stopped = subset.toBuilder();
            for (SplitArm.Builder arm : stopped.getSplitBuilder().getArmsBuilderList()) {
                if (arm.getPersona().equals(stop.arm())) {
                    arm.setWeight(0);
                }
            }
            try {
                final WriteResult result = config.upsertSubset(stopped.build(), OptionalLong.of(expected));
                basis.wrote(result, config.current());
                record(now, DecisionRecord.Action.CANARY_STOP, stop.reason(), result.changed()
                               ? DecisionRecord.Outcome.WRITTEN : DecisionRecord.Outcome.UNCHANGED,
                       result.revision(), "", null, canaryEvidence(stop, fromWeight, 0));
                return;
            } catch (ConfigWriteException e) {
                failure = e.reason().name().toLowerCase(Locale.ROOT) + ": " + e.getMessage()
                          + (e.violations().isEmpty() ? "" : " " + e.violations());
                if (e.reason() != ConfigWriteException.Reason.STALE_REVISION) {
                    break;
                }
                state = config.current();
                expected = state.getRevision();
            }
        }
        record(now, DecisionRecord.Action.CANARY_STOP, stop.reason(), DecisionRecord.Outcome.FAILED, -1, failure,
               null, canaryEvidence(stop, fromWeight, fromWeight));
    }

    private void record(long now, DecisionRecord.Action action, String reason, DecisionRecord.Outcome outcome,
                        long revision, String detail, DecisionRecord.EndpointEvidence endpoint,
                        DecisionRecord.CanaryEvidence canary) {
        final DecisionRecord record = new DecisionRecord(now, action, reason, outcome, revision, detail, endpoint,
                                                         canary);
        decisions.add(record);
        final String written = switch (outcome) {
            case WRITTEN -> "at revision " + revision;
            case UNCHANGED -> "already in force at revision " + revision;
            default -> outcome.label() + " (" + detail + ")";
        };
        if (endpoint != null) {
            if (outcome == DecisionRecord.Outcome.FAILED) {
                logger.warn("Health: {} endpoint {} (pool {}) tier {} -> {} {}: {} [{}]", action.label(),
                            endpoint.endpointId(), endpoint.pool(), endpoint.fromTier(), endpoint.toTier(), written,
                            reason, describe(endpoint));
            } else {
                logger.info("Health: {} endpoint {} (pool {}) tier {} -> {} {}: {} [{}]", action.label(),
                            endpoint.endpointId(), endpoint.pool(), endpoint.fromTier(), endpoint.toTier(), written,
                            reason, describe(endpoint));
            }
        } else if (outcome == DecisionRecord.Outcome.FAILED) {
            logger.warn("Health: canary_stop of arm {} of subset {} weight {} -> {} {}: {} [{}]", canary.arm(),
                        canary.prefix(), canary.fromWeight(), canary.toWeight(), written, reason, describe(canary));
        } else {
            logger.info("Health: canary_stop of arm {} of subset {} weight {} -> {} {}: {} [{}]", canary.arm(),
                        canary.prefix(), canary.fromWeight(), canary.toWeight(), written, reason, describe(canary));
        }
    }

    private DecisionRecord.EndpointEvidence evidence(Decision decision, Map<String, Double> poolMedians) {
        final WindowStats stats = decision.evidence() == null ? new WindowStats(0, 0, 0, Set.of())
                : decision.evidence();
        return new DecisionRecord.EndpointEvidence(decision.endpointId(), decision.pool(), decision.fromTier(),
                                                   decision.toTier(), stats.requests(), stats.failures(),
                                                   stats.errorRatePercent(), stats.p99Millis(),
                                                   poolMedians.getOrDefault(decision.pool(), 0.0),
                                                   List.copyOf(new TreeSet<>(stats.reporters())),
                                                   List.copyOf(new TreeSet<>(stats.ejectedBy())), settings);
    }

    private static DecisionRecord.CanaryEvidence canaryEvidence(CanaryDecision stop, int fromWeight, int toWeight) {
        return new DecisionRecord.CanaryEvidence(stop.prefix(), stop.arm(), stop.control(), fromWeight, toWeight,
                                                 DecisionRecord.ArmFigures.of(stop.armWindow()),
                                                 DecisionRecord.ArmFigures.of(stop.controlWindow()),
                                                 stop.errorPValue(), stop.latencyPValue());
    }

    private Map<String, Double> poolMedians(RoutingSnapshot snapshot, Map<String, WindowStats> stats) {
        final Map<String, List<Endpoint>> pools = new LinkedHashMap<>();
        for (Endpoint endpoint : snapshot.getEndpointsList()) {
            pools.computeIfAbsent(endpoint.getPool(), key -> new ArrayList<>()).add(endpoint);
        }
        final Map<String, Double> medians = new HashMap<>();
        pools.forEach((pool, members) -> medians.put(pool, policy.medianP99(members, stats)));
        return medians;
    }

    private void publish(long now, HealthWindow window) {
        final List<EndpointHealth> endpoints = new ArrayList<>();
        for (Endpoint endpoint : config.current().getEndpointsList()) {
            final EndpointWindow figures = window.endpoints().get(endpoint.getId());
            final WindowStats stats = figures == null ? new WindowStats(0, 0, 0, Set.of()) : figures.toStats();
            endpoints.add(new EndpointHealth(endpoint.getId(), endpoint.getPool(), endpoint.getTier(),
                                             policy.originalTier(endpoint.getId()).orElse(endpoint.getTier()),
                                             policy.isDemoted(endpoint.getId()), holds.get(endpoint.getId()),
                                             stats.requests(), stats.failures(), stats.errorRatePercent(),
                                             stats.p99Millis(), List.copyOf(new TreeSet<>(stats.reporters()))));
        }
        lastWindow = new EndpointHealth.LastWindow(windows, now, endpoints);
    }

    private static Endpoint findEndpoint(RoutingSnapshot snapshot, String id) {
        for (Endpoint endpoint : snapshot.getEndpointsList()) {
            if (endpoint.getId().equals(id)) {
                return endpoint;
            }
        }
        return null;
    }

    private static SubsetEntry findSubset(RoutingSnapshot snapshot, String prefix) {
        final String key = Deltas.subsetKey(prefix);
        for (SubsetEntry subset : snapshot.getSubsetsList()) {
            if (Deltas.subsetKey(subset.getPrefix()).equals(key)) {
                return subset;
            }
        }
        return null;
    }

    /** Returns the weight of the arm for {@code persona}, or -1 when the subset has no such arm. */
    private static int armWeight(SubsetEntry subset, String persona) {
        if (!subset.hasSplit()) {
            return -1;
        }
        for (SplitArm arm : subset.getSplit().getArmsList()) {
            if (arm.getPersona().equals(persona)) {
                return arm.getWeight();
            }
        }
        return -1;
    }

    private static String describe(DecisionRecord.EndpointEvidence evidence) {
        return String.format(Locale.ROOT, "requests %d, failures %d, failure share %.1f%%, p99 %.1f ms, pool median"
                                          + " p99 %.1f ms, reporters %s, thresholds: max failure share %.1f%%,"
                                          + " latency factor %.1f, min requests %d",
                             evidence.requests(), evidence.failures(), evidence.failurePercent(),
                             evidence.p99Millis(), evidence.poolMedianP99Millis(), evidence.reporters(),
                             evidence.thresholds().maxErrorRatePercent(), evidence.thresholds().latencyOutlierFactor(),
                             evidence.thresholds().minRequests());
    }

    private static String describe(DecisionRecord.CanaryEvidence evidence) {
        return String.format(Locale.ROOT, "control %s; arm: %d requests, failure share %.2f%%, p50 %.1f ms;"
                                          + " control: %d requests, failure share %.2f%%, p50 %.1f ms;"
                                          + " p-values: failures %.3g, latency %.3g",
                             evidence.control(), evidence.armFigures().requests(),
                             evidence.armFigures().failurePercent(), evidence.armFigures().p50Millis(),
                             evidence.controlFigures().requests(), evidence.controlFigures().failurePercent(),
                             evidence.controlFigures().p50Millis(), evidence.errorPValue(),
                             evidence.latencyPValue());
    }
}
