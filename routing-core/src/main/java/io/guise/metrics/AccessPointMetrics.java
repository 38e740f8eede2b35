package io.guise.metrics;

import static java.util.Objects.requireNonNull;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.HdrHistogram.Histogram;

/**
 * The Prometheus metrics of one access point. Each access point owns a registry,
 * so several access points in one process keep separate figures.
 *
 * <p>Thread-safe. Per-persona and per-endpoint handles are created once and cached,
 * so the data path increments counters without label lookups.
 */
public final class AccessPointMetrics {

    private static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    private final Counter injectedFaults;
    private final Counter panicPicks;
    private final Counter endpointResponses;
    private final Counter ejections;
    private final Gauge ejected;
    private final Counter shapingDecisions;
    private final Counter retries;
    private final Counter retrySuccesses;
    private final Gauge revision;
    private final Gauge activeConnections;
    private final Gauge faultInjectionSuspended;
    private final Counter healthReports;
    private final Gauge activeCheckHealthy;
    private final Counter activeChecks;
    private final Map<String, PersonaStats> personas = new ConcurrentHashMap<>();
    private final Map<String, ShapingStats> shaping = new ConcurrentHashMap<>();
    private final Map<String, RetryStats> retryStats = new ConcurrentHashMap<>();
    private final Map<String, EndpointStats> endpoints = new ConcurrentHashMap<>();
    private final Map<String, IntervalStats> personaIntervals = new ConcurrentHashMap<>();

    public AccessPointMetrics() {
        requests = Counter.builder()
                .name("guise_requests_total")
                .help("Requests (L7) and connections (L4) by persona, listener mode and outcome.")
                .labelNames("persona", "mode", "outcome")
                .withoutExemplars()
                .register(registry);
        injectedFaults = Counter.builder()
                .name("guise_injected_faults_total")
                .help("Faults injected by persona profiles, by kind (error or latency).")
                .labelNames("persona", "mode", "kind")
                .withoutExemplars()
                .register(registry);
        panicPicks = Counter.builder()
                .name("guise_panic_selections_total")
                .help("Endpoint picks made in panic mode, when no endpoint of the pool was healthy.")
                .labelNames("persona", "mode")
                .withoutExemplars()
                .register(registry);
        endpointResponses = Counter.builder()
                .name("guise_endpoint_responses_total")
                .help("Upstream exchanges per endpoint by result (success, failure, timeout).")
                .labelNames("endpoint", "result")
                .withoutExemplars()
                .register(registry);
        ejections = Counter.builder()
                .name("guise_endpoint_ejections_total")
                .help("Local ejections per endpoint after consecutive failures, failed probes included.")
                .labelNames("endpoint")
                .withoutExemplars()
                .register(registry);
        ejected = Gauge.builder()
                .name("guise_endpoint_ejected")
                .help("1 while this access point keeps the endpoint out of selection, else 0.")
                .labelNames("endpoint")
                .withoutExemplars()
                .register(registry);
        shapingDecisions = Counter.builder()
                .name("guise_shaping_decisions_total")
                .help("Traffic shaping decisions by persona: admitted, queued, shed or rate_limited.")
                .labelNames("persona", "decision")
                .withoutExemplars()
                .register(registry);
        retries = Counter.builder()
                .name("guise_retries_total")
                .help("Retries of L7 requests on another endpoint by persona and result: attempted, or"
                      + " budget_exhausted when the retry budget did not allow one.")
                .labelNames("persona", "result")
                .withoutExemplars()
                .register(registry);
        retrySuccesses = Counter.builder()
                .name("guise_retry_successes_total")
                .help("L7 requests by persona that got a response below 500 after at least one retry.")
                .labelNames("persona")
                .withoutExemplars()
                .register(registry);
        revision = Gauge.builder()
                .name("guise_routing_revision")
                .help("Revision of the routing table in force.")
                .withoutExemplars()
                .register(registry);
        activeConnections = Gauge.builder()
                .name("guise_active_connections")
                .help("Open client connections per listener.")
                .labelNames("listener")
                .withoutExemplars()
                .register(registry);
        faultInjectionSuspended = Gauge.builder()
                .name("guise_fault_injection_suspended")
                .help("1 while persona latency and errors are not injected because the manager was silent for"
                      + " longer than the fault safety timeout, else 0.")
                .withoutExemplars()
                .register(registry);
        healthReports = Counter.builder()
                .name("guise_health_reports_total")
                .help("Health report intervals by result: sent to the manager, or dropped because no stream was"
                      + " open when the interval ended.")
                .labelNames("result")
                .withoutExemplars()
                .register(registry);
        activeCheckHealthy = Gauge.builder()
                .name("guise_endpoint_active_check_healthy")
                .help("1 while the active health check keeps the endpoint in selection, 0 while it keeps it out;"
                      + " absent for endpoints without a check.")
                .labelNames("endpoint")
                .withoutExemplars()
                .register(registry);
        activeChecks = Counter.builder()
                .name("guise_active_checks_total")
                .help("Active health checks per endpoint by result (pass or fail).")
                .labelNames("endpoint", "result")
                .withoutExemplars()
                .register(registry);
        registry.register(new EndpointLatencyCollector());
    }

