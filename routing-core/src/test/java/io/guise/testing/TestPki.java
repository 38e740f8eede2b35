package io.guise.testing;

import static java.util.Objects.requireNonNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A throwaway certificate authority for tests, made with the {@code openssl}
 * command at test time, in the way docs/control-tls.md shows: EC P-256 keys in
 * PKCS#8, valid for two days. Tests call {@link #assumeOpenssl()} first,
 * so they are skipped with a reason where openssl is missing. Not thread-safe.
 */
public final class TestPki {

    private static final AtomicInteger SERIALS = new AtomicInteger(1000);

    private final Path directory;
    private final String name;
    private final Path caFile;
    private final Path caKey;

    /** A certificate issued by a {@link TestPki} and its private key. */
    public record Issued(Path certificateFile, Path privateKeyFile) {
    }

    private TestPki(Path directory, String name) {
        this.directory = directory;
        this.name = name;
        this.caFile = directory.resolve(name + "-ca.pem");
        this.caKey = directory.resolve(name + "-ca.key");
    }

    /** Skips the calling test, with the reason, when the openssl command is not installed. */
    public static void assumeOpenssl() {
        assumeTrue(opensslAvailable(), "openssl is not installed; .ci/run installs it");
    }

    private static boolean opensslAvailable() {
        try {
            final Process process = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Creates a CA named {@code name} (its CN is "{@code name} test CA") with its files in {@code directory}. */
    public static TestPki create(Path directory, String name) throws IOException, InterruptedException {
        requireNonNull(directory, "directory");
        requireNonNull(name, "name");
        final TestPki pki = new TestPki(directory, name);
        Files.createDirectories(directory);
        run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=" + name + " test CA",
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                    "-keyout", pki.caKey.toString(), "-out", pki.caFile.toString()));
        return pki;
    }

    /** Returns the PEM file of the CA certificate. */
    public Path caFile() {
        return caFile;
    }

    /**
     * Issues a certificate for server and client authentication, signed by this CA.
     *
     * @param commonName the subject CN, which also names the files
     * @param subjectAltNames the subject alternative names in openssl syntax, such as
     *     {@code "IP:127.0.0.1"} or {@code "DNS:ap-1"}; null for none
     */
    public Issued issue(String commonName, String subjectAltNames) throws IOException, InterruptedException {
        requireNonNull(commonName, "commonName");
        final String base = name + "-" + commonName;
        final Path key = directory.resolve(base + ".key");
        final Path request = directory.resolve(base + ".csr");
        final Path extensions = directory.resolve(base + ".ext");
        final Path certificate = directory.resolve(base + ".pem");
        run(List.of("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-subj", "/CN=" + commonName, "-keyout", key.toString(), "-out", request.toString()));
        final StringBuilder text = new StringBuilder("basicConstraints=CA:FALSE\n")
                .append("keyUsage=critical,digitalSignature,keyEncipherment\n")
                .append("extendedKeyUsage=serverAuth,clientAuth\n");
        if (subjectAltNames != null) {
            text.append("subjectAltName=").append(subjectAltNames).append('\n');
        }
        Files.writeString(extensions, text, StandardCharsets.US_ASCII);
        run(List.of("openssl", "x509", "-req", "-in", request.toString(), "-CA", caFile.toString(),
                    "-CAkey", caKey.toString(), "-set_serial", Integer.toString(SERIALS.incrementAndGet()),
                    "-days", "2", "-extfile", extensions.toString(), "-out", certificate.toString()));
        return new Issued(certificate, key);
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        final Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        process.getOutputStream().close();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("openssl did not finish within 30 s: " + command);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("openssl exited with " + process.exitValue() + ": " + command + "\n"
                                            + output);
        }
    }
}
