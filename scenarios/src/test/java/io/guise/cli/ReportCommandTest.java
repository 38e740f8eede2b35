package io.guise.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.scenario.report.ReportWriter;
import io.guise.scenario.report.SyntheticReports;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ReportCommandTest {

    @TempDir
    Path runDir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void passedRunExitsZero() throws Exception {
        ReportWriter.write(SyntheticReports.full(true, "browse"), runDir);

        final int exitCode = execute("report", runDir.toString());

        assertThat(exitCode).isZero();
        assertThat(out.toString()).startsWith("Scenario checkout-surge: PASSED");
        assertThat(out.toString()).contains("Personas", "Delta propagation");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void failedRunExitsOne() throws Exception {
        ReportWriter.write(SyntheticReports.full(false, "browse"), runDir);

        final int exitCode = execute("report", runDir.toString());

        assertThat(exitCode).isEqualTo(1);
        assertThat(out.toString()).startsWith("Scenario checkout-surge: FAILED");
        assertThat(out.toString()).containsPattern("FAIL +checkout p99");
    }

    @Test
    void missingReportExitsTwo() {
        final int exitCode = execute("report", runDir.toString());

        assertThat(exitCode).isEqualTo(2);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString()).contains(runDir.resolve("report.json").toString(), "not found");
    }

    @Test
    void invalidReportExitsTwo() throws Exception {
        Files.writeString(runDir.resolve("report.json"), "{\"scenario\": [1, 2]}");

        final int exitCode = execute("report", runDir.toString());

        assertThat(exitCode).isEqualTo(2);
        assertThat(err.toString()).contains("is not a valid run report");
    }

    @Test
    void missingDirArgumentExitsTwo() {
        final int exitCode = execute("report");

        assertThat(exitCode).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required parameter", "DIR");
    }

    private int execute(String... args) {
        final CommandLine commandLine = new CommandLine(new GuiseCommand());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }
}
