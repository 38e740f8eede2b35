package io.guise.manager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The health options of {@code guise manager}: help text and rejected values, without starting a manager. */
class ManagerCommandTest {

    @TempDir
    Path folder;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return new CommandLine(new ManagerCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(args);
    }

    @Test
    void help_documentsHealthOptionsAndDefaults() {
        assertThat(run("--help")).isZero();
        // picocli wraps the help text, so words are compared with single spaces between them.
        assertThat(out.toString().replaceAll("\\s+", " "))
                .contains("--health-config=FILE")
                .contains("min_requests: requests an endpoint needs in a window to be judged (20)")
                .contains("min_healthy_in_best_tier: healthy endpoints the best tier keeps (1)")
                .contains("--health-window-ms=MS")
                .contains("--heartbeat-interval-ms=MS")
                .contains("(default: 1000)");
    }

    @Test
    void badHealthConfig_exitStatus2NamingFileFieldAndRule() throws Exception {
        final Path file = Files.writeString(folder.resolve("health.json"), "{\"restore_after_windows\": 0}");

        final int status = run("--data-dir", folder.resolve("data").toString(), "--health-config", file.toString());

        assertThat(status).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("--health-config " + file
                                                     + ": restore_after_windows: 0 (expected: 1 or more)");
    }

    @Test
    void zeroHealthWindow_exitStatus2() {
        final int status = run("--data-dir", folder.resolve("data").toString(), "--health-window-ms", "0");

        assertThat(status).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("--health-window-ms: 0 (expected: 1 or more milliseconds)");
    }
}
