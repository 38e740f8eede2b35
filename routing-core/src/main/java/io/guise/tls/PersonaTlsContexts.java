package io.guise.tls;

import static java.util.Objects.requireNonNull;

import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.File;
import java.security.cert.CertificateException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server TLS contexts for personas, one per distinct (version, cipher suites)
 * pair, sharing the access point's certificate.
 *
 * <p>Uses the JDK provider: it offers exactly the configured protocol and suites,
 * TLS 1.3 suites included, whereas BoringSSL ignores a TLS 1.3 suite list.
 * Thread-safe; contexts are cached across routing table rebuilds.
 */
public final class PersonaTlsContexts {

    private static final Logger logger = LoggerFactory.getLogger(PersonaTlsContexts.class);

    private final File certificateChain;
    private final File privateKey;
    private final Map<List<String>, SslContext> contexts = new ConcurrentHashMap<>();

    private PersonaTlsContexts(File certificateChain, File privateKey) {
        this.certificateChain = certificateChain;
        this.privateKey = privateKey;
    }

    /** Uses a PEM certificate chain and a PEM PKCS#8 private key. */
    public static PersonaTlsContexts fromFiles(File certificateChain, File privateKey) {
        requireNonNull(certificateChain, "certificateChain");
        requireNonNull(privateKey, "privateKey");
        return new PersonaTlsContexts(certificateChain, privateKey);
    }

    /**
     * Generates a self-signed RSA certificate for {@code localhost}, for tests and
     * for access points configured without key material.
     */
    public static PersonaTlsContexts selfSigned() {
        try {
            final SelfSignedCertificate certificate = new SelfSignedCertificate("localhost");
            logger.info("Generated a self-signed certificate for TLS personas: {}",
                        certificate.certificate().getPath());
            return new PersonaTlsContexts(certificate.certificate(), certificate.privateKey());
        } catch (CertificateException e) {
            throw new IllegalStateException("generating a self-signed certificate failed", e);
        }
    }

    public File certificateChain() {
        return certificateChain;
    }

    /**
     * Returns the context that offers exactly {@code tlsVersion} with exactly
     * {@code cipherSuites}, in their order of preference.
     *
     * @throws IllegalArgumentException when the provider cannot offer them; the
     *     validator rejects such personas before they get here
     */
    public SslContext contextFor(String tlsVersion, List<String> cipherSuites) {
        requireNonNull(tlsVersion, "tlsVersion");
        requireNonNull(cipherSuites, "cipherSuites");
        final List<String> key = new java.util.ArrayList<>(cipherSuites.size() + 1);
        key.add(tlsVersion);
        key.addAll(cipherSuites);
        return contexts.computeIfAbsent(List.copyOf(key), unused -> build(tlsVersion, cipherSuites));
    }

    private SslContext build(String tlsVersion, List<String> cipherSuites) {
        try {
            final SslContext context = SslContextBuilder.forServer(certificateChain, privateKey)
                    .sslProvider(SslProvider.JDK)
                    .protocols(tlsVersion)
                    .ciphers(cipherSuites, IdentityCipherSuiteFilter.INSTANCE)
                    .build();
            // The JDK engine rejects unknown suites only when an engine is made, so
            // make one now to fail at table build rather than on the first client.
            context.newEngine(io.netty.buffer.ByteBufAllocator.DEFAULT).closeOutbound();
            return context;
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("TLS context for " + tlsVersion + " with " + cipherSuites
                                               + " could not be built: " + e.getMessage(), e);
        }
    }
}
