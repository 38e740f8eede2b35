package io.guise.validation;

import static java.util.Objects.requireNonNull;

import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The TLS protocol versions and cipher suites that the access point's TLS provider
 * can serve, limited to the versions Guise offers (TLSv1.2 and TLSv1.3). Suites
 * keep the provider's order, which is its order of preference. Immutable and
 * thread-safe.
 */
public final class TlsCapabilities {

    /** TLS 1.2 in the JDK's spelling of protocol names. */
    public static final String TLS_1_2 = "TLSv1.2";

    /** TLS 1.3 in the JDK's spelling of protocol names. */
    public static final String TLS_1_3 = "TLSv1.3";

    /** The TLS 1.3 cipher suites that RFC 8446, appendix B.4, defines. */
    private static final Set<String> TLS_1_3_SUITE_NAMES = Set.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_AES_128_CCM_SHA256",
            "TLS_AES_128_CCM_8_SHA256");

    private final Set<String> protocols;
    private final Set<String> tls12Suites;
    private final Set<String> tls13Suites;

    private TlsCapabilities(Set<String> protocols, Set<String> tls12Suites, Set<String> tls13Suites) {
        this.protocols = protocols;
        this.tls12Suites = tls12Suites;
        this.tls13Suites = tls13Suites;
    }

    /**
     * Returns what the JDK's default {@link SSLContext} enables, for an RSA
     * certificate, which is the access point's default.
     */
    public static TlsCapabilities jdk() {
        return jdk("RSA");
    }

    /**
     * Returns what the JDK's default {@link SSLContext} enables, for a certificate
     * whose key algorithm is {@code "RSA"} or {@code "EC"}. TLS 1.2 suites name the
     * certificate's key type, so an RSA key leaves out the ECDSA and DSS suites and
     * an EC key keeps only the ECDSA ones. The enabled suites are those of
     * {@code getDefaultSSLParameters()}, which leave out the suites that the
     * {@code jdk.tls.disabledAlgorithms} security property disables.
     *
     * @throws IllegalArgumentException for another key algorithm
     * @throws IllegalStateException when the JDK has no default TLS context
     */
    public static TlsCapabilities jdk(String keyAlgorithm) {
        requireNonNull(keyAlgorithm, "keyAlgorithm");
        final String algorithm = keyAlgorithm.toUpperCase(Locale.ROOT);
        if (!algorithm.equals("RSA") && !algorithm.equals("EC")) {
            throw new IllegalArgumentException("keyAlgorithm: " + keyAlgorithm + " (expected: RSA or EC)");
        }
        // NOTE: these are the defaults of the default context. A JVM started with
        // jdk.tls.server.protocols or jdk.tls.server.cipherSuites may enable other
        // ones on server sockets, and Netty with OpenSSL has its own set.
        final SSLParameters parameters;
        try {
            parameters = SSLContext.getDefault().getDefaultSSLParameters();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no default SSLContext", e);
        }
        final Set<String> suites = new LinkedHashSet<>();
        for (String suite : parameters.getCipherSuites()) {
            if (TLS_1_3_SUITE_NAMES.contains(suite) || fitsKey(suite, algorithm)) {
                suites.add(suite);
            }
        }
        return of(new LinkedHashSet<>(List.of(parameters.getProtocols())), suites);
    }

    private static boolean fitsKey(String tls12Suite, String keyAlgorithm) {
        final boolean ecdsa = tls12Suite.contains("_ECDSA_");
        if (keyAlgorithm.equals("EC")) {
            return ecdsa;
        }
        return !ecdsa && !tls12Suite.contains("_DSS_");
    }

    /**
     * Creates capabilities from explicit sets, for tests and for providers other
     * than the JDK's. Protocols other than TLSv1.2 and TLSv1.3 are left out, and so
     * are signalling values such as TLS_EMPTY_RENEGOTIATION_INFO_SCSV. A suite in
     * the TLS 1.3 list above is a TLS 1.3 suite, and any other one a TLS 1.2 suite.
     */
    public static TlsCapabilities of(Set<String> protocols, Set<String> cipherSuites) {
        requireNonNull(protocols, "protocols");
        requireNonNull(cipherSuites, "cipherSuites");
        final Set<String> served = new LinkedHashSet<>();
        for (String protocol : protocols) {
            if (protocol.equals(TLS_1_2) || protocol.equals(TLS_1_3)) {
                served.add(protocol);
            }
        }
        final Set<String> tls12 = new LinkedHashSet<>();
        final Set<String> tls13 = new LinkedHashSet<>();
        for (String suite : cipherSuites) {
            if (suite.endsWith("_SCSV")) {
                continue;
            }
            if (TLS_1_3_SUITE_NAMES.contains(suite)) {
                tls13.add(suite);
            } else {
                tls12.add(suite);
            }
        }
        return new TlsCapabilities(
                Collections.unmodifiableSet(served),
                served.contains(TLS_1_2) ? Collections.unmodifiableSet(tls12) : Set.of(),
                served.contains(TLS_1_3) ? Collections.unmodifiableSet(tls13) : Set.of());
    }

    /** Returns the protocols served: a subset of TLSv1.2 and TLSv1.3. */
    public Set<String> protocols() {
        return protocols;
    }

    /**
     * Returns the cipher suites served under a protocol version, such as
     * {@code "TLSv1.3"}, or an empty set for a version not served.
     */
    public Set<String> suitesFor(String tlsVersion) {
        requireNonNull(tlsVersion, "tlsVersion");
        if (tlsVersion.equals(TLS_1_3)) {
            return tls13Suites;
        }
        if (tlsVersion.equals(TLS_1_2)) {
            return tls12Suites;
        }
        return Set.of();
    }

    @Override
    public String toString() {
        return "TlsCapabilities{protocols=" + protocols + ", TLSv1.2 suites=" + tls12Suites.size()
                + ", TLSv1.3 suites=" + tls13Suites.size() + "}";
    }
}
