package io.guise.scenario.report;

import io.guise.scenario.report.RunReport.DemotionRecord;
import io.guise.scenario.report.RunReport.Distribution;
import io.guise.scenario.report.RunReport.ExpectationResult;
import io.guise.scenario.report.RunReport.SecondStats;
import io.guise.scenario.report.RunReport.TimelineEntry;
import io.guise.scenario.report.RunReport.TrafficStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Builds run reports for tests: three personas, three endpoints and 20 seconds of series. */
public final class SyntheticReports {

    public static final int SECONDS = 20;

    private SyntheticReports() {
    }

    /** Returns a full report with the given verdict and first persona name. */
    public static RunReport full(boolean passed, String firstPersona) {
        final Random random = new Random(7);
        final List<String> personas = List.of(firstPersona, "checkout", "search");
        final Map<String, List<SecondStats>> personaSeries = new LinkedHashMap<>();
        final Map<String, TrafficStats> personaStats = new LinkedHashMap<>();
        for (int p = 0; p < personas.size(); p++) {
            final List<SecondStats> seconds = new ArrayList<>();
            for (int s = 0; s < SECONDS; s++) {
                // The third persona starts at second 4, so its latency line has a gap.
                final long requests = p == 2 && s < 4 ? 0 : 80L * (p + 1) + random.nextInt(40) + (s >= 5 ? 30 : 0);
                final double p99 = requests == 0 ? 0 : 20 + 10 * p + random.nextDouble() * 15 + (s >= 5 && s < 9 ? 60 : 0);
                seconds.add(new SecondStats(s, requests, s >= 5 && s < 9 ? requests / 20 : 0, p99 / 3, p99));
            }
            personaSeries.put(personas.get(p), seconds);
            final long total = seconds.stream().mapToLong(SecondStats::requests).sum();
            personaStats.put(personas.get(p), new TrafficStats(total, total / 50, total / 80, 8.5 + p, 25.25 + p,
                    47.125 + p, 120.5 + p));
        }

        final Map<String, List<Long>> endpointSeries = new LinkedHashMap<>();
        final Map<String, TrafficStats> endpointStats = new LinkedHashMap<>();
        for (String endpoint : List.of("web-1", "web-2", "web-3")) {
            final List<Long> counts = new ArrayList<>();
            for (int s = 0; s < SECONDS; s++) {
                // web-2 fails at second 5 and is ejected at second 7, so its share drops to zero.
                counts.add(endpoint.equals("web-2") && s >= 7 ? 0L : 100L + random.nextInt(30));
            }
            endpointSeries.put(endpoint, counts);
            endpointStats.put(endpoint, new TrafficStats(counts.stream().mapToLong(Long::longValue).sum(), 12, 10,
                    9.0, 22.0, 45.0, 130.0));
        }

        final Map<String, TrafficStats> groups = new LinkedHashMap<>();
        groups.put("mobile", new TrafficStats(4000, 40, 25, 9.5, 24.0, 50.0, 140.0));
        groups.put("desktop", new TrafficStats(2000, 10, 5, 7.5, 20.0, 41.0, 99.0));

        return new RunReport(
                "checkout-surge",
                42L,
                passed,
                "2025-03-14T09:26:53.589Z",
                SECONDS * 1000L,
                3,
                List.of(new ExpectationResult("web-2 demoted", "demotion_within", "<= 5 s", "2.1 s", true),
                        new ExpectationResult("checkout p99", "latency_p99", "<= 50 ms", passed ? "41 ms" : "95 ms",
                                passed)),
                new Distribution(36, 3.25, 11.5, 14.0),
                List.of(new DemotionRecord("web-2", "fail", 5000, 15000L, 6200L, 7100L, 16300L, 7050L),
                        new DemotionRecord("web-3", "slow", 12000, null, null, null, null, null)),
                personaStats,
                endpointStats,
                groups,
                personaSeries,
                endpointSeries,
                List.of(new TimelineEntry(5000, "inject_fault", "web-2 abort 503", "applied", 3L),
                        new TimelineEntry(8000, "shift_weight", "checkout 2x", "applied", 4L),
                        new TimelineEntry(15000, "heal", "web-2", "applied", null)),
                List.of(new RunReport.RevisionPropagation(3, 3, 3.0, 11.0, 11.0),
                        new RunReport.RevisionPropagation(4, 3, 4.0, 14.0, 14.0)),
                List.of(new RunReport.Convergence("restore_link control", 9000, 4, 9350L, 350L),
                        new RunReport.Convergence("heal_access_point all access points", 16000, 4, null, null)),
                List.of(new RunReport.HealthDecision(7100, "demote", "web-2", null, null, 0, 1, "written", 5L,
                                "failure share 100.0% over 12 requests exceeds 20.0%"),
                        new RunReport.HealthDecision(9000, "canary_stop", null, "127.0.0.3/32", "canary", 10, 0,
                                "written", 6L, "failure share 15.0% above the control's 0.0%"),
                        new RunReport.HealthDecision(16300, "restore", "web-2", null, null, 1, 0, "written", 7L,
                                "not bad for 3 consecutive windows (needed: 3)")));
    }

    /** Returns a report of a run that measured nothing, with empty collections and no delta propagation. */
    public static RunReport empty() {
        return new RunReport("idle", 1L, true, "2025-03-14T09:26:53Z", 0, 0, List.of(), null, List.of(), Map.of(),
                Map.of(), Map.of(), Map.of(), Map.of(), List.of(), List.of(), List.of(), List.of());
    }
}
