package io.guise.scenario.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {

    private static final String SCRIPT_PERSONA = "<script>alert(1)</script>";

    @TempDir
    Path runDir;

    @Test
    void jsonRoundTripIsExact() throws Exception {
        final RunReport report = SyntheticReports.full(false, "browse");

        ReportWriter.write(report, runDir);

        assertThat(ReportWriter.read(runDir)).isEqualTo(report);
    }

    @Test
    void emptyReportRoundTrips() throws Exception {
        final RunReport report = SyntheticReports.empty();

        ReportWriter.write(report, runDir);

        assertThat(ReportWriter.read(runDir)).isEqualTo(report);
    }

    @Test
    void jsonUsesSnakeCaseAndWritesNulls() throws Exception {
        ReportWriter.write(SyntheticReports.full(true, "browse"), runDir);
        final String json = Files.readString(runDir.resolve("report.json"));
        final JsonNode root = new ObjectMapper().readTree(json);

        assertThat(root.has("delta_propagation_ms")).isTrue();
        assertThat(root.has("persona_series")).isTrue();
        assertThat(root.has("endpoint_series")).isTrue();
        assertThat(root.has("started_at")).isTrue();
        assertThat(root.has("access_points")).isTrue();
        assertThat(root.has("deltaPropagationMs")).isFalse();
        assertThat(root.at("/personas/browse/injected_errors").isNumber()).isTrue();
        assertThat(root.at("/persona_series/browse/0/p99_ms").isNumber()).isTrue();
        assertThat(root.at("/demotions/1/ejection_ms").isNull()).isTrue();
        assertThat(root.at("/demotions/0/restoration_ms").asLong()).isEqualTo(16300);
        assertThat(root.at("/health_decisions/1/arm").asText()).isEqualTo("canary");
        assertThat(root.at("/health_decisions/1/endpoint").isNull()).isTrue();
        assertThat(root.at("/timeline/2/revision").isNull()).isTrue();
        assertThat(json).contains("\n  \"scenario\" : \"checkout-surge\"");
    }

    @Test
    void nullDeltaPropagationIsWrittenAsNull() throws Exception {
        ReportWriter.write(SyntheticReports.empty(), runDir);
        final JsonNode root = new ObjectMapper().readTree(runDir.resolve("report.json").toFile());

        assertThat(root.has("delta_propagation_ms")).isTrue();
        assertThat(root.get("delta_propagation_ms").isNull()).isTrue();
    }

    @Test
    void writeReturnsHtmlPath() throws Exception {
        final Path html = ReportWriter.write(SyntheticReports.full(true, "browse"), runDir.resolve("nested/run"));

        assertThat(html).isEqualTo(runDir.resolve("nested/run/report.html"));
        assertThat(html).exists();
        assertThat(runDir.resolve("nested/run/report.json")).exists();
    }

    @Test
    void readMissingReportThrows() {
        assertThatThrownBy(() -> ReportWriter.read(runDir)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void readInvalidJsonThrows() throws Exception {
        Files.writeString(runDir.resolve("report.json"), "{\"scenario\": ");

        assertThatThrownBy(() -> ReportWriter.read(runDir)).isInstanceOf(JacksonException.class);
    }

    @Test
    void htmlHasFourCharts() throws Exception {
        final String html = writeHtml(SyntheticReports.full(true, "browse"));

        assertThat(count(html, "<svg")).isEqualTo(4);
        assertThat(html).contains("data-chart=\"throughput\"", "data-chart=\"latency\"", "data-chart=\"share\"",
                "data-chart=\"delta\"");
        assertThat(count(html, "<path class=\"series\"")).isEqualTo(6);
        // web-1 and web-3 serve all 20 seconds, web-2 the first 7, and the delta chart has 3 bars.
        assertThat(count(html, "<rect class=\"bar\"")).isEqualTo(20 + 20 + 7 + 3);
        assertThat(count(html, "<g class=\"marker\">")).isEqualTo(9);
    }

    @Test
    void htmlIsSelfContained() throws Exception {
        final String html = writeHtml(SyntheticReports.full(true, "browse"));

        assertThat(html).doesNotContain("<script", "<link", "src=", "http://", "https://", "@import", "url(");
    }

    @Test
    void htmlEscapesPersonaName() throws Exception {
        final String html = writeHtml(SyntheticReports.full(true, SCRIPT_PERSONA));

        assertThat(html).doesNotContain(SCRIPT_PERSONA);
        assertThat(html).doesNotContain("<script");
        assertThat(html).contains("&lt;script&gt;alert(1)&lt;/script&gt;");
    }

    @Test
    void htmlShowsHeaderAndVerdict() throws Exception {
        final String failed = writeHtml(SyntheticReports.full(false, "browse"));

        assertThat(failed).contains("checkout-surge", "42", "2025-03-14T09:26:53.589Z", "20.0 s");
        assertThat(failed).contains("<span class=\"verdict failed\">FAILED</span>");
        assertThat(failed).contains("<tr class=\"fail\">");
        assertThat(failed).contains("<td class=\"result\">FAIL</td>");
        assertThat(failed).contains("<td class=\"result\">PASS</td>");
    }

    @Test
    void htmlDemotionsShowDashForNull() throws Exception {
        final String html = writeHtml(SyntheticReports.full(true, "browse"));
        final String demotions = section(html, "Demotions");

        assertThat(demotions).contains("<td>web-3</td><td>slow</td><td class=\"num\">12.000 s</td>"
                                       + "<td class=\"num\">—</td><td class=\"num\">—</td><td class=\"num\">—</td>"
                                       + "<td class=\"num\">—</td><td class=\"num\">—</td>");
        assertThat(demotions).contains("6.200 s (+1.200 s)");
        assertThat(demotions).contains("16.300 s (+1.300 s)");
    }

    @Test
    void htmlHasTrafficAndTimelineTables() throws Exception {
        final String html = writeHtml(SyntheticReports.full(true, "browse"));

        assertThat(section(html, "Personas")).contains("<td>checkout</td>", "47.1");
        assertThat(section(html, "Endpoints")).contains("<td>web-2</td>");
        assertThat(section(html, "Client groups")).contains("<td>mobile</td>", "<td class=\"num\">4,000</td>");
        assertThat(section(html, "Timeline")).contains("<td>inject_fault</td>", "<td class=\"num\">3</td>");
        assertThat(section(html, "Health decisions")).contains("<td>web-2</td><td>tier 0 -&gt; 1</td>",
                "<td>127.0.0.3/32 arm canary</td><td>weight 10 -&gt; 0</td>");
    }

    @Test
    void emptyReportRendersNotes() throws Exception {
        final String html = writeHtml(SyntheticReports.empty());

        assertThat(html).doesNotContain("<svg");
        assertThat(html).contains("No per-second persona traffic was recorded");
        assertThat(html).contains("No delta propagation was measured");
        assertThat(html).contains("No endpoint fault was injected");
        assertThat(html).contains("<span class=\"verdict passed\">PASSED</span>");
        assertThat(html).endsWith("</html>\n");
    }

    @Test
    void silentSecondsDrawNoLatency() throws Exception {
        final RunReport full = SyntheticReports.full(true, "browse");
        final var silent = new java.util.LinkedHashMap<String, java.util.List<RunReport.SecondStats>>();
        silent.put("idle", java.util.List.of(new RunReport.SecondStats(0, 0, 0, 0, 0)));
        final RunReport report = new RunReport(full.scenario(), full.seed(), full.passed(), full.startedAt(),
                full.durationMs(), full.accessPoints(), full.expectations(), full.deltaPropagationMs(),
                full.demotions(), full.personas(), full.endpoints(), full.groups(), silent, full.endpointSeries(),
                full.timeline(), full.revisions(), full.convergence(), full.healthDecisions());

        final String html = writeHtml(report);

        assertThat(html).contains("data-chart=\"throughput\"");
        assertThat(html).doesNotContain("data-chart=\"latency\"");
        assertThat(html).contains("No second had requests");
    }

    private String writeHtml(RunReport report) throws Exception {
        return Files.readString(ReportWriter.write(report, runDir), StandardCharsets.UTF_8);
    }

    private static String section(String html, String heading) {
        final int start = html.indexOf("<h2>" + heading + "</h2>");
        assertThat(start).as("section %s", heading).isNotNegative();
        final int end = html.indexOf("<h2>", start + 4);
        return html.substring(start, end < 0 ? html.length() : end);
    }

    private static int count(String text, String needle) {
        final Matcher matcher = Pattern.compile(Pattern.quote(needle)).matcher(text);
        int count = 0;
        while (matcher.find()) {
            count++;
        }
        return count;
    }
}
