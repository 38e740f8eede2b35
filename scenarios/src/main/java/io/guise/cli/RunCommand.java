package io.guise.cli;

import io.guise.chaos.ChaosException;
import io.guise.chaos.LoopbackAddress;
import io.guise.scenario.model.Network;
import io.guise.scenario.model.Scenario;
import io.guise.scenario.model.ScenarioException;
import io.guise.scenario.model.ScenarioLoader;
import io.guise.scenario.report.ReportWriter;
import io.guise.scenario.report.RunReport;
import io.guise.scenario.report.SummaryPrinter;
import io.guise.scenario.run.ScenarioRunner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code guise run FILE}: runs a scenario on loopback and writes its report.
 *
 * <p>Exit status 0 when every expectation holds, 1 when one fails, 2 when the
 * scenario file is invalid or the run could not start.
 */
@Command(name = "run",
         description = "Run a scenario on loopback: fleet, manager, access points, load and timeline; check its"
                       + " expectations and write report.json and report.html under reports/runs/.",
         mixinStandardHelpOptions = true)
final class RunCommand implements Callable<Integer> {

    /** System property that logback.xml takes the log level of Guise's own classes from. */
    static final String LOG_LEVEL_PROPERTY = "guise.log.level";

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "Scenario file (YAML); see scenarios/README.md.")
    private Path scenarioFile;

    @Option(names = "--reports", paramLabel = "DIR", defaultValue = "reports",
            description = "Folder that gets runs/<scenario>-<time>/ (default: ${DEFAULT-VALUE}).")
    private Path reportsRoot;

    @Option(names = {"-q", "--quiet"}, description = "Print only the summary, not the progress lines.")
    private boolean quiet;

    @Option(names = {"-v", "--verbose"},
            description = "Also log every component's INFO lines to stderr (by default only warnings and errors).")
    private boolean verbose;

    @Option(names = "--toxiproxy", paramLabel = "KIND",
            description = "Which Toxiproxy carries the scenario's network links, overriding network.toxiproxy:"
                          + " embedded, testcontainers (needs a Docker engine) or HOST:PORT of a running one on"
                          + " loopback.")
    private String toxiproxy;

    @Override
    public Integer call() {
        // Read by logback.xml when the first logger is made, which happens after this point.
        if (!verbose && System.getProperty(LOG_LEVEL_PROPERTY) == null) {
            System.setProperty(LOG_LEVEL_PROPERTY, "WARN");
        }
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();

        Scenario scenario;
        try {
            scenario = ScenarioLoader.load(scenarioFile);
        } catch (ScenarioException e) {
            err.println(e.getMessage());
            return 2;
        }
        if (toxiproxy != null) {
            final Network.ToxiproxyChoice choice = toxiproxyChoice(toxiproxy);
            if (choice == null) {
                err.println("--toxiproxy: \"" + toxiproxy + "\" (expected: embedded, testcontainers, or the"
                            + " host:port of a running Toxiproxy's API on loopback, such as 127.0.0.1:8474)");
                return 2;
            }
            scenario = scenario.withToxiproxy(choice);
        }

        final ScenarioRunner.Outcome outcome;
        try {
            final int accessPoints = scenario.accessPoints().count();
            out.println("scenario " + scenario.name() + ": " + accessPoints
                        + (accessPoints == 1 ? " access point, " : " access points, ")
                        + scenario.endpointIds().size() + " endpoints, " + scenario.duration().toSeconds() + " s");
            out.flush();
            outcome = new ScenarioRunner(new ScenarioRunner.Options(reportsRoot, quiet, out)).run(scenario);
        } catch (Exception e) {
            err.println("Scenario " + scenario.name() + " could not run: " + e.getMessage());
            return 2;
        }

        final RunReport report = outcome.report();
        try {
            ReportWriter.write(report, outcome.runDir());
        } catch (IOException e) {
            err.println("Writing the report to " + outcome.runDir() + " failed: " + e.getMessage());
            return 2;
        }

        SummaryPrinter.print(report, out);
        out.println("report: " + outcome.runDir().resolve(ReportWriter.HTML_FILE));
        out.flush();
        return report.passed() ? 0 : 1;
    }

    /** Returns the choice the text names, or null when it names none. */
    static Network.ToxiproxyChoice toxiproxyChoice(String text) {
        if (text.equals("embedded")) {
            return Network.ToxiproxyChoice.EMBEDDED;
        }
        if (text.equals("testcontainers")) {
            return Network.ToxiproxyChoice.TESTCONTAINERS;
        }
        try {
            LoopbackAddress.parse("--toxiproxy", text, 1);
            return new Network.ToxiproxyChoice(Network.ToxiproxyChoice.Kind.ADDRESS, text);
        } catch (ChaosException e) {
            return null;
        }
    }
}