    /** Returns the counters of a persona on a listener mode ("l4" or "l7"). */
    public PersonaStats persona(String personaId, String mode) {
        requireNonNull(personaId, "personaId");
        requireNonNull(mode, "mode");
        return personas.computeIfAbsent(personaId + '\n' + mode, key -> {
            final Map<RequestOutcome, CounterDataPoint> outcomes = new EnumMap<>(RequestOutcome.class);
            for (RequestOutcome outcome : RequestOutcome.values()) {
                outcomes.put(outcome, requests.labelValues(personaId, mode, outcome.label()));
            }
            return new PersonaStats(outcomes, injectedFaults.labelValues(personaId, mode, "error"),
                                    injectedFaults.labelValues(personaId, mode, "latency"),
                                    panicPicks.labelValues(personaId, mode), personaInterval(personaId));
        });
    }

    /** Returns the health report interval of a persona, shared by its L4 and L7 traffic, created on first use. */
    public IntervalStats personaInterval(String personaId) {
        requireNonNull(personaId, "personaId");
        return personaIntervals.computeIfAbsent(personaId, id -> new IntervalStats());
    }

    /** Returns a live view of every persona's interval by persona id, for the health reporter. */
    public Map<String, IntervalStats> personaIntervals() {
        return Collections.unmodifiableMap(personaIntervals);
    }

    /** Returns a live view of every endpoint's measurements by endpoint id, for the health reporter. */
    public Map<String, EndpointStats> endpoints() {
        return Collections.unmodifiableMap(endpoints);
    }

    /** Returns the shaping decision counters of a persona, created on first use. */
    public ShapingStats shaping(String personaId) {
        requireNonNull(personaId, "personaId");
        return shaping.computeIfAbsent(personaId, id -> {
            final Map<ShapingStats.Decision, CounterDataPoint> points = new EnumMap<>(ShapingStats.Decision.class);
            for (ShapingStats.Decision decision : ShapingStats.Decision.values()) {
                points.put(decision, shapingDecisions.labelValues(id, decision.label()));
            }
            return new ShapingStats(points);
        });
    }

    /** Returns the retry counters of a persona, created on first use. */
    public RetryStats retries(String personaId) {
        requireNonNull(personaId, "personaId");
        return retryStats.computeIfAbsent(personaId, id -> new RetryStats(
                retries.labelValues(id, "attempted"), retries.labelValues(id, "budget_exhausted"),
                retrySuccesses.labelValues(id)));
    }

