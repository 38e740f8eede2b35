package io.guise.scenario.report;

import static io.guise.scenario.report.Format.escape;
import static io.guise.scenario.report.Format.orEmpty;

import io.guise.scenario.report.RunReport.DemotionRecord;
import io.guise.scenario.report.RunReport.Distribution;
import io.guise.scenario.report.RunReport.ExpectationResult;
import io.guise.scenario.report.RunReport.SecondStats;
import io.guise.scenario.report.RunReport.TimelineEntry;
import io.guise.scenario.report.RunReport.TrafficStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Renders a {@link RunReport} as one self-contained HTML page: inline CSS and SVG, no
 * scripts and no external resources, so it opens offline. Every string from the report
 * is escaped. Stateless.
 */
final class HtmlReport {

    private static final String NONE = "—";

    private static final String STYLE = """
            body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
                   margin: 0 auto; max-width: 1200px; padding: 16px 24px 48px; }
            h1 { font-size: 22px; margin: 8px 0; }
            h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
            h3 { font-size: 15px; margin: 20px 0 4px; }
            .verdict { display: inline-block; padding: 2px 10px; border-radius: 4px; color: #fff;
                       font-weight: 600; vertical-align: middle; }
            .verdict.passed { background: #1e7e34; }
            .verdict.failed { background: #c82333; }
            dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 8px 0; }
            dl.facts dt { color: #555; }
            dl.facts dd { margin: 0; }
            table { border-collapse: collapse; margin: 4px 0 8px; }
            th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
            th { background: #f3f3f3; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            tr.pass td.result { background: #d4edda; color: #155724; font-weight: 600; }
            tr.fail td { background: #f8d7da; }
            tr.fail td.result { color: #721c24; font-weight: 600; }
            .note { color: #666; font-style: italic; }
            .legend { margin: 2px 0 4px; }
            .legend span.item { margin-right: 16px; white-space: nowrap; }
            .swatch { display: inline-block; width: 14px; height: 4px; margin-right: 5px; vertical-align: middle; }
            .swatch.dashed { background: none !important; border-top: 3px dashed; height: 0; }
            svg.chart { display: block; max-width: 1160px; }
            svg.chart text { font: 11px system-ui, sans-serif; fill: #333; }
            svg.chart text.axis-title { font-size: 12px; fill: #555; }
            svg.chart line.grid { stroke: #e6e6e6; }
            svg.chart line.axis { stroke: #888; }
            svg.chart path.series { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
            svg.chart g.marker line { stroke: #444; stroke-dasharray: 4 3; }
            svg.chart g.marker text { fill: #444; font-weight: 600; }
            """;

    private HtmlReport() {
    }

    static String render(RunReport report) {
        final StringBuilder html = new StringBuilder(64 * 1024);
        final String title = "Guise run: " + (report.scenario() == null ? "(unnamed scenario)" : report.scenario());
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .append("<title>").append(escape(title)).append("</title>\n")
            .append("<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n");
        appendHeader(html, report, title);
        appendExpectations(html, orEmpty(report.expectations()));
        appendCharts(html, report);
        appendTraffic(html, "Personas", "persona", orEmpty(report.personas()));
        appendTraffic(html, "Endpoints", "endpoint", orEmpty(report.endpoints()));
        appendTraffic(html, "Client groups", "group", orEmpty(report.groups()));
        appendDemotions(html, orEmpty(report.demotions()));
        appendHealthDecisions(html, orEmpty(report.healthDecisions()));
        appendTimeline(html, orEmpty(report.timeline()));
        appendRevisions(html, orEmpty(report.revisions()));
        appendConvergence(html, orEmpty(report.convergence()));
        return html.append("</body>\n</html>\n").toString();
    }

    private static void appendHeader(StringBuilder html, RunReport report, String title) {
        final String verdict = report.passed() ? "passed" : "failed";
        html.append("<h1>").append(escape(title)).append(" <span class=\"verdict ").append(verdict).append("\">")
            .append(verdict.toUpperCase(Locale.ROOT)).append("</span></h1>\n<dl class=\"facts\">\n");
        fact(html, "Scenario", report.scenario() == null ? NONE : report.scenario());
        fact(html, "Seed", Long.toString(report.seed()));
        fact(html, "Started", report.startedAt() == null ? NONE : report.startedAt());
        fact(html, "Duration", Format.duration(report.durationMs()));
        fact(html, "Access points", Integer.toString(report.accessPoints()));
        html.append("</dl>\n");
    }

