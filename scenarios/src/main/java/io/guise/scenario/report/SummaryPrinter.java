package io.guise.scenario.report;

import static io.guise.scenario.report.Format.orEmpty;
import static java.util.Objects.requireNonNull;

import io.guise.scenario.report.RunReport.DemotionRecord;
import io.guise.scenario.report.RunReport.Distribution;
import io.guise.scenario.report.RunReport.ExpectationResult;
import io.guise.scenario.report.RunReport.TrafficStats;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/**
 * Prints a console summary of a {@link RunReport}: the verdict, each expectation, traffic
 * per persona, delta propagation and demotions. The printer's own text and marks are
 * ASCII, and names from the scenario are printed as given. Stateless.
 */
public final class SummaryPrinter {

    private static final String NONE = "-";
    private static final String INDENT = "  ";

    private SummaryPrinter() {
    }

    /** Prints the summary to {@code out} and flushes it. */
    public static void print(RunReport report, PrintWriter out) {
        requireNonNull(report, "report");
        requireNonNull(out, "out");
        out.println("Scenario " + orNone(report.scenario()) + ": " + (report.passed() ? "PASSED" : "FAILED"));
        out.println(INDENT + "seed " + report.seed() + ", started " + orNone(report.startedAt()) + ", ran "
                    + Format.duration(report.durationMs()) + ", " + report.accessPoints() + " access point"
                    + (report.accessPoints() == 1 ? "" : "s"));

        printExpectations(report, out);
        printPersonas(report, out);
        printDeltaPropagation(report.deltaPropagationMs(), out);
        printDemotions(report, out);
        printHealthDecisions(report, out);
        printConvergence(report, out);
        out.flush();
    }

    private static void printExpectations(RunReport report, PrintWriter out) {
        final List<ExpectationResult> expectations = orEmpty(report.expectations());
        out.println();
        if (expectations.isEmpty()) {
            out.println("Expectations: none declared");
            return;
        }
        final long failed = expectations.stream().filter(e -> !e.passed()).count();
        out.println("Expectations: " + (expectations.size() - failed) + " of " + expectations.size() + " passed");
        final TextTable table = new TextTable("result", "name", "kind", "expected", "actual");
        for (ExpectationResult e : expectations) {
            table.row(e.passed() ? "PASS" : "FAIL", orNone(e.name()), orNone(e.kind()), orNone(e.expected()),
                    orNone(e.actual()));
        }
        table.print(out, INDENT);
    }

    private static void printPersonas(RunReport report, PrintWriter out) {
        final Map<String, TrafficStats> personas = orEmpty(report.personas());
        out.println();
        if (personas.isEmpty()) {
            out.println("Personas: no traffic recorded");
            return;
        }
        out.println("Personas");
        final TextTable table = new TextTable("persona", ">requests", ">errors", ">p50 ms", ">p99 ms");
        for (Map.Entry<String, TrafficStats> entry : personas.entrySet()) {
            final TrafficStats s = entry.getValue();
            if (s == null) {
                table.row(orNone(entry.getKey()), NONE, NONE, NONE, NONE);
                continue;
            }
            table.row(orNone(entry.getKey()), Format.count(s.requests()), Format.count(s.errors()),
                    Format.millis(s.p50Ms()), Format.millis(s.p99Ms()));
        }
        table.print(out, INDENT);
    }

    private static void printDeltaPropagation(Distribution delta, PrintWriter out) {
        out.println();
        if (delta == null || delta.count() == 0) {
            out.println("Delta propagation: not measured");
            return;
        }
        out.println("Delta propagation (commit to ACK, " + Format.count(delta.count()) + " measurements): p50 "
                    + Format.millis(delta.p50()) + " ms, p99 " + Format.millis(delta.p99()) + " ms, max "
                    + Format.millis(delta.max()) + " ms");
    }

    private static void printDemotions(RunReport report, PrintWriter out) {
        final List<DemotionRecord> demotions = orEmpty(report.demotions());
        out.println();
        if (demotions.isEmpty()) {
            out.println("Demotions: no endpoint fault injected");
            return;
        }
        out.println("Demotions (seconds since the load started)");
        final TextTable table = new TextTable("endpoint", "fault", ">onset", ">ejection", ">demotion",
                ">last request", ">end", ">restoration");
        for (DemotionRecord d : demotions) {
            table.row(orNone(d.endpoint()), orNone(d.fault()), Format.offset(d.faultOnsetMs()),
                    offsetOrNone(d.ejectionMs()), offsetOrNone(d.demotionMs()), offsetOrNone(d.lastRequestMs()),
                    offsetOrNone(d.faultEndMs()), offsetOrNone(d.restorationMs()));
        }
        table.print(out, INDENT);
    }

    private static void printHealthDecisions(RunReport report, PrintWriter out) {
        final List<RunReport.HealthDecision> decisions = orEmpty(report.healthDecisions());
        if (decisions.isEmpty()) {
            return;
        }
        out.println();
        out.println("Health decisions (seconds since the load started)");
        final TextTable table = new TextTable(">at", "action", "subject", "change", "outcome", ">revision", "reason");
        for (RunReport.HealthDecision d : decisions) {
            table.row(Format.offset(d.atMs()), orNone(d.action()), Format.decisionSubject(d), Format.decisionChange(d),
                    orNone(d.outcome()), d.revision() == null ? NONE : Long.toString(d.revision()),
                    orNone(d.reason()));
        }
        table.print(out, INDENT);
    }

    private static void printConvergence(RunReport report, PrintWriter out) {
        final List<RunReport.Convergence> convergence = orEmpty(report.convergence());
        if (convergence.isEmpty()) {
            return;
        }
        out.println();
        out.println("Convergence after partitions (seconds since the load started)");
        final TextTable table = new TextTable("healed by", ">healed", ">revision", ">converged", ">convergence ms");
        for (RunReport.Convergence c : convergence) {
            table.row(orNone(c.trigger()), Format.offset(c.healedAtMs()), Long.toString(c.revision()),
                    c.convergedAtMs() == null ? "not by the end" : Format.offset(c.convergedAtMs()),
                    c.convergenceMs() == null ? NONE : Long.toString(c.convergenceMs()));
        }
        table.print(out, INDENT);
    }

    private static String offsetOrNone(Long millis) {
        return millis == null ? NONE : Format.offset(millis);
    }

    private static String orNone(String text) {
        return text == null ? NONE : text;
    }
}
