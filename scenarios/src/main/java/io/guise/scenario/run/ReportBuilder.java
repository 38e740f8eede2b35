package io.guise.scenario.run;

import io.guise.distribution.Deltas;
import io.guise.load.LatencySummary;
import io.guise.manager.health.DecisionRecord;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SplitArm;
import io.guise.proto.SubsetEntry;
import io.guise.load.LoadSnapshot;
import io.guise.load.RequestStats;
import io.guise.load.TimeBucket;
import io.guise.scenario.model.ClientGroup;
import io.guise.scenario.model.Expectation;
import io.guise.scenario.model.Scenario;
import io.guise.scenario.model.TrafficSelector;
import io.guise.scenario.report.RunReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/** Turns a run's measurements into a {@link RunReport}, checking every expectation. */
final class ReportBuilder {

    private final Scenario scenario;
    private final TrafficLedger ledger;
    private final LoadSnapshot load;
    private final Histogram commitToAckMillis;
    private final List<EndpointFault> faults;
    private final List<RunReport.TimelineEntry> timeline;
    private final List<RunReport.RevisionPropagation> revisions;
    private final List<RunReport.Convergence> convergence;
    private final List<DecisionRecord> decisions;
    private final long t0EpochMillis;
    private final RoutingSnapshot finalRouting;
    private final List<RunReport.DemotionRecord> demotions;

    /**
     * @param decisions the manager's health decisions, oldest first
     * @param t0EpochMillis the wall clock at the start of the load, which maps decision times to the run's clock
     * @param finalRouting the manager's routing state at the end of the run; null when there is none
     */
    ReportBuilder(Scenario scenario, TrafficLedger ledger, LoadSnapshot load, Histogram commitToAckMillis,
                  List<EndpointFault> faults, List<RunReport.TimelineEntry> timeline,
                  List<RunReport.RevisionPropagation> revisions,
                  List<RunReport.Convergence> convergence, List<DecisionRecord> decisions, long t0EpochMillis,
                  RoutingSnapshot finalRouting) {
        this.scenario = scenario;
        this.ledger = ledger;
        this.load = load;
        this.commitToAckMillis = commitToAckMillis;
        this.faults = List.copyOf(faults);
        this.timeline = List.copyOf(timeline);
        this.revisions = List.copyOf(revisions);
        this.convergence = List.copyOf(convergence);
        this.decisions = List.copyOf(decisions);
        this.t0EpochMillis = t0EpochMillis;
        this.finalRouting = finalRouting;
        this.demotions = demotions();
    }

    RunReport build(Instant startedAt, long durationMs, int accessPoints) {
        final List<RunReport.ExpectationResult> results = new ArrayList<>();
        for (Expectation expectation : scenario.expect()) {
            results.add(check(expectation));
        }
        final boolean passed = results.stream().allMatch(RunReport.ExpectationResult::passed);
        return new RunReport(scenario.name(), scenario.seed(), passed, startedAt.toString(), durationMs, accessPoints,
                             results, distribution(commitToAckMillis), demotions, traffic(load.personas()),
                             traffic(load.endpoints()), traffic(load.groups()), personaSeries(),
                             new TreeMap<>(load.endpointRequestsPerSecond()), timeline, revisions, convergence,
                             healthDecisions());
    }

