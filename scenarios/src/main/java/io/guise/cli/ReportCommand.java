package io.guise.cli;

import com.fasterxml.jackson.core.JacksonException;
import io.guise.scenario.report.ReportWriter;
import io.guise.scenario.report.RunReport;
import io.guise.scenario.report.SummaryPrinter;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code guise report DIR}: prints the summary of a finished run again from its {@code report.json}. */
@Command(name = "report",
         description = "Print the summary of a finished run from DIR/report.json.",
         mixinStandardHelpOptions = true,
         exitCodeListHeading = "%nExit codes:%n",
         exitCodeList = {"0:the run passed", "1:the run failed", "2:DIR has no readable report, or invalid usage"})
final class ReportCommand implements Callable<Integer> {

    static final int PASSED = 0;
    static final int FAILED = 1;
    static final int NO_REPORT = 2;

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "Run directory that contains report.json.")
    private Path runDir;

    @Override
    public Integer call() {
        if (runDir.getFileName() != null && runDir.getFileName().toString().equals(ReportWriter.JSON_FILE)
            && runDir.getParent() != null) {
            // Accept the report file itself as well as its folder.
            runDir = runDir.getParent();
        }
        final RunReport report;
        final Path json = runDir.resolve(ReportWriter.JSON_FILE);
        try {
            report = ReportWriter.read(runDir);
        } catch (NoSuchFileException e) {
            spec.commandLine().getErr().println("report: " + json + " not found (expected: the directory of a"
                                                + " finished run, which contains report.json)");
            return NO_REPORT;
        } catch (JacksonException e) {
            spec.commandLine().getErr().println("report: " + json + " is not a valid run report: "
                                                + e.getOriginalMessage());
            return NO_REPORT;
        } catch (IOException e) {
            spec.commandLine().getErr().println("report: reading " + json + " failed: " + e.getMessage());
            return NO_REPORT;
        }
        SummaryPrinter.print(report, spec.commandLine().getOut());
        return report.passed() ? PASSED : FAILED;
    }
}
