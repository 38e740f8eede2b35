package io.guise.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.proto.AccessPointConfig;
import io.guise.proto.ControlTls;
import io.guise.proto.ManagerLink;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules of {@code manager.tls}: all three files or no block, each a usable path. */
class ControlTlsRulesTest {

    private static final RoutingValidator validator = new RoutingValidator(TlsCapabilities.jdk());

    private static List<String> messages(ControlTls.Builder tls) {
        final AccessPointConfig config = AccessPointConfig.newBuilder()
                .setId("ap-1")
                .setManager(ManagerLink.newBuilder().setAddress("127.0.0.1:7000").setTls(tls))
                .build();
        return validator.validate(config).stream().map(Violation::toString).toList();
    }

    private static ControlTls.Builder complete() {
        return ControlTls.newBuilder()
                .setCaFile("certs/ca.pem")
                .setCertificateFile("certs/ap-1.pem")
                .setPrivateKeyFile("certs/ap-1.key");
    }

    @Test
    void allThreeFiles_noViolation() {
        assertThat(messages(complete())).isEmpty();
    }

    @Test
    void noTlsBlock_noViolation() {
        final AccessPointConfig config = AccessPointConfig.newBuilder()
                .setManager(ManagerLink.newBuilder().setAddress("127.0.0.1:7000"))
                .build();

        assertThat(validator.validate(config)).isEmpty();
    }

    @Test
    void oneFileMissing_namesTheMissingField() {
        assertThat(messages(complete().clearCaFile())).containsExactly(
                "manager.tls.ca_file: \"\" (expected: a PEM file of the CA certificates that sign the manager's"
                + " certificate; set ca_file, certificate_file and private_key_file together, or leave out the"
                + " tls block for a plaintext stream)");
    }

    @Test
    void emptyBlock_namesEveryField() {
        assertThat(messages(ControlTls.newBuilder())).extracting(message -> message.substring(0, message.indexOf(':')))
                .containsExactly("manager.tls.ca_file", "manager.tls.certificate_file", "manager.tls.private_key_file");
    }

    @Test
    void blankPath_rejected() {
        assertThat(messages(complete().setPrivateKeyFile("   "))).containsExactly(
                "manager.tls.private_key_file: \"   \" (expected: a file path, not blank)");
    }

    @Test
    void pathWithNul_rejected() {
        assertThat(messages(complete().setCertificateFile("certs/ap\u0000.pem"))).singleElement()
                .asString()
                .startsWith("manager.tls.certificate_file: \"certs/ap\\u0000.pem\" (expected: a valid file path (");
    }
}
