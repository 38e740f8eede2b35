package io.guise.manager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The health and store options of {@code guise manager}: help text and rejected values, without starting a manager. */
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
    void badHealthConfig_exitsWithStatus2() throws Exception {
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

    @Test
    void help_documentsStoreOptions() {
        assertThat(run("--help")).isZero();

        assertThat(out.toString().replaceAll("\\s+", " "))
                .contains("--store=KIND")
                .contains("etcd: keys under --etcd-prefix in the etcd cluster at --etcd-endpoints")
                .contains("--etcd-endpoints=URLS")
                .contains("--etcd-prefix=PREFIX")
                .contains("(default: /guise)");
    }

    @Test
    void storeOptions_invalid_exitStatus2() {
        final String data = folder.resolve("data").toString();
        final String[][] cases = {
                {"--store", "zk", "--data-dir", data},
                {"--store", "etcd"},
                {"--store", "etcd", "--etcd-endpoints", "127.0.0.1:2379"},
                {"--store", "etcd", "--etcd-endpoints", "http://127.0.0.1:2379", "--etcd-prefix", "guise"},
                {"--store", "etcd", "--etcd-endpoints", "http://127.0.0.1:2379", "--data-dir", data},
                {"--etcd-endpoints", "http://127.0.0.1:2379", "--data-dir", data},
                {},
        };
        final String[] messages = {
                "--store: 'zk' (expected: file or etcd)",
                "--etcd-endpoints: missing (expected: comma-separated etcd client URLs such as http://127.0.0.1:2379"
                + " with --store etcd)",
                "--etcd-endpoints: '127.0.0.1:2379' is not a URL (expected: a URL with scheme http or https, a host and a port,"
                + " such as http://127.0.0.1:2379)",
                "--etcd-prefix: 'guise' (expected: a key path that starts with '/' and names at least one segment,"
                + " such as /guise)",
                "--data-dir: set but --store is etcd, which keeps no files (expected: no --data-dir, or --store file)",
                "--etcd-endpoints: set but --store is file (expected: --store etcd, or no --etcd-endpoints)",
                "--data-dir: missing (expected: a directory for the revision store, or --store etcd with"
                + " --etcd-endpoints)",
        };
        for (int i = 0; i < cases.length; i++) {
            err.getBuffer().setLength(0);

            final int status = run(cases[i]);

            assertThat(status).as(String.join(" ", cases[i])).isEqualTo(2);
            assertThat(err.toString().strip()).as(String.join(" ", cases[i])).isEqualTo(messages[i]);
        }
    }
}
