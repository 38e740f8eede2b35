package io.guise.scenario.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Renders reports in headless Chromium through {@code check-report-in-browser.sh}. The
 * reports and screenshots stay under {@code target/browser-check} for a look by eye.
 */
class ReportHtmlBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path SCRIPT = Path.of("check-report-in-browser.sh").toAbsolutePath();
    private static final Path OUTPUT = Path.of("target", "browser-check").toAbsolutePath();

    @BeforeAll
    static void requireChromium() {
        assumeTrue(Files.isExecutable(CHROMIUM),
                "skipped: " + CHROMIUM + " is missing; install it with 'apt-get install -y chromium'");
    }

    @Test
    void fullReportDrawsFourCharts() throws Exception {
        final Path html = ReportWriter.write(SyntheticReports.full(false, "browse"), OUTPUT.resolve("full"));

        final Result result = runScript(html);

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("chart throughput: 3 series paths");
        assertThat(result.output()).contains("chart latency: 3 series paths");
        assertThat(result.output()).contains("chart share: 0 series paths, 47 bars");
        assertThat(result.output()).contains("chart delta: 0 series paths, 3 bars");
        assertThat(OUTPUT.resolve("full/report.png")).isNotEmptyFile();
    }

    @Test
    void scriptPersonaStaysText() throws Exception {
        final Path html = ReportWriter.write(SyntheticReports.full(true, "<script>alert(1)</script>"),
                OUTPUT.resolve("escaped"));

        final Result result = runScript(html);

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("chart throughput: 3 series paths");
    }

    @Test
    void emptyReportFailsCheck() throws Exception {
        final Path html = ReportWriter.write(SyntheticReports.empty(), OUTPUT.resolve("empty"));

        final Result result = runScript(html);

        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(result.output()).contains("found 0 charts");
        assertThat(OUTPUT.resolve("empty/report.png")).isNotEmptyFile();
    }

    private static Result runScript(Path html) throws IOException, InterruptedException {
        final Process process = new ProcessBuilder(SCRIPT.toString(), html.toString())
                .redirectErrorStream(true)
                .start();
        process.getOutputStream().close();
        // Reading to the end before waiting keeps Chromium from blocking on a full pipe.
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("check-report-in-browser.sh timed out on " + html + ". Output:\n" + output);
        }
        return new Result(process.exitValue(), output);
    }

    private record Result(int exitCode, String output) {
    }
}
