package io.guise.tls;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and PKCS#8 private keys for the TLS of the control
 * plane, with errors that name the setting, the path and the problem, such as
 * {@code manager.tls.ca_file: /etc/guise/ca.pem: no such file (expected: a
 * readable PEM file of CA certificates)}. Stateless, so thread-safe.
 */
public final class PemFiles {

    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448"};

    private PemFiles() {
    }

    /**
     * Returns the certificates of a PEM file, in file order.
     *
     * @param setting the option or config field that names the file, for the error message
     * @param contents the certificates the file should contain, phrased to follow "a PEM file of "
     * @throws IllegalArgumentException when the file is missing, unreadable or contains no certificate
     */
    public static List<X509Certificate> certificates(String setting, Path path, String contents) {
        requireNonNull(setting, "setting");
        requireNonNull(contents, "contents");
        checkReadable(setting, path, "a readable PEM file of " + contents);
        final List<X509Certificate> certificates = new ArrayList<>();
        try (InputStream in = Files.newInputStream(path)) {
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certificates.add((X509Certificate) certificate);
            }
        } catch (IOException e) {
            throw unusable(setting, path, "cannot be read: " + e.getMessage(), "a readable PEM file of " + contents);
        } catch (CertificateException e) {
            throw unusable(setting, path, "is not a PEM certificate file: " + e.getMessage(),
                           "a PEM file of " + contents);
        }
        if (certificates.isEmpty()) {
            throw unusable(setting, path, "contains no certificate", "a PEM file of " + contents);
        }
        return List.copyOf(certificates);
    }

    /**
     * Returns the unencrypted PKCS#8 private key of a PEM file ({@code BEGIN PRIVATE KEY}).
     *
     * @throws IllegalArgumentException when the file is missing or unreadable, or contains
     *     no such key; a PKCS#1, SEC1 or encrypted key is named with the command that converts it
     */
    public static PrivateKey privateKey(String setting, Path path) {
        requireNonNull(setting, "setting");
        final String rule = "an unencrypted PEM PKCS#8 private key, BEGIN PRIVATE KEY";
        checkReadable(setting, path, rule);
        final String text;
        try {
            text = Files.readString(path, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw unusable(setting, path, "cannot be read: " + e.getMessage(), rule);
        }
        final Matcher matcher = PKCS8.matcher(text);
        if (!matcher.find()) {
            if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
                throw unusable(setting, path, "contains an encrypted key; decrypt it with: openssl pkcs8 -in " + path
                                              + " -out KEY.pem", rule);
            }
            if (text.contains("-----BEGIN RSA PRIVATE KEY-----") || text.contains("-----BEGIN EC PRIVATE KEY-----")) {
                throw unusable(setting, path, "contains a PKCS#1 or SEC1 key; convert it with: openssl pkcs8 -topk8"
                                              + " -nocrypt -in " + path + " -out KEY.pem", rule);
            }
            throw unusable(setting, path, "contains no BEGIN PRIVATE KEY block", rule);
        }
        final byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(matcher.group(1));
        } catch (IllegalArgumentException e) {
            throw unusable(setting, path, "has a key block that is not valid base64", rule);
        }
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // Not this algorithm; try the next one.
            }
        }
        throw unusable(setting, path, "contains a key that is not RSA, EC, Ed25519 or Ed448", rule);
    }

    /**
     * Checks that {@code key} is the private key of {@code certificate} by signing a
     * random challenge and verifying it with the certificate's public key. Keys of
     * other algorithms than RSA, EC and EdDSA are not checked.
     *
     * @throws IllegalArgumentException naming both settings when they do not match
     */
    public static void checkKeyMatches(String keySetting, Path keyPath, PrivateKey key, String certificateSetting,
                                       X509Certificate certificate) {
        final PublicKey publicKey = certificate.getPublicKey();
        final String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            return;
        }
        final byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        boolean matches;
        try {
            final Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            final byte[] signature = signer.sign();
            final Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw unusable(keySetting, keyPath, "is not the key of the certificate in " + certificateSetting + " ("
                                                + certificate.getSubjectX500Principal().getName() + ")",
                           "the private key that belongs to " + certificateSetting);
        }
    }

    private static void checkReadable(String setting, Path path, String rule) {
        requireNonNull(path, "path");
        if (Files.notExists(path)) {
            throw unusable(setting, path, "no such file", rule);
        }
        if (Files.isDirectory(path)) {
            throw unusable(setting, path, "is a directory", rule);
        }
        if (!Files.isReadable(path)) {
            throw unusable(setting, path, "is not readable by this process (check its owner and permissions)",
                           rule);
        }
        try (InputStream probe = Files.newInputStream(path)) {
            probe.read();
        } catch (NoSuchFileException e) {
            throw unusable(setting, path, "no such file", rule);
        } catch (AccessDeniedException e) {
            throw unusable(setting, path, "is not readable by this process (check its owner and permissions)",
                           rule);
        } catch (IOException e) {
            throw unusable(setting, path, "cannot be read: " + e.getMessage(), rule);
        }
    }

    private static IllegalArgumentException unusable(String setting, Path path, String reason, String rule) {
        return new IllegalArgumentException(setting + ": " + path + ": " + reason + " (expected: " + rule + ")");
    }
}
