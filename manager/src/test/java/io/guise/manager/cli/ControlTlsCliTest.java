package io.guise.manager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.manager.ManagerServer;
import io.guise.manager.api.AdminTls;
import io.guise.manager.store.InMemoryRevisionStore;
import io.guise.testing.TestPki;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The TLS options of {@code guise manager}, rejected before a manager starts,
 * and {@code --ca-file} of the resource commands against a manager serving HTTPS.
 */
@Timeout(60)
class ControlTlsCliTest {

    @TempDir
    static Path folder;
    private static TestPki pki;
    private static TestPki.Issued managerCertificate;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void createCertificates() throws Exception {
        TestPki.assumeOpenssl();
        pki = TestPki.create(folder.resolve("pki"), "cli");
        managerCertificate = pki.issue("guise-manager", "IP:127.0.0.1");
    }

    private int run(Object command, String... args) {
        return new CommandLine(command).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
    }

    private int manager(String... options) {
        final String[] args = new String[options.length + 2];
        args[0] = "--data-dir";
        args[1] = folder.resolve("data").toString();
        System.arraycopy(options, 0, args, 2, options.length);
        return run(new ManagerCommand(), args);
    }

    @Test
    void help_listsTlsOptions() {
        assertThat(run(new ManagerCommand(), "--help")).isZero();
        assertThat(out.toString().replaceAll("\\s+", " "))
                .contains("--grpc-cert-file=FILE")
                .contains("--grpc-key-file=FILE")
                .contains("--client-ca-file=FILE")
                .contains("--require-client-cert")
                .contains("--allowed-access-points=ID[,ID...]")
                .contains("--allowed-access-points-file=FILE")
                .contains("--admin-cert-file=FILE")
                .contains("--admin-key-file=FILE");
    }

    @Test
    void requireClientCert_withoutClientCa() {
        final int status = manager("--grpc-cert-file", "m.pem", "--grpc-key-file", "m.key", "--require-client-cert");

        assertThat(status).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("--require-client-cert: set without --client-ca-file (expected:"
                                                     + " the CA file that signs access point certificates as well)");
    }

    @Test
    void allowList_withoutRequireClientCert() {
        final int status = manager("--grpc-cert-file", "m.pem", "--grpc-key-file", "m.key", "--client-ca-file",
                                   "ca.pem", "--allowed-access-points", "ap-1,ap-2");

        assertThat(status).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("--allowed-access-points: ")
                .contains("without --require-client-cert (expected: --require-client-cert as well");
    }

    @Test
    void clientCa_withoutServerCertificate() {
        final int status = manager("--client-ca-file", "ca.pem");

        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).contains("need --grpc-cert-file and --grpc-key-file");
    }

    @Test
    void certificate_withoutKey() {
        final int status = manager("--grpc-cert-file", "m.pem");

        assertThat(status).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("--grpc-key-file: missing (expected: set together with"
                                                     + " --grpc-cert-file)");
    }

    @Test
    void emptyAllowListFile_rejected() throws Exception {
        final Path list = Files.writeString(folder.resolve("allowed.txt"), "# no ids yet\n\n");

        final int status = manager("--grpc-cert-file", "m.pem", "--grpc-key-file", "m.key", "--client-ca-file",
                                   "ca.pem", "--require-client-cert", "--allowed-access-points-file",
                                   list.toString());

        assertThat(status).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("--allowed-access-points: no access point id given");
    }

    @Test
    void badClientCa_rejectedBeforeStoreCreated() throws Exception {
        final Path junk = folder.resolve("junk-ca.pem");
        java.nio.file.Files.writeString(junk, "not a certificate\n");
        final Path dataDir = folder.resolve("untouched");

        final int status = run(new ManagerCommand(), "--data-dir", dataDir.toString(), "--listen", "127.0.0.1:0",
                               "--grpc-listen", "127.0.0.1:0",
                               "--grpc-cert-file", managerCertificate.certificateFile().toString(),
                               "--grpc-key-file", managerCertificate.privateKeyFile().toString(),
                               "--client-ca-file", junk.toString(), "--require-client-cert");

        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).startsWith("--client-ca-file: " + junk);
        assertThat(dataDir).doesNotExist();
    }

    @Test
    void missingCertificateFile_failsStartNamingPath() {
        final Path missing = folder.resolve("missing.pem");

        final int status = manager("--listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0",
                                   "--grpc-cert-file", missing.toString(),
                                   "--grpc-key-file", managerCertificate.privateKeyFile().toString());

        assertThat(status).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("--grpc-cert-file: " + missing + ": no such file (expected: a"
                                                     + " readable PEM file of the manager's certificate chain)");
    }

    @Test
    void personaList_overHttpsWithCaFile() throws Exception {
        final ManagerServer.Options options = ManagerServer.Options.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .adminTls(new AdminTls(managerCertificate.certificateFile(), managerCertificate.privateKeyFile()))
                .build();
        try (ManagerServer server = ManagerServer.start(options, new InMemoryRevisionStore(10))) {
            final String url = "https://127.0.0.1:" + server.boundAddress().getPort();

            final int trusted = run(new PersonaCommand(), "list", "--manager", url, "--ca-file",
                                    pki.caFile().toString());
            final String trustedErrors = err.toString();
            final int untrusted = run(new PersonaCommand(), "list", "--manager", url);

            assertThat(trusted).isZero();
            assertThat(trustedErrors).isEmpty();
            assertThat(untrusted).isEqualTo(2);
            assertThat(err.toString()).contains("Cannot reach the manager at " + url);
        }
    }

    @Test
    void caFile_withHttpUrl() {
        final int status = run(new PersonaCommand(), "list", "--manager", "http://127.0.0.1:7070", "--ca-file",
                               pki.caFile().toString());

        assertThat(status).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("--ca-file: set, but --manager http://127.0.0.1:7070 is not an"
                                                     + " https URL (expected: https://ADDRESS:PORT, or leave out"
                                                     + " --ca-file)");
    }
}
