package io.guise.scenario.run;

import io.guise.load.LatencySummary;
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
    private final java.util.function.ToLongFunction<String> lastEjectionNanos;
    private final List<RunReport.Convergence> convergence;

    ReportBuilder(Scenario scenario, TrafficLedger ledger, LoadSnapshot load, Histogram commitToAckMillis,
                  List<EndpointFault> faults, List<RunReport.TimelineEntry> timeline,
                  List<RunReport.RevisionPropagation> revisions,
                  java.util.function.ToLongFunction<String> lastEjectionNanos,
                  List<RunReport.Convergence> convergence) {
        this.scenario = scenario;
        this.ledger = ledger;
        this.load = load;
        this.commitToAckMillis = commitToAckMillis;
        this.faults = List.copyOf(faults);
        this.timeline = List.copyOf(timeline);
        this.revisions = List.copyOf(revisions);
        this.lastEjectionNanos = lastEjectionNanos;
        this.convergence = List.copyOf(convergence);
    }

    RunReport build(Instant startedAt, long durationMs, int accessPoints) {
        final List<RunReport.ExpectationResult> results = new ArrayList<>();
        for (Expectation expectation : scenario.expect()) {
            results.add(check(expectation));
        }
        final boolean passed = results.stream().allMatch(RunReport.ExpectationResult::passed);
        return new RunReport(scenario.name(), scenario.seed(), passed, startedAt.toString(), durationMs, accessPoints,
                             results, distribution(commitToAckMillis), demotions(), traffic(load.personas()),
                             traffic(load.endpoints()), traffic(load.groups()), personaSeries(),
                             new TreeMap<>(load.endpointRequestsPerSecond()), timeline, revisions, convergence);
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
            // NOTE: demotion needs health reporting, which the access point does not do yet.
            return result(demotion, "demoted within " + demotion.max().toMillis() + " ms",
                          "not measured: health reporting and demotion are not built yet", false);
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
            return result(success, ">= " + number(success.minPercent()) + "%", percentText(percent, stats),
                          stats.requests() > 0 && percent >= success.minPercent());
        }
        throw new IllegalArgumentException("unsupported expectation " + expectation);
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
            // The last request while the fault lasted: what an ejection or demotion should cut short.
            final long end = fault.endNanos() < 0 ? Long.MAX_VALUE : fault.endNanos();
            final long last = ledger.lastRequestBetween(fault.endpointId(), fault.onsetNanos(), end);
            // Access point ap-0 carries the load, so its local ejection is the one that matters.
            final long ejected = lastEjectionNanos.applyAsLong(fault.endpointId());
            final Long ejectionMs = ejected >= fault.onsetNanos() ? TimeUnit.NANOSECONDS.toMillis(ejected) : null;
            records.add(new RunReport.DemotionRecord(fault.endpointId(), fault.kind(),
                                                     TimeUnit.NANOSECONDS.toMillis(fault.onsetNanos()), ejectionMs,
                                                     null, last < 0 ? null : TimeUnit.NANOSECONDS.toMillis(last)));
        }
        return records;
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