    private RunReport.ExpectationResult check(Expectation expectation) {
        if (expectation instanceof Expectation.ErrorShare share) {
            final RequestStats stats = persona(share.persona());
            final double percent = percent(stats.failures(), stats.requests());
            return result(share, range(share.minPercent(), share.maxPercent()), percentText(percent, stats),
                          stats.requests() > 0 && within(percent, share.minPercent(), share.maxPercent()));
        } else if (expectation instanceof Expectation.InjectedErrorShare share) {
            final RequestStats stats = persona(share.persona());
            final double percent = percent(stats.injected(), stats.requests());
            return result(share, range(share.minPercent(), share.maxPercent()), percentText(percent, stats),
                          stats.requests() > 0 && within(percent, share.minPercent(), share.maxPercent()));
        } else if (expectation instanceof Expectation.LatencyPercentile latency) {
            final RequestStats stats = selected(latency.traffic());
            final double millis = percentileMillis(stats.latency(), latency.percentile());
            final double maxMillis = latency.max().toNanos() / 1e6;
            return result(latency, "p" + number(latency.percentile()) + " <= " + number(maxMillis) + " ms",
                          "p" + number(latency.percentile()) + " " + number(millis) + " ms over "
                          + stats.requests() + " requests",
                          stats.requests() > 0 && millis <= maxMillis);
        } else if (expectation instanceof Expectation.ArmShare arm) {
            return armShare(arm);
        } else if (expectation instanceof Expectation.DemotionWithin demotion) {
            return demotionWithin(demotion);
        } else if (expectation instanceof Expectation.RestorationWithin restoration) {
            return restorationWithin(restoration);
        } else if (expectation instanceof Expectation.ArmWeight weight) {
            return armWeight(weight);
        } else if (expectation instanceof Expectation.DeltaPropagationP99 propagation) {
            final double p99 = commitToAckMillis.getTotalCount() == 0 ? Double.NaN
                                                                      : commitToAckMillis.getValueAtPercentile(99);
            final long max = propagation.max().toMillis();
            return result(propagation, "p99 <= " + max + " ms",
                          "p99 " + number(p99) + " ms over " + commitToAckMillis.getTotalCount() + " ACKs",
                          commitToAckMillis.getTotalCount() > 0 && p99 <= max);
        } else if (expectation instanceof Expectation.NoTrafficWhileDown down) {
            long routed = 0;
            int windows = 0;
            for (EndpointFault fault : faults) {
                if (fault.endpointId().equals(down.endpointId()) && fault.kind().equals("kill")) {
                    windows++;
                    final long end = fault.endNanos() < 0 ? Long.MAX_VALUE : fault.endNanos();
                    routed += ledger.requestsToEndpointBetween(down.endpointId(), fault.onsetNanos(), end);
                }
            }
            return result(down, "0 requests routed to " + down.endpointId() + " while down",
                          routed + " requests in " + windows + " down windows", windows > 0 && routed == 0);
        } else if (expectation instanceof Expectation.ConvergenceWithin within) {
            return convergenceWithin(within);
        } else if (expectation instanceof Expectation.Throughput throughput) {
            final RequestStats stats = load.groups().getOrDefault(throughput.group(), empty());
            final double seconds = groupSeconds(throughput.group());
            final double rate = seconds <= 0 ? 0 : stats.requests() / seconds;
            return result(throughput, ">= " + number(throughput.minRequestsPerSecond()) + " requests/s",
                          number(rate) + " requests/s", rate >= throughput.minRequestsPerSecond());
        } else if (expectation instanceof Expectation.SuccessRate success) {
            final RequestStats stats = selected(success.traffic());
            final double percent = percent(stats.requests() - stats.failures(), stats.requests());
            final String expected = success.maxPercent() >= 100 ? ">= " + number(success.minPercent()) + "%"
                    : range(success.minPercent(), success.maxPercent());
            return result(success, expected, percentText(percent, stats),
                          stats.requests() > 0 && within(percent, success.minPercent(), success.maxPercent()));
        }
        throw new IllegalArgumentException("unsupported expectation " + expectation);
    }

    private RunReport.ExpectationResult demotionWithin(Expectation.DemotionWithin demotion) {
        final long max = demotion.max().toMillis();
        final String expected = "demoted within " + max + " ms of each fault's onset";
        final List<RunReport.DemotionRecord> records = recordsOf(demotion.endpointId());
        long slowest = -1;
        for (RunReport.DemotionRecord record : records) {
            if (record.demotionMs() == null) {
                return result(demotion, expected, "not demoted after the " + record.fault() + " fault at "
                        + seconds(record.faultOnsetMs()) + "; " + decisionsAbout(demotion.endpointId()), false);
            }
            slowest = Math.max(slowest, record.demotionMs() - record.faultOnsetMs());
        }
        if (records.isEmpty()) {
            return result(demotion, expected, "no fault of " + demotion.endpointId() + " was recorded", false);
        }
        return result(demotion, expected, records.size() == 1 ? "demoted " + slowest + " ms after the onset"
                : "slowest demotion " + slowest + " ms after its onset, over " + records.size() + " faults",
                slowest <= max);
    }