    private static void fact(StringBuilder html, String name, String value) {
        html.append("<dt>").append(escape(name)).append("</dt><dd>").append(escape(value)).append("</dd>\n");
    }

    private static void appendExpectations(StringBuilder html, List<ExpectationResult> expectations) {
        html.append("<h2>Expectations</h2>\n");
        if (expectations.isEmpty()) {
            html.append("<p class=\"note\">The scenario declares no expectations.</p>\n");
            return;
        }
        html.append("<table class=\"expectations\">\n<tr><th>name</th><th>kind</th><th>expected</th><th>actual</th>")
            .append("<th>result</th></tr>\n");
        for (ExpectationResult e : expectations) {
            html.append("<tr class=\"").append(e.passed() ? "pass" : "fail").append("\">")
                .append(cell(e.name())).append(cell(e.kind())).append(cell(e.expected())).append(cell(e.actual()))
                .append("<td class=\"result\">").append(e.passed() ? "PASS" : "FAIL").append("</td></tr>\n");
        }
        html.append("</table>\n");
    }

    private static void appendCharts(StringBuilder html, RunReport report) {
        final Map<String, List<SecondStats>> personaSeries = orEmpty(report.personaSeries());
        final Map<String, List<Long>> endpointSeries = orEmpty(report.endpointSeries());
        final List<TimelineEntry> timeline = orEmpty(report.timeline());
        final int seconds = secondsCovered(report, personaSeries, endpointSeries);
        final List<String> personaNames = new ArrayList<>(personaSeries.keySet());

        html.append("<h2>Charts</h2>\n");
        html.append("<h3>Throughput per persona</h3>\n");
        final List<SvgCharts.Series> throughput =
                personaLines(personaSeries, seconds, s -> (double) s.requests());
        if (throughput.isEmpty()) {
            note(html, "No per-second persona traffic was recorded, so there is no throughput to draw.");
        } else {
            appendLegend(html, personaNames);
            html.append(SvgCharts.lineChart("throughput", "Requests per second per persona", throughput, seconds,
                    "req/s", timeline));
        }

        html.append("<h3>p99 latency per persona</h3>\n");
        final List<SvgCharts.Series> latency =
                personaLines(personaSeries, seconds, s -> s.requests() > 0 ? s.p99Ms() : Double.NaN);
        if (!hasValue(latency)) {
            note(html, "No second had requests, so there is no latency to draw.");
        } else {
            appendLegend(html, personaNames);
            html.append(SvgCharts.lineChart("latency", "p99 latency per persona in milliseconds", latency, seconds,
                    "ms", timeline));
            note(html, "Seconds without requests leave a gap in their line.");
        }

        html.append("<h3>Traffic share per endpoint</h3>\n");
        final List<String> endpointNames = new ArrayList<>(endpointSeries.keySet());
        final List<long[]> counts = new ArrayList<>();
        long total = 0;
        for (List<Long> series : endpointSeries.values()) {
            final long[] perSecond = orEmpty(series).stream().mapToLong(v -> v == null ? 0 : v).toArray();
            total += Arrays.stream(perSecond).sum();
            counts.add(perSecond);
        }
        if (total == 0) {
            note(html, "No per-second endpoint traffic was recorded, so there is no share to draw.");
        } else {
            appendLegend(html, endpointNames);
            html.append(SvgCharts.shareChart("share", "Share of each second's requests per endpoint", endpointNames,
                    counts, seconds, timeline));
        }

        html.append("<h3>Delta propagation</h3>\n");
        final Distribution delta = report.deltaPropagationMs();
        if (delta == null || delta.count() == 0) {
            note(html, "No delta propagation was measured in this run.");
        } else {
            note(html, "Time from a configuration commit to the access point's ACK, over "
                       + Format.count(delta.count()) + " revision and access point pairs.");
            html.append(SvgCharts.distributionChart("delta", "Delta propagation p50, p99 and max in milliseconds",
                    delta));
        }
    }

    /** Returns how many seconds the time charts span: the run's duration or the longest series. */
    private static int secondsCovered(RunReport report, Map<String, List<SecondStats>> personaSeries,
                                      Map<String, List<Long>> endpointSeries) {
        long seconds = (report.durationMs() + 999) / 1000;
        for (List<SecondStats> series : personaSeries.values()) {
            for (SecondStats s : orEmpty(series)) {
                seconds = Math.max(seconds, s.second() + 1L);
            }
        }
        for (List<Long> series : endpointSeries.values()) {
            seconds = Math.max(seconds, orEmpty(series).size());
        }
        return (int) Math.min(Math.max(seconds, 1), Integer.MAX_VALUE);
    }

