package io.guise.scenario.report;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a {@link RunReport} into a run directory as {@code report.json} (snake_case
 * field names, pretty-printed, nulls written as {@code null}) and {@code report.html}
 * (one self-contained page), and reads {@code report.json} back. Thread-safe.
 */
public final class ReportWriter {

    /** The machine-readable report inside a run directory. */
    public static final String JSON_FILE = "report.json";

    /** The self-contained HTML page inside a run directory. */
    public static final String HTML_FILE = "report.html";

    // Unknown fields are ignored so that an older guise can still read a report written by a newer one.
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private ReportWriter() {
    }

    /**
     * Writes {@code report.json} and {@code report.html} into {@code runDir}, creating the
     * directory if needed and replacing earlier files.
     *
     * @return the path of {@code report.html}
     * @throws IOException if a file cannot be written
     */
    public static Path write(RunReport report, Path runDir) throws IOException {
        requireNonNull(report, "report");
        requireNonNull(runDir, "runDir");
        Files.createDirectories(runDir);
        Files.writeString(runDir.resolve(JSON_FILE), toJson(report), StandardCharsets.UTF_8);
        final Path html = runDir.resolve(HTML_FILE);
        Files.writeString(html, HtmlReport.render(report), StandardCharsets.UTF_8);
        return html;
    }

    /**
     * Reads {@code report.json} from {@code runDir}.
     *
     * @throws java.nio.file.NoSuchFileException if the directory has no {@code report.json}
     * @throws IOException if the file cannot be read or is not a valid report
     */
    public static RunReport read(Path runDir) throws IOException {
        requireNonNull(runDir, "runDir");
        try (InputStream in = Files.newInputStream(runDir.resolve(JSON_FILE))) {
            return MAPPER.readValue(in, RunReport.class);
        }
    }

    /** Returns the report as pretty-printed JSON, exactly as {@link #write} stores it. */
    static String toJson(RunReport report) throws IOException {
        return MAPPER.writeValueAsString(report) + System.lineSeparator();
    }
}