    private RunReport.ExpectationResult restorationWithin(Expectation.RestorationWithin restoration) {
        final long max = restoration.max().toMillis();
        final String expected = "restored within " + max + " ms of each fault's end";
        final List<RunReport.DemotionRecord> records = recordsOf(restoration.endpointId());
        long slowest = -1;
        for (RunReport.DemotionRecord record : records) {
            final String fault = "the " + record.fault() + " fault at " + seconds(record.faultOnsetMs());
            if (record.faultEndMs() == null) {
                return result(restoration, expected, fault + " lasted to the end of the run", false);
            }
            if (record.demotionMs() == null) {
                return result(restoration, expected, "not demoted after " + fault + ", so not restored; "
                        + decisionsAbout(restoration.endpointId()), false);
            }
            if (record.restorationMs() == null) {
                return result(restoration, expected, "demoted at " + seconds(record.demotionMs())
                        + " and not restored by the end of the run", false);
            }
            final long sinceEnd = record.restorationMs() - record.faultEndMs();
            if (sinceEnd < 0) {
                return result(restoration, expected, "restored at " + seconds(record.restorationMs()) + ", "
                        + (-sinceEnd) + " ms before " + fault + " ended at " + seconds(record.faultEndMs())
                        + ": the manager counts a window without enough requests as healthy, and a demoted "
                        + "endpoint gets none; raise manager.health.restore_after_windows", false);
            }
            slowest = Math.max(slowest, sinceEnd);
        }
        if (records.isEmpty()) {
            return result(restoration, expected, "no fault of " + restoration.endpointId() + " was recorded",
                          false);
        }
        return result(restoration, expected, records.size() == 1 ? "restored " + slowest + " ms after the end"
                : "slowest restoration " + slowest + " ms after its end, over " + records.size() + " faults",
                slowest <= max);
    }

    private List<RunReport.DemotionRecord> recordsOf(String endpointId) {
        final List<RunReport.DemotionRecord> records = new ArrayList<>();
        for (RunReport.DemotionRecord record : demotions) {
            if (record.endpoint().equals(endpointId)) {
                records.add(record);
            }
        }
        return records;
    }

    /** Describes the manager's decisions about an endpoint during the run, for a failure message. */
    private String decisionsAbout(String endpointId) {
        final List<String> described = new ArrayList<>();
        for (DecisionRecord record : decisions) {
            if (record.endpoint() != null && record.endpoint().endpointId().equals(endpointId)) {
                described.add(record.action().label() + " at " + seconds(runMillis(record)) + " ("
                        + record.outcome().label() + "): " + record.reason());
            }
        }
        if (described.isEmpty()) {
            return "the manager made no decision about " + endpointId
                    + " (check manager.health.min_requests against the requests it gets per window)";
        }
        return "decisions: " + String.join("; ", described);
    }

    private RunReport.ExpectationResult armWeight(Expectation.ArmWeight weight) {
        final String expected = "weight " + weight.weight() + " at the end of the run";
        final SubsetEntry subset = finalRouting == null ? null : findSubset(finalRouting, weight.prefix());
        if (subset == null || !subset.hasSplit()) {
            return result(weight, expected, "the manager's routing state has no split at " + weight.prefix(), false);
        }
        Integer actual = null;
        final List<String> arms = new ArrayList<>();
        for (SplitArm arm : subset.getSplit().getArmsList()) {
            arms.add(arm.getPersona() + " " + arm.getWeight());
            if (arm.getPersona().equals(weight.arm())) {
                actual = arm.getWeight();
            }
        }
        final List<String> stops = new ArrayList<>();
        final String key = Deltas.subsetKey(weight.prefix());
        for (DecisionRecord record : decisions) {
            if (record.canary() != null && Deltas.subsetKey(record.canary().prefix()).equals(key)) {
                stops.add(record.action().label() + " of arm " + record.canary().arm() + " at "
                        + seconds(runMillis(record)) + " (" + record.outcome().label() + "): " + record.reason());
            }
        }
        final String actualText = (actual == null ? "no arm " + weight.arm() : "weight " + actual) + "; arms: "
                + String.join(", ", arms) + "; " + (stops.isEmpty() ? "no canary decision for this split"
                : String.join("; ", stops));
        return result(weight, expected, actualText, actual != null && actual == weight.weight());
    }

    private static SubsetEntry findSubset(RoutingSnapshot routing, String prefix) {
        final String key = Deltas.subsetKey(prefix);
        for (SubsetEntry subset : routing.getSubsetsList()) {
            if (Deltas.subsetKey(subset.getPrefix()).equals(key)) {
                return subset;
            }
        }
        return null;
    }

    private long runMillis(DecisionRecord record) {
        return record.timeMillis() - t0EpochMillis;
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.3f s", millis / 1000.0);
    }

