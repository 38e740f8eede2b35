package io.guise.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.scenario.report.ReportWriter;
import io.guise.scenario.report.RunReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** guise run end to end: exit status, report files and error messages. */
@Timeout(120)
class RunCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path dir;

    private int execute(String... args) {
        final CommandLine commandLine = new CommandLine(new GuiseCommand());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    private Path scenario(String expect) throws Exception {
        final Path file = dir.resolve("tiny.yaml");
        Files.writeString(file, """
                name: tiny
                seed: 3
                duration: 2s
                access_points:
                  count: 1
                  listeners:
                    - {name: web, mode: L7, addresses: [127.0.0.7], port: 0}
                fleet:
                  - {pool: backend, count: 1}
                personas:
                  - {id: web, address_family: IPv4, address: backend, port: 8080, error_rate_percent: 50}
                subsets:
                  - {prefix: 127.0.0.7/32, persona: web}
                load:
                  - {name: users, destination: 127.0.0.7, clients: 2, rate: {rps: 100}}
                expect:
                """ + expect);
        return file;
    }

    private RunReport onlyReport() throws Exception {
        try (Stream<Path> runs = Files.list(dir.resolve("reports").resolve("runs"))) {
            final Path runDir = runs.findFirst().orElseThrow();
            assertThat(runDir.resolve(ReportWriter.HTML_FILE)).exists();
            return ReportWriter.read(runDir);
        }
    }

    @Test
    void run_expectationHolds_exitsZero() throws Exception {
        final Path file = scenario("  - {kind: injected_error_share, persona: web, min_percent: 30, max_percent: 70}\n");

        final int exitCode = execute("run", "--quiet", "--reports", dir.resolve("reports").toString(), file.toString());

        assertThat(exitCode).as(err.toString()).isZero();
        assertThat(out.toString()).contains("PASSED");
        assertThat(onlyReport().passed()).isTrue();
    }

    @Test
    void run_expectationFails_exitsOneAndNamesIt() throws Exception {
        final Path file = scenario("  - {name: no errors, kind: success_rate, group: users, min_percent: 99}\n");

        final int exitCode = execute("run", "--quiet", "--reports", dir.resolve("reports").toString(), file.toString());

        assertThat(exitCode).isEqualTo(1);
        assertThat(out.toString()).contains("FAILED").contains("no errors");
        final RunReport report = onlyReport();
        assertThat(report.passed()).isFalse();
        assertThat(report.expectations().get(0).name()).isEqualTo("no errors");
        assertThat(report.expectations().get(0).passed()).isFalse();
    }

    @Test
    void run_invalidField_exitsTwoAndNamesIt() throws Exception {
        final Path file = scenario("  - {kind: success_rate, group: users, min_percent: 99}\n");
        Files.writeString(file, Files.readString(file).replace("port: 8080", "port: 70000"));

        final int exitCode = execute("run", "--quiet", "--reports", dir.resolve("reports").toString(), file.toString());

        assertThat(exitCode).isEqualTo(2);
        assertThat(err.toString()).contains("personas[0].port: 70000 (expected: 1-65535)");
        assertThat(dir.resolve("reports")).doesNotExist();
    }
}
