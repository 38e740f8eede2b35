package io.guise.scenario.report;

import java.util.List;
import java.util.Map;

/**
 * Everything one scenario run measured and decided, as written to
 * {@code report.json} (field names in snake_case) and drawn in {@code report.html}.
 * Times are milliseconds from the start of the load unless a field name gives another unit.
 * Immutable.
 *
 * @param scenario the scenario's name
 * @param seed the seed every random decision of the run came from
 * @param passed whether every expectation held
 * @param startedAt the wall-clock start, ISO-8601 UTC
 * @param durationMs how long the load ran
 * @param accessPoints how many access points served
 * @param expectations each expectation with what it expected and what was measured
 * @param deltaPropagationMs commit-to-ACK time over every revision and access point
 * @param demotions per endpoint fault: onset, local ejection, demotion, restoration and last request
 * @param personas traffic per persona (from the x-guise-persona header)
 * @param endpoints traffic per endpoint (from the x-guise-endpoint header)
 * @param groups traffic per client group
 * @param personaSeries per persona, one entry per second of the run
 * @param endpointSeries per endpoint, requests in each second of the run
 * @param timeline the timeline as it ran
 * @param revisions per revision committed during the run, its commit-to-ACK times over the access points
 * @param convergence per partition that healed, how long until every access point held the manager's latest
 *     revision; null in reports written before the field existed
 * @param healthDecisions every decision of the manager's health loop during the run, oldest first; null in
 *     reports written before the field existed
 */
public record RunReport(
        String scenario,
        long seed,
        boolean passed,
        String startedAt,
        long durationMs,
        int accessPoints,
        List<ExpectationResult> expectations,
        Distribution deltaPropagationMs,
        List<DemotionRecord> demotions,
        Map<String, TrafficStats> personas,
        Map<String, TrafficStats> endpoints,
        Map<String, TrafficStats> groups,
        Map<String, List<SecondStats>> personaSeries,
        Map<String, List<Long>> endpointSeries,
        List<TimelineEntry> timeline,
        List<RevisionPropagation> revisions,
        List<Convergence> convergence,
        List<HealthDecision> healthDecisions) {

    /** One checked expectation. {@code expected} and {@code actual} are human-readable. */
    public record ExpectationResult(String name, String kind, String expected, String actual, boolean passed) {
    }

    /** Summary of a set of durations in milliseconds; zeros when {@code count} is 0. */
    public record Distribution(long count, double p50, double p99, double max) {
    }

    /**
     * The life of one endpoint fault. Null fields did not happen.
     *
     * @param fault the kind of fault: kill, slow, fail, or network for a toxic or cut on the endpoint's link
     * @param faultEndMs when a restart, heal, toxic removal or link restore ended it; null when it lasted
     * @param ejectionMs the first local ejection of the endpoint by access point ap-0 during the fault
     * @param demotionMs the manager's first demotion of the endpoint at or after the onset
     * @param restorationMs the manager's first restoration of the endpoint after that demotion
     * @param lastRequestMs the end of the last request the endpoint served while the fault lasted
     */
    public record DemotionRecord(String endpoint, String fault, long faultOnsetMs, Long faultEndMs, Long ejectionMs,
                                 Long demotionMs, Long restorationMs, Long lastRequestMs) {
    }

    /**
     * One decision of the manager's health loop.
     *
     * @param atMs the end of the health window it was decided on; negative before the load started
     * @param action demote, restore, hold_cap, hold_fleet_wide or canary_stop
     * @param endpoint the endpoint of an endpoint decision; null for a canary stop
     * @param prefix the subset of a canary stop; null otherwise
     * @param arm the stopped arm's persona of a canary stop; null otherwise
     * @param from the endpoint's tier, or the arm's weight, before the decision
     * @param to the tier or weight after it (the same for holds)
     * @param outcome written, unchanged, not_written, skipped or failed
     * @param revision the revision written or in force; null when none was
     * @param reason the rule that decided, with its figures
     */
    public record HealthDecision(long atMs, String action, String endpoint, String prefix, String arm, int from,
                                 int to, String outcome, Long revision, String reason) {
    }

    /** Request counts and latency of some traffic; latency in milliseconds. */
    public record TrafficStats(long requests, long errors, long injectedErrors, double p50Ms, double p90Ms,
                               double p99Ms, double maxMs) {
    }

    /** One second of one persona's traffic. */
    public record SecondStats(int second, long requests, long errors, double p50Ms, double p99Ms) {
    }

    /**
     * The propagation of one revision: how many access points acknowledged it and the
     * spread of their commit-to-ACK times.
     */
    public record RevisionPropagation(long revision, long acks, double p50Ms, double p99Ms, double maxMs) {
    }

    /**
     * The end of one partition between access points and the manager: when it
     * healed and when every access point held the manager's latest revision.
     *
     * @param trigger the event that healed it, such as {@code restore_link control}
     * @param healedAtMs when the event ran
     * @param revision the manager's latest revision that every access point held at convergence, or at the end
     * @param convergedAtMs when every access point held it; null when they did not by the end of the run
     * @param convergenceMs {@code convergedAtMs - healedAtMs}; null when they did not converge
     */
    public record Convergence(String trigger, long healedAtMs, long revision, Long convergedAtMs,
                              Long convergenceMs) {
    }

    /** One timeline event as it ran: when, what, and with which result. */
    public record TimelineEntry(long atMs, String action, String detail, String outcome, Long revision) {
    }
}