    private static List<SvgCharts.Series> personaLines(Map<String, List<SecondStats>> personaSeries, int seconds,
                                                       ToDoubleFunction<SecondStats> value) {
        final List<SvgCharts.Series> lines = new ArrayList<>();
        boolean anyEntry = false;
        for (Map.Entry<String, List<SecondStats>> persona : personaSeries.entrySet()) {
            final double[] values = new double[seconds];
            Arrays.fill(values, Double.NaN);
            for (SecondStats s : orEmpty(persona.getValue())) {
                if (s.second() >= 0 && s.second() < seconds) {
                    values[s.second()] = value.applyAsDouble(s);
                    anyEntry = true;
                }
            }
            lines.add(new SvgCharts.Series(persona.getKey(), values));
        }
        return anyEntry ? lines : List.of();
    }

    private static boolean hasValue(List<SvgCharts.Series> lines) {
        return lines.stream().flatMapToDouble(s -> Arrays.stream(s.values())).anyMatch(v -> !Double.isNaN(v));
    }

    private static void appendLegend(StringBuilder html, List<String> names) {
        html.append("<div class=\"legend\">");
        for (int i = 0; i < names.size(); i++) {
            final String color = SvgCharts.color(i);
            html.append("<span class=\"item\"><span class=\"swatch").append(SvgCharts.dashed(i) ? " dashed" : "")
                .append("\" style=\"background: ").append(color).append("; border-color: ").append(color)
                .append("\"></span>").append(escape(names.get(i))).append("</span>");
        }
        html.append("</div>\n");
    }

    private static void appendTraffic(StringBuilder html, String title, String keyName,
                                      Map<String, TrafficStats> traffic) {
        html.append("<h2>").append(escape(title)).append("</h2>\n");
        if (traffic.isEmpty()) {
            note(html, "No traffic was recorded per " + keyName + ".");
            return;
        }
        html.append("<table class=\"traffic\">\n<tr><th>").append(escape(keyName))
            .append("</th><th>requests</th><th>errors</th><th>injected errors</th>")
            .append("<th>p50 (ms)</th><th>p90 (ms)</th><th>p99 (ms)</th><th>max (ms)</th></tr>\n");
        for (Map.Entry<String, TrafficStats> entry : traffic.entrySet()) {
            final TrafficStats s = entry.getValue();
            html.append("<tr>").append(cell(entry.getKey()));
            if (s == null) {
                html.append("<td colspan=\"7\" class=\"note\">no data</td></tr>\n");
                continue;
            }
            html.append(number(Format.count(s.requests()))).append(number(Format.count(s.errors())))
                .append(number(Format.count(s.injectedErrors()))).append(number(Format.millis(s.p50Ms())))
                .append(number(Format.millis(s.p90Ms()))).append(number(Format.millis(s.p99Ms())))
                .append(number(Format.millis(s.maxMs()))).append("</tr>\n");
        }
        html.append("</table>\n");
    }

    private static void appendDemotions(StringBuilder html, List<DemotionRecord> demotions) {
        html.append("<h2>Demotions</h2>\n");
        if (demotions.isEmpty()) {
            note(html, "No endpoint fault was injected in this run.");
            return;
        }
        html.append("<table class=\"demotions\">\n<tr><th>endpoint</th><th>fault</th><th>fault onset</th>")
            .append("<th>ejection</th><th>demotion</th><th>last request</th><th>fault end</th>")
            .append("<th>restoration</th></tr>\n");
        for (DemotionRecord d : demotions) {
            html.append("<tr>").append(cell(d.endpoint())).append(cell(d.fault()))
                .append(number(Format.offset(d.faultOnsetMs())))
                .append(number(sinceOnset(d.ejectionMs(), d.faultOnsetMs())))
                .append(number(sinceOnset(d.demotionMs(), d.faultOnsetMs())))
                .append(number(sinceOnset(d.lastRequestMs(), d.faultOnsetMs())))
                .append(number(d.faultEndMs() == null ? NONE : Format.offset(d.faultEndMs())))
                .append(number(d.faultEndMs() == null ? offsetOrNone(d.restorationMs())
                        : sinceOnset(d.restorationMs(), d.faultEndMs())))
                .append("</tr>\n");
        }
        html.append("</table>\n");
        note(html, "Times are since the load started. The figure in brackets is the time since the fault's onset, "
                   + "and for the restoration the time since the fault's end.");
    }

