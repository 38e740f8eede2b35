package io.guise.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.guise.accesspoint.AccessPoint;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.ControlTls;
import io.guise.proto.Listener;
import io.guise.proto.ManagerLink;
import io.guise.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading {@code manager.tls}: a usable set of files gives a client context, anything else a clear error. */
class ManagerLinkTlsTest {

    @TempDir
    static Path directory;
    private static TestPki pki;
    private static TestPki.Issued accessPoint;
    private static TestPki.Issued other;

    @BeforeAll
    static void createCertificates() throws Exception {
        TestPki.assumeOpenssl();
        pki = TestPki.create(directory, "control");
        accessPoint = pki.issue("ap-1", "DNS:ap-1");
        other = pki.issue("ap-2", "DNS:ap-2");
    }

    private static ControlTls.Builder tls() {
        return ControlTls.newBuilder()
                .setCaFile(pki.caFile().toString())
                .setCertificateFile(accessPoint.certificateFile().toString())
                .setPrivateKeyFile(accessPoint.privateKeyFile().toString());
    }

    @Test
    void clientContext_usableFiles_buildsClientContext() {
        final SslContext context = ManagerLinkTls.clientContext(tls().build());

        assertThat(context.isClient()).isTrue();
    }

    @Test
    void missingCaFile_namesPathAndReason() {
        final Path missing = directory.resolve("no-such-ca.pem");

        assertThatThrownBy(() -> ManagerLinkTls.clientContext(tls().setCaFile(missing.toString()).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("manager.tls.ca_file: " + missing + ": no such file (expected: a readable PEM file of the"
                            + " CA certificates that sign the manager's certificate)");
    }

    @Test
    void clientContext_certificateFileIsDirectory_namesReason() {
        assertThatThrownBy(() -> ManagerLinkTls.clientContext(tls().setCertificateFile(directory.toString()).build()))
                .hasMessageStartingWith("manager.tls.certificate_file: " + directory + ": is a directory");
    }

    @Test
    void clientContext_fileWithoutCertificate_namesReason() throws Exception {
        final Path empty = Files.writeString(directory.resolve("empty.pem"), "");

        assertThatThrownBy(() -> ManagerLinkTls.clientContext(tls().setCaFile(empty.toString()).build()))
                .hasMessageStartingWith("manager.tls.ca_file: " + empty + ": contains no certificate");
    }

    @Test
    void clientContext_sec1Key_namesConversionCommand() throws Exception {
        final Path sec1 = Files.writeString(directory.resolve("sec1.key"),
                                            "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");

        assertThatThrownBy(() -> ManagerLinkTls.clientContext(tls().setPrivateKeyFile(sec1.toString()).build()))
                .hasMessageContaining("manager.tls.private_key_file: " + sec1 + ": contains a PKCS#1 or SEC1 key")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt -in " + sec1);
    }

    @Test
    void clientContext_foreignKey_rejected() {
        assertThatThrownBy(() -> ManagerLinkTls.clientContext(
                tls().setPrivateKeyFile(other.privateKeyFile().toString()).build()))
                .hasMessageStartingWith("manager.tls.private_key_file: " + other.privateKeyFile()
                                        + ": is not the key of the certificate in manager.tls.certificate_file");
    }

    @Test
    void accessPointStart_missingKey_fails() {
        final Path missing = directory.resolve("missing.key");
        final AccessPointConfig config = AccessPointConfig.newBuilder()
                .setId("ap-1")
                .addListeners(Listener.newBuilder().setMode("L7").addAddresses("127.0.0.1").setPort(0))
                .setManager(ManagerLink.newBuilder().setAddress("127.0.0.1:7000")
                                    .setTls(tls().setPrivateKeyFile(missing.toString())))
                .build();

        assertThatThrownBy(() -> AccessPoint.start(config, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("manager.tls.private_key_file: " + missing + ": no such file");
    }
}
