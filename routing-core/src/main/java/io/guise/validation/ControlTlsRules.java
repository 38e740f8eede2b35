package io.guise.validation;

import io.guise.proto.ControlTls;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks {@code manager.tls}: when the block is present, the CA, certificate and
 * key files are all required, and each is a usable path. Whether the files exist
 * is checked when the access point starts, not here, so a config can be checked
 * on another machine. Stateless, so thread-safe.
 */
final class ControlTlsRules {

    private static final String PATH = "manager.tls";
    private static final String TOGETHER = "; set ca_file, certificate_file and private_key_file together, or leave"
                                           + " out the tls block for a plaintext stream";

    private ControlTlsRules() {}

    static void check(ControlTls tls, List<Violation> out) {
        checkFile(tls.getCaFile(), PATH + ".ca_file",
                "a PEM file of the CA certificates that sign the manager's certificate", out);
        checkFile(tls.getCertificateFile(), PATH + ".certificate_file",
                "the PEM certificate chain of this access point", out);
        checkFile(tls.getPrivateKeyFile(), PATH + ".private_key_file",
                "the PEM PKCS#8 private key of certificate_file", out);
    }

    private static void checkFile(String value, String path, String description, List<Violation> out) {
        if (value.isEmpty()) {
            out.add(Violation.ofString(path, value, description + TOGETHER));
        } else if (value.isBlank()) {
            out.add(Violation.ofString(path, value, "a file path, not blank"));
        } else {
            try {
                Path.of(value);
            } catch (InvalidPathException e) {
                out.add(Violation.ofString(path, value, "a valid file path (" + e.getReason() + ")"));
            }
        }
    }
}