    private static void appendHealthDecisions(StringBuilder html, List<RunReport.HealthDecision> decisions) {
        html.append("<h2>Health decisions</h2>\n");
        if (decisions.isEmpty()) {
            note(html, "The manager's health loop made no decision during the run.");
            return;
        }
        html.append("<table class=\"health-decisions\">\n<tr><th>at</th><th>action</th><th>subject</th>")
            .append("<th>change</th><th>outcome</th><th>revision</th><th>reason</th></tr>\n");
        for (RunReport.HealthDecision d : decisions) {
            html.append("<tr>").append(number(Format.offset(d.atMs()))).append(cell(d.action()))
                .append(cell(Format.decisionSubject(d))).append(cell(Format.decisionChange(d)))
                .append(cell(d.outcome()))
                .append(number(d.revision() == null ? NONE : Long.toString(d.revision())))
                .append(cell(d.reason())).append("</tr>\n");
        }
        html.append("</table>\n");
        note(html, "Times are the ends of the manager's health windows, since the load started; negative times "
                   + "fall in the setup or warm-up.");
    }

    private static String offsetOrNone(Long atMs) {
        return atMs == null ? NONE : Format.offset(atMs);
    }

    private static String sinceOnset(Long atMs, long onsetMs) {
        if (atMs == null) {
            return NONE;
        }
        final long delta = atMs - onsetMs;
        return Format.offset(atMs) + " (" + (delta >= 0 ? "+" : "−") + Format.offset(Math.abs(delta)) + ")";
    }

    private static void appendTimeline(StringBuilder html, List<TimelineEntry> timeline) {
        html.append("<h2>Timeline</h2>\n");
        if (timeline.isEmpty()) {
            note(html, "The scenario has no timeline.");
            return;
        }
        html.append("<table class=\"timeline\">\n<tr><th>at</th><th>action</th><th>detail</th><th>outcome</th>")
            .append("<th>revision</th></tr>\n");
        for (TimelineEntry t : timeline) {
            html.append("<tr>").append(number(Format.offset(t.atMs()))).append(cell(t.action()))
                .append(cell(t.detail())).append(cell(t.outcome()))
                .append(number(t.revision() == null ? NONE : Long.toString(t.revision()))).append("</tr>\n");
        }
        html.append("</table>\n");
    }

    private static void appendRevisions(StringBuilder html, List<RunReport.RevisionPropagation> revisions) {
        html.append("<h2>Delta propagation per revision</h2>\n");
        if (revisions.isEmpty()) {
            note(html, "No revision was committed during the run.");
            return;
        }
        html.append("<table class=\"revisions\">\n<tr><th>revision</th><th>ACKs</th><th>p50 (ms)</th>")
            .append("<th>p99 (ms)</th><th>max (ms)</th></tr>\n");
        for (RunReport.RevisionPropagation revision : revisions) {
            html.append("<tr>").append(number(Long.toString(revision.revision())))
                .append(number(Long.toString(revision.acks())))
                .append(number(Format.millis(revision.p50Ms()))).append(number(Format.millis(revision.p99Ms())))
                .append(number(Format.millis(revision.maxMs()))).append("</tr>\n");
        }
        html.append("</table>\n");
    }

    private static void appendConvergence(StringBuilder html, List<RunReport.Convergence> convergence) {
        html.append("<h2>Convergence after partitions</h2>\n");
        if (convergence.isEmpty()) {
            note(html, "No partition between access points and the manager healed during the run.");
            return;
        }
        html.append("<table class=\"convergence\">\n<tr><th>healed by</th><th>healed at</th><th>revision</th>")
            .append("<th>converged at</th><th>convergence (ms)</th></tr>\n");
        for (RunReport.Convergence c : convergence) {
            html.append("<tr>").append(cell(c.trigger())).append(number(Format.offset(c.healedAtMs())))
                .append(number(Long.toString(c.revision())))
                .append(number(c.convergedAtMs() == null ? "not by the end" : Format.offset(c.convergedAtMs())))
                .append(number(c.convergenceMs() == null ? NONE : Long.toString(c.convergenceMs())))
                .append("</tr>\n");
        }
        html.append("</table>\n");
    }

    private static void note(StringBuilder html, String text) {
        html.append("<p class=\"note\">").append(escape(text)).append("</p>\n");
    }

    private static String cell(String text) {
        return "<td>" + (text == null ? NONE : escape(text)) + "</td>";
    }

    private static String number(String text) {
        return "<td class=\"num\">" + escape(text) + "</td>";
    }
}