    /** Returns the measurements of an endpoint, created on first use. */
    public EndpointStats endpoint(String endpointId) {
        requireNonNull(endpointId, "endpointId");
        return endpoints.computeIfAbsent(endpointId, id -> new EndpointStats(
                id, endpointResponses.labelValues(id, "success"), endpointResponses.labelValues(id, "failure"),
                endpointResponses.labelValues(id, "timeout")));
    }

    /** Counts a request or connection whose destination matched no subset. */
    public void countNoPersona(String mode) {
        requests.labelValues("", mode, RequestOutcome.NO_PERSONA.label()).inc();
    }

    /** Returns how many requests or connections on {@code mode} matched no subset. */
    public long noPersonaCount(String mode) {
        return requests.labelValues("", mode, RequestOutcome.NO_PERSONA.label()).getLongValue();
    }

    /** Counts a local ejection of an endpoint and marks it ejected. */
    public void endpointEjected(String endpointId) {
        ejections.labelValues(endpointId).inc();
        ejected.labelValues(endpointId).set(1);
    }

    /** Marks an endpoint back in selection after a successful probe. */
    public void endpointRestored(String endpointId) {
        ejected.labelValues(endpointId).set(0);
    }

    /** Returns how many times an endpoint was ejected locally. */
    public long ejectionCount(String endpointId) {
        return ejections.labelValues(endpointId).getLongValue();
    }

    /** Sets whether fault injection is suspended for lack of word from the manager. */
    public void setFaultInjectionSuspended(boolean suspended) {
        faultInjectionSuspended.set(suspended ? 1 : 0);
    }

    /** Counts a health report sent to the manager. */
    public void healthReportSent() {
        healthReports.labelValues("sent").inc();
    }

    /** Counts a health report interval dropped because no stream was open when it ended. */
    public void healthReportDropped() {
        healthReports.labelValues("dropped").inc();
    }

    /** Returns how many health report intervals were dropped. */
    public long healthReportsDropped() {
        return healthReports.labelValues("dropped").getLongValue();
    }

    /** Sets an endpoint's active check state: true in selection, false out of it. */
    public void setActiveCheckHealthy(String endpointId, boolean healthy) {
        activeCheckHealthy.labelValues(endpointId).set(healthy ? 1 : 0);
    }

    /** Counts one active check of an endpoint. */
    public void countActiveCheck(String endpointId, boolean passed) {
        activeChecks.labelValues(endpointId, passed ? "pass" : "fail").inc();
    }

    public void setRevision(long value) {
        revision.set(value);
    }

    public void connectionOpened(String listener) {
        activeConnections.labelValues(listener).inc();
    }

    public void connectionClosed(String listener) {
        activeConnections.labelValues(listener).dec();
    }

    /** Returns every metric in the Prometheus text format, version 0.0.4. */
    public byte[] scrapeText() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a byte array failed", e);
        }
        return out.toByteArray();
    }

    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    /** Publishes each endpoint's latency histogram as a Prometheus summary in seconds. */
    private final class EndpointLatencyCollector implements MultiCollector {
        @Override
        public MetricSnapshots collect() {
            final SummarySnapshot.Builder summary = SummarySnapshot.builder()
                    .name("guise_endpoint_latency_seconds")
                    .help("Upstream response latency per endpoint since start, from an HdrHistogram.");
            for (EndpointStats stats : endpoints.values()) {
                final Histogram histogram = stats.snapshot();
                final Quantiles.Builder quantiles = Quantiles.builder();
                for (double quantile : QUANTILES) {
                    final double micros = histogram.getTotalCount() == 0
                            ? Double.NaN : histogram.getValueAtPercentile(quantile * 100);
                    quantiles.quantile(new Quantile(quantile, micros / 1e6));
                }
                summary.dataPoint(SummaryDataPointSnapshot.builder()
                        .labels(Labels.of("endpoint", stats.endpointId()))
                        .count(histogram.getTotalCount())
                        .sum(histogram.getMean() * histogram.getTotalCount() / 1e6)
                        .quantiles(quantiles.build())
                        .build());
            }
            return MetricSnapshots.of(summary.build());
        }
    }
}
