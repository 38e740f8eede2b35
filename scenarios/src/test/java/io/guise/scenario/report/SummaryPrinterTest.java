package io.guise.scenario.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SummaryPrinterTest {

    @Test
    void passedRunShowsVerdict() {
        final String summary = print(SyntheticReports.full(true, "browse"));

        assertThat(summary).startsWith("Scenario checkout-surge: PASSED");
        assertThat(summary).contains("seed 42", "2025-03-14T09:26:53.589Z", "20.0 s", "3 access points");
    }

    @Test
    void failedRunMarksExpectation() {
        final String summary = print(SyntheticReports.full(false, "browse"));

        assertThat(summary).startsWith("Scenario checkout-surge: FAILED");
        assertThat(summary).contains("Expectations: 1 of 2 passed");
        assertThat(summary).containsPattern("(?m)^  PASS +web-2 demoted +demotion_within +<= 5 s +2\\.1 s$");
        assertThat(summary).containsPattern("(?m)^  FAIL +checkout p99 +latency_p99 +<= 50 ms +95 ms$");
    }

    @Test
    void personasTableAlignsNumbers() {
        final String summary = print(SyntheticReports.full(true, "browse"));

        assertThat(summary).containsPattern("(?m)^  persona +requests +errors +p50 ms +p99 ms$");
        assertThat(summary).containsPattern("(?m)^  browse +2,415 +48 +8\\.50 +47\\.1$");
        assertThat(summary).containsPattern("(?m)^  checkout +4,047 +80 +9\\.50 +48\\.1$");
    }

    @Test
    void deltaPropagationShowsPercentiles() {
        final String summary = print(SyntheticReports.full(true, "browse"));

        assertThat(summary).contains(
                "Delta propagation (commit to ACK, 36 measurements): p50 3.25 ms, p99 11.5 ms, max 14.0 ms");
    }

    @Test
    void demotionsShowDashForNull() {
        final String summary = print(SyntheticReports.full(true, "browse"));

        assertThat(summary).containsPattern(
                "(?m)^  web-2 +fail +5\\.000 s +6\\.200 s +7\\.100 s +7\\.050 s +15\\.000 s +16\\.300 s$");
        assertThat(summary).containsPattern("(?m)^  web-3 +slow +12\\.000 s +- +- +- +- +-$");
    }

    @Test
    void healthDecisionsListEachDecision() {
        final String summary = print(SyntheticReports.full(true, "browse"));

        assertThat(summary).containsPattern(
                "(?m)^   +7\\.100 s +demote +web-2 +tier 0 -> 1 +written +5 +failure share");
        assertThat(summary).containsPattern(
                "(?m)^   +9\\.000 s +canary_stop +127\\.0\\.0\\.3/32 arm canary +weight 10 -> 0 +written +6 ");
    }

    @Test
    void emptyReportPrintsNotes() {
        final String summary = print(SyntheticReports.empty());

        assertThat(summary).startsWith("Scenario idle: PASSED");
        assertThat(summary).contains("0 access points");
        assertThat(summary).contains("Expectations: none declared");
        assertThat(summary).contains("Personas: no traffic recorded");
        assertThat(summary).contains("Delta propagation: not measured");
        assertThat(summary).contains("Demotions: no endpoint fault injected");
    }

    @Test
    void outputIsPlainAscii() {
        final String summary = print(SyntheticReports.full(false, "browse"));

        assertThat(StandardCharsets.US_ASCII.newEncoder().canEncode(summary)).isTrue();
    }

    private static String print(RunReport report) {
        final StringWriter text = new StringWriter();
        SummaryPrinter.print(report, new PrintWriter(text));
        return text.toString().replace(System.lineSeparator(), "\n");
    }
}