    private RunReport.ExpectationResult convergenceWithin(Expectation.ConvergenceWithin within) {
        final long max = within.max().toMillis();
        final String expected = "every access point at the latest revision within " + max + " ms of each heal";
        if (convergence.isEmpty()) {
            return result(within, expected, "no partition healed during the run", false);
        }
        long slowest = 0;
        int unconverged = 0;
        for (RunReport.Convergence heal : convergence) {
            if (heal.convergenceMs() == null) {
                unconverged++;
            } else {
                slowest = Math.max(slowest, heal.convergenceMs());
            }
        }
        if (unconverged > 0) {
            return result(within, expected, unconverged + " of " + convergence.size()
                    + " heals did not converge by the end of the run", false);
        }
        return result(within, expected, "slowest " + slowest + " ms over " + convergence.size() + " heal"
                + (convergence.size() == 1 ? "" : "s"), slowest <= max);
    }

    private RunReport.ExpectationResult armShare(Expectation.ArmShare arm) {
        final Map<String, Long> counts = new LinkedHashMap<>();
        for (ClientGroup group : scenario.load()) {
            if (arm.group() != null ? group.name().equals(arm.group()) : covers(arm.prefix(), group.destination())) {
                ledger.personasOfGroup(group.name()).forEach((persona, count) -> counts.merge(persona, count,
                                                                                             Long::sum));
            }
        }
        final long total = counts.values().stream().mapToLong(Long::longValue).sum();
        final long armCount = counts.getOrDefault(arm.arm(), 0L);
        final double percent = percent(armCount, total);
        return result(arm, range(arm.minPercent(), arm.maxPercent()) + " to " + arm.arm(),
                      number(percent) + "% (" + armCount + " of " + total + " requests)",
                      total > 0 && within(percent, arm.minPercent(), arm.maxPercent()));
    }

    private static boolean covers(String prefix, String address) {
        if (prefix == null) {
            return false;
        }
        try {
            final io.guise.subset.SubsetMap<Boolean> map = io.guise.subset.SubsetMap.<Boolean>builder()
                    .put(io.guise.subset.CidrPrefix.parse(prefix), Boolean.TRUE)
                    .build();
            return map.lookup(java.net.InetAddress.getByName(address)) != null;
        } catch (IllegalArgumentException | java.net.UnknownHostException e) {
            return false;
        }
    }

    private double groupSeconds(String groupName) {
        for (ClientGroup group : scenario.load()) {
            if (group.name().equals(groupName)) {
                return group.duration().toNanos() / 1e9;
            }
        }
        return 0;
    }

    private RequestStats persona(String id) {
        return load.personas().getOrDefault(id, empty());
    }

    private RequestStats selected(TrafficSelector traffic) {
        return traffic.kind() == TrafficSelector.Kind.PERSONA ? persona(traffic.id())
                                                               : load.groups().getOrDefault(traffic.id(), empty());
    }

    private List<RunReport.DemotionRecord> demotions() {
        final List<RunReport.DemotionRecord> records = new ArrayList<>();
        for (EndpointFault fault : faults) {
            // The last request while the fault lasted: what an ejection or demotion should cut short. The
            // endpoint records requests that a retry hid from the client, and the client records the 502s of a kill.
            final long end = fault.endNanos() < 0 ? Long.MAX_VALUE : fault.endNanos();
            final long last = Math.max(fault.lastArrivalNanos(),
                    ledger.lastRequestBetween(fault.endpointId(), fault.onsetNanos(), end));
            // Access point ap-0 carries the load, so its local ejection is the one that matters.
            final long ejected = fault.firstEjectionNanos();
            final Long ejectionMs = ejected >= 0 ? TimeUnit.NANOSECONDS.toMillis(ejected) : null;
            final long onsetMs = TimeUnit.NANOSECONDS.toMillis(fault.onsetNanos());
            final Long demotionMs = firstDecision(fault.endpointId(), DecisionRecord.Action.DEMOTE, onsetMs);
            final Long restorationMs = demotionMs == null ? null
                    : firstDecision(fault.endpointId(), DecisionRecord.Action.RESTORE, demotionMs);
            records.add(new RunReport.DemotionRecord(fault.endpointId(), fault.kind(), onsetMs,
                                                     fault.endNanos() < 0 ? null
                                                             : TimeUnit.NANOSECONDS.toMillis(fault.endNanos()),
                                                     ejectionMs, demotionMs, restorationMs,
                                                     last < 0 ? null : TimeUnit.NANOSECONDS.toMillis(last)));
        }
        return records;
    }

    /**
     * Returns the run time of the first decision with {@code action} about the endpoint at or after
     * {@code fromMs} that took effect (written, or already in force), or null when there was none.
     */
    private Long firstDecision(String endpointId, DecisionRecord.Action action, long fromMs) {
        for (DecisionRecord record : decisions) {
            final boolean tookEffect = record.outcome() == DecisionRecord.Outcome.WRITTEN
                    || record.outcome() == DecisionRecord.Outcome.UNCHANGED;
            if (record.action() == action && tookEffect && record.endpoint() != null
                    && record.endpoint().endpointId().equals(endpointId) && runMillis(record) >= fromMs) {
                return runMillis(record);
            }
        }
        return null;
    }

