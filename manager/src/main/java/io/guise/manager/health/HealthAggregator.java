package io.guise.manager.health;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.guise.proto.Endpoint;
import io.guise.proto.EndpointInterval;
import io.guise.proto.HealthReport;
import io.guise.proto.Persona;
import io.guise.proto.PersonaInterval;
import io.guise.proto.RoutingSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sums the health reports of every access point over the current manager window,
 * per endpoint and per persona, and hands the window over when the health loop
 * closes it. A report counts in the window in which it arrives; access point
 * intervals and manager windows are not aligned.
 *
 * <p>Entries the manager cannot use are dropped one by one and counted, and the
 * rest of the report still counts: ids the routing state does not have (usual
 * after a deletion, so logged at DEBUG), negative counts and latency histograms
 * that do not decode (with a WARN at most every ten seconds per kind, naming the
 * access point, the entry, the value and the rule).
 *
 * <p>Thread-safe. Distribution threads call {@link #accept}; histograms are decoded
 * outside the lock, and the lock is held only to add figures or swap windows.
 */
public final class HealthAggregator {

    private static final Logger logger = LoggerFactory.getLogger(HealthAggregator.class);
    private static final Duration WARN_INTERVAL = Duration.ofSeconds(10);

    /** The reason an entry of a report was left out. */
    public enum Ignored {
        /** The endpoint id is not in the routing state. */
        UNKNOWN_ENDPOINT,
        /** The persona id is not in the routing state. */
        UNKNOWN_PERSONA,
        /** The latency histogram does not decode or is out of bounds. */
        BAD_HISTOGRAM,
        /** A count is negative. */
        NEGATIVE_COUNT;

        /** Returns the metric label: the name in lower case. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Supplier<RoutingSnapshot> routing;
    private final AtomicLong reports = new AtomicLong();
    private final List<BiConsumer<String, HealthReport>> reportListeners = new CopyOnWriteArrayList<>();
    private final Map<Ignored, AtomicLong> ignored = new EnumMap<>(Ignored.class);
    private final Map<Ignored, RateLimitedWarning> warnings = new EnumMap<>(Ignored.class);
    private volatile KnownIds known = new KnownIds(-1, Set.of(), Set.of());
    private Map<String, EndpointSum> endpoints = new HashMap<>();
    private Map<String, PersonaSum> personas = new HashMap<>();

    /**
     * Creates an aggregator that checks ids against {@code routing}, the newest
     * routing state, read once per report.
     */
    public HealthAggregator(Supplier<RoutingSnapshot> routing, Clock clock) {
        this.routing = requireNonNull(routing, "routing");
        requireNonNull(clock, "clock");
        for (Ignored reason : Ignored.values()) {
            ignored.put(reason, new AtomicLong());
            warnings.put(reason, new RateLimitedWarning(logger, clock, WARN_INTERVAL));
        }
    }

    /** The ids of one revision of the routing state. */
    private record KnownIds(long revision, Set<String> endpoints, Set<String> personas) {
    }

    /**
     * Registers a listener called with each report that {@link #accept} receives,
     * after it counted; reports from {@link #acceptFromReplica} are not passed on.
     */
    public void addReportListener(BiConsumer<String, HealthReport> listener) {
        reportListeners.add(requireNonNull(listener, "listener"));
    }

    /**
     * Adds one report of {@code accessPointId} to the current window. Bad entries are
     * dropped and counted instead of raising an exception.
     */
    public void accept(String accessPointId, HealthReport report) {
        acceptFromReplica(accessPointId, report);
        for (BiConsumer<String, HealthReport> listener : reportListeners) {
            try {
                listener.accept(accessPointId, report);
            } catch (RuntimeException e) {
                logger.warn("Access point {}: health report listener failed", accessPointId, e);
            }
        }
    }

    /**
     * Adds one report that an access point sent to another manager replica, which
     * forwarded it; counts it like {@link #accept} without passing it to the listeners.
     */
    public void acceptFromReplica(String accessPointId, HealthReport report) {
        requireNonNull(accessPointId, "accessPointId");
        requireNonNull(report, "report");
        reports.incrementAndGet();
        final KnownIds ids = knownIds();
        final Map<String, EndpointSum> endpointFigures = new HashMap<>();
        for (EndpointInterval entry : report.getEndpointsList()) {
            final String id = entry.getEndpointId();
            if (!ids.endpoints().contains(id)) {
                drop(Ignored.UNKNOWN_ENDPOINT, accessPointId, "endpoint", id, "not in the routing state");
                continue;
            }
            if (entry.getSuccesses() < 0 || entry.getFailures() < 0 || entry.getTimeouts() < 0) {
                drop(Ignored.NEGATIVE_COUNT, accessPointId, "endpoint", id, "successes " + entry.getSuccesses()
                     + ", failures " + entry.getFailures() + ", timeouts " + entry.getTimeouts()
                     + " (expected: 0 or more each)");
                continue;
            }
            final Histogram latency = decode(accessPointId, "endpoint", id, entry.getLatencyHistogram());
            if (latency == null) {
                continue;
            }
            final EndpointSum sum = endpointFigures.computeIfAbsent(id, key -> new EndpointSum());
            sum.add(entry.getSuccesses(), entry.getFailures(), entry.getTimeouts(), latency);
            sum.reporters.add(accessPointId);
            if (entry.getLocallyEjected()) {
                sum.ejectedBy.add(accessPointId);
            }
        }
        final Map<String, PersonaSum> personaFigures = new HashMap<>();
        for (PersonaInterval entry : report.getPersonasList()) {
            final String id = entry.getPersonaId();
            if (!ids.personas().contains(id)) {
                drop(Ignored.UNKNOWN_PERSONA, accessPointId, "persona", id, "not in the routing state");
                continue;
            }
            if (entry.getSuccesses() < 0 || entry.getFailures() < 0 || entry.getTimeouts() < 0
                || entry.getInjectedFaults() < 0) {
                drop(Ignored.NEGATIVE_COUNT, accessPointId, "persona", id, "successes " + entry.getSuccesses()
                     + ", failures " + entry.getFailures() + ", timeouts " + entry.getTimeouts()
                     + ", injected_faults " + entry.getInjectedFaults() + " (expected: 0 or more each)");
                continue;
            }
            final Histogram latency = decode(accessPointId, "persona", id, entry.getLatencyHistogram());
            if (latency == null) {
                continue;
            }
            personaFigures.computeIfAbsent(id, key -> new PersonaSum())
                    .add(entry.getSuccesses(), entry.getFailures(), entry.getTimeouts(), entry.getInjectedFaults(),
                         latency);
        }
        synchronized (this) {
            endpointFigures.forEach((id, sum) -> endpoints.merge(id, sum, EndpointSum::merge));
            personaFigures.forEach((id, sum) -> personas.merge(id, sum, PersonaSum::merge));
        }
    }

    /** Ends the current window, starts an empty one and returns what the ended one holds. */
    public HealthWindow closeWindow() {
        final Map<String, EndpointSum> closedEndpoints;
        final Map<String, PersonaSum> closedPersonas;
        synchronized (this) {
            closedEndpoints = endpoints;
            closedPersonas = personas;
            endpoints = new HashMap<>();
            personas = new HashMap<>();
        }
        final Map<String, EndpointWindow> endpointWindows = new HashMap<>();
        closedEndpoints.forEach((id, sum) -> endpointWindows.put(id, sum.toWindow()));
        final Map<String, ArmWindow> personaWindows = new HashMap<>();
        closedPersonas.forEach((id, sum) -> personaWindows.put(id, sum.toWindow()));
        return new HealthWindow(endpointWindows, personaWindows);
    }

    /** Returns how many reports arrived, counting those with dropped entries. */
    public long reportsReceived() {
        return reports.get();
    }

    /** Returns how many report entries were left out for {@code reason}. */
    public long ignored(Ignored reason) {
        return ignored.get(requireNonNull(reason, "reason")).get();
    }

    private KnownIds knownIds() {
        final RoutingSnapshot snapshot = routing.get();
        KnownIds ids = known;
        if (ids.revision() != snapshot.getRevision()) {
            final Set<String> endpointIds = new HashSet<>();
            for (Endpoint endpoint : snapshot.getEndpointsList()) {
                endpointIds.add(endpoint.getId());
            }
            final Set<String> personaIds = new HashSet<>();
            for (Persona persona : snapshot.getPersonasList()) {
                personaIds.add(persona.getId());
            }
            ids = new KnownIds(snapshot.getRevision(), Set.copyOf(endpointIds), Set.copyOf(personaIds));
            known = ids;
        }
        return ids;
    }

    /**
     * Returns the entry's histogram copied into an auto-resizing one of three
     * significant digits, so that windows always merge histograms of one shape.
     * Returns null after dropping an entry whose histogram is unusable.
     */
    private Histogram decode(String accessPointId, String kind, String id, ByteString bytes) {
        final Histogram normalized = new Histogram(3);
        try {
            final Histogram decoded = HistogramDecoder.decode(bytes);
            if (decoded != null) {
                normalized.add(decoded);
            }
            return normalized;
        } catch (HistogramDecoder.BadHistogramException | RuntimeException e) {
            drop(Ignored.BAD_HISTOGRAM, accessPointId, kind, id, "latency_histogram of " + bytes.size() + " bytes: "
                                                                + e.getMessage());
            return null;
        }
    }

    private void drop(Ignored reason, String accessPointId, String kind, String id, String problem) {
        ignored.get(reason).incrementAndGet();
        if (reason == Ignored.UNKNOWN_ENDPOINT || reason == Ignored.UNKNOWN_PERSONA) {
            // Usual for a report that crossed a deletion, so not worth a WARN.
            logger.debug("Access point {}: health report entry for {} '{}' left out: {}", accessPointId, kind, id,
                         problem);
            return;
        }
        warnings.get(reason).warn("Access point " + accessPointId + ": health report entry for " + kind + " '" + id
                                  + "' left out (" + reason.label() + "): " + problem);
    }

    /** Figures of one endpoint being summed; confined to one report, then to the lock. */
    private static final class EndpointSum {
        long successes;
        long failures;
        long timeouts;
        final Histogram latency = new Histogram(3);
        final Set<String> reporters = new HashSet<>();
        final Set<String> ejectedBy = new HashSet<>();

        void add(long addSuccesses, long addFailures, long addTimeouts, Histogram addLatency) {
            successes = saturatedAdd(successes, addSuccesses);
            failures = saturatedAdd(failures, addFailures);
            timeouts = saturatedAdd(timeouts, addTimeouts);
            latency.add(addLatency);
        }

        EndpointSum merge(EndpointSum other) {
            add(other.successes, other.failures, other.timeouts, other.latency);
            reporters.addAll(other.reporters);
            ejectedBy.addAll(other.ejectedBy);
            return this;
        }

        EndpointWindow toWindow() {
            return new EndpointWindow(successes, failures, timeouts, latency, reporters, ejectedBy);
        }
    }

    /** Figures of one persona being summed; confined to one report, then to the lock. */
    private static final class PersonaSum {
        long successes;
        long failures;
        long timeouts;
        long injectedFaults;
        final Histogram latency = new Histogram(3);

        void add(long addSuccesses, long addFailures, long addTimeouts, long addInjected, Histogram addLatency) {
            successes = saturatedAdd(successes, addSuccesses);
            failures = saturatedAdd(failures, addFailures);
            timeouts = saturatedAdd(timeouts, addTimeouts);
            injectedFaults = saturatedAdd(injectedFaults, addInjected);
            latency.add(addLatency);
        }

        PersonaSum merge(PersonaSum other) {
            add(other.successes, other.failures, other.timeouts, other.injectedFaults, other.latency);
            return this;
        }

        ArmWindow toWindow() {
            return new ArmWindow(successes, failures, timeouts, latency, injectedFaults);
        }
    }

    private static long saturatedAdd(long a, long b) {
        final long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