    private List<RunReport.HealthDecision> healthDecisions() {
        final List<RunReport.HealthDecision> out = new ArrayList<>(decisions.size());
        for (DecisionRecord record : decisions) {
            final Long revision = record.revision() < 0 ? null : record.revision();
            final String reason = record.detail().isEmpty() ? record.reason()
                    : record.reason() + " (" + record.detail() + ")";
            if (record.endpoint() != null) {
                final DecisionRecord.EndpointEvidence evidence = record.endpoint();
                out.add(new RunReport.HealthDecision(runMillis(record), record.action().label(),
                        evidence.endpointId(), null, null, evidence.fromTier(), evidence.toTier(),
                        record.outcome().label(), revision, reason));
            } else {
                final DecisionRecord.CanaryEvidence evidence = record.canary();
                out.add(new RunReport.HealthDecision(runMillis(record), record.action().label(), null,
                        evidence.prefix(), evidence.arm(), evidence.fromWeight(), evidence.toWeight(),
                        record.outcome().label(), revision, reason));
            }
        }
        return out;
    }

    private Map<String, List<RunReport.SecondStats>> personaSeries() {
        final Map<String, List<RunReport.SecondStats>> series = new TreeMap<>();
        load.personaTimeline().forEach((persona, buckets) -> {
            final List<RunReport.SecondStats> seconds = new ArrayList<>(buckets.size());
            for (TimeBucket bucket : buckets) {
                seconds.add(new RunReport.SecondStats(bucket.second(), bucket.requests(), bucket.failures(),
                                                      bucket.p50Micros() / 1000.0, bucket.p99Micros() / 1000.0));
            }
            series.put(persona, seconds);
        });
        return series;
    }

    private static Map<String, RunReport.TrafficStats> traffic(Map<String, RequestStats> stats) {
        final Map<String, RunReport.TrafficStats> result = new TreeMap<>();
        stats.forEach((key, value) -> result.put(key, new RunReport.TrafficStats(
                value.requests(), value.failures(), value.injected(), value.latency().p50Micros() / 1000.0,
                value.latency().p90Micros() / 1000.0, value.latency().p99Micros() / 1000.0,
                value.latency().maxMicros() / 1000.0)));
        return result;
    }

    private static RunReport.Distribution distribution(Histogram millis) {
        if (millis.getTotalCount() == 0) {
            return new RunReport.Distribution(0, 0, 0, 0);
        }
        return new RunReport.Distribution(millis.getTotalCount(), millis.getValueAtPercentile(50),
                                          millis.getValueAtPercentile(99), millis.getMaxValue());
    }

    /** Returns the latency at a percentile from the summary's fixed percentiles, picking the nearest at or above. */
    private static double percentileMillis(LatencySummary summary, double percentile) {
        final long micros;
        if (percentile <= 50) {
            micros = summary.p50Micros();
        } else if (percentile <= 90) {
            micros = summary.p90Micros();
        } else if (percentile <= 99) {
            micros = summary.p99Micros();
        } else if (percentile <= 99.9) {
            micros = summary.p999Micros();
        } else {
            micros = summary.maxMicros();
        }
        return micros / 1000.0;
    }

    private static RequestStats empty() {
        return new RequestStats(0, 0, 0, Map.of(), new LatencySummary(0, 0, 0, 0, 0, 0, 0, 0),
                                new LatencySummary(0, 0, 0, 0, 0, 0, 0, 0));
    }

    private static RunReport.ExpectationResult result(Expectation expectation, String expected, String actual,
                                                      boolean passed) {
        return new RunReport.ExpectationResult(expectation.name(), expectation.kind(), expected, actual, passed);
    }

    private static double percent(long part, long whole) {
        return whole == 0 ? 0 : part * 100.0 / whole;
    }

    private static boolean within(double value, double min, double max) {
        return value >= min && value <= max;
    }

    private static String range(double min, double max) {
        return number(min) + "% - " + number(max) + "%";
    }

    private static String percentText(double percent, RequestStats stats) {
        return number(percent) + "% of " + stats.requests() + " requests";
    }

    private static String number(double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? String.valueOf((long) value)
                                                                    : String.format(Locale.ROOT, "%.2f", value);
    }
}
