package io.guise.manager.distribution;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.guise.distribution.ManagerLinkTls;
import io.guise.tls.PemFiles;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS of the distribution server: the manager's certificate and key, and
 * optionally a client CA. With a client CA, a client certificate that does not
 * chain to it fails the TLS handshake. With {@code requireClientCert}, a
 * handshake without a client certificate fails too, and a stream is accepted only
 * when its hello's {@code access_point_id} is the certificate's identity: its
 * subject CN or one of its DNS subject alternative names. A non-empty allow list
 * then admits only the access point ids it names. Without
 * {@code requireClientCert}, a certificate is optional, but one that is presented
 * must chain to the client CA and name the hello's id.
 *
 * <p>Errors about files name the {@code guise manager} option that sets them.
 * Immutable and thread-safe.
 *
 * @param certificateFile PEM certificate chain of the manager, leaf first
 * @param privateKeyFile PEM PKCS#8 private key of that certificate
 * @param clientCaFile PEM CA certificates that sign access point certificates, or
 *     null to request no client certificate
 * @param requireClientCert whether every access point must present a certificate
 *     that proves its id
 * @param allowedAccessPoints the access point ids admitted; empty admits every id
 */
public record DistributionTls(Path certificateFile, Path privateKeyFile, Path clientCaFile,
                              boolean requireClientCert, Set<String> allowedAccessPoints) {

    // The distribution server's logger, so every rejection of a stream or handshake is logged in one place.
    private static final Logger logger = LoggerFactory.getLogger(DistributionServer.class);

    public DistributionTls {
        requireNonNull(certificateFile, "certificateFile");
        requireNonNull(privateKeyFile, "privateKeyFile");
        allowedAccessPoints = Set.copyOf(new LinkedHashSet<>(requireNonNull(allowedAccessPoints,
                                                                             "allowedAccessPoints")));
        if (requireClientCert && clientCaFile == null) {
            throw new IllegalArgumentException("--require-client-cert: set without --client-ca-file (expected: the CA"
                                               + " file that signs access point certificates as well)");
        }
        if (!allowedAccessPoints.isEmpty() && !requireClientCert) {
            throw new IllegalArgumentException("--allowed-access-points: " + allowedAccessPoints + " without"
                                               + " --require-client-cert (expected: --require-client-cert as well,"
                                               + " because without a verified certificate the id in the hello is"
                                               + " unproven)");
        }
        for (String id : allowedAccessPoints) {
            if (id.isBlank() || id.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("--allowed-access-points: \"" + id + "\" (expected: access point"
                                                   + " ids without spaces, separated by commas)");
            }
        }
    }

    /** Returns settings for server TLS only: access points need no certificate. */
    public static DistributionTls serverOnly(Path certificateFile, Path privateKeyFile) {
        return new DistributionTls(certificateFile, privateKeyFile, null, false, Set.of());
    }

    /** A rejected stream: the status sent to the access point and the reason counted in metrics. */
    record Rejection(Status status, String metricReason) {
    }

    /**
     * Reads the files and returns the gRPC server context. A client certificate
     * that does not chain to the client CA is counted in {@code rejections} and
     * logged before its handshake fails.
     *
     * @throws IllegalArgumentException naming the option, the path and the reason
     *     when a file is missing, unreadable or unusable
     */
    /**
     * Reads every file the settings name, so a command line can reject a bad one
     * before it initializes a store or binds a port.
     *
     * @throws IllegalArgumentException naming the option, the path and the reason
     *     when a file is missing, unreadable or unusable
     */
    public void checkFiles() {
        final List<X509Certificate> chain = PemFiles.certificates("--grpc-cert-file", certificateFile,
                                                                  "the manager's certificate chain");
        final PrivateKey key = PemFiles.privateKey("--grpc-key-file", privateKeyFile);
        PemFiles.checkKeyMatches("--grpc-key-file", privateKeyFile, key, "--grpc-cert-file", chain.get(0));
        if (clientCaFile != null) {
            PemFiles.certificates("--client-ca-file", clientCaFile,
                                  "the CA certificates that sign access point certificates");
        }
    }

    SslContext serverContext(StreamRejections rejections) {
        requireNonNull(rejections, "rejections");
        final List<X509Certificate> chain = PemFiles.certificates("--grpc-cert-file", certificateFile,
                                                                  "the manager's certificate chain");
        final PrivateKey key = PemFiles.privateKey("--grpc-key-file", privateKeyFile);
        PemFiles.checkKeyMatches("--grpc-key-file", privateKeyFile, key, "--grpc-cert-file", chain.get(0));
        final SslContextBuilder builder = GrpcSslContexts.configure(SslContextBuilder.forServer(key, chain))
                .protocols(ManagerLinkTls.PROTOCOLS);
        if (clientCaFile != null) {
            final List<X509Certificate> authorities = PemFiles.certificates(
                    "--client-ca-file", clientCaFile, "the CA certificates that sign access point certificates");
            builder.trustManager(new CountingTrustManager(trustManager(authorities), rejections))
                    .clientAuth(requireClientCert ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        try {
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("--grpc-cert-file: building the TLS server context from "
                                               + certificateFile + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Returns why the stream of {@code accessPointId} over {@code session} is
     * rejected, or null when it is accepted.
     *
     * @param session the stream's TLS session, or null when it has none
     */
    Rejection check(String accessPointId, SSLSession session) {
        final X509Certificate certificate = peerCertificate(session);
        if (certificate == null) {
            if (requireClientCert) {
                return new Rejection(Status.UNAUTHENTICATED.withDescription(
                        "no client certificate (expected: a certificate signed by the manager's client CA that"
                        + " names access point " + accessPointId + ")"), StreamRejections.NO_CERTIFICATE);
            }
            return null;
        }
        final Set<String> identities = identities(certificate);
        if (!identities.contains(accessPointId)) {
            return new Rejection(Status.UNAUTHENTICATED.withDescription(
                    "hello.access_point_id: \"" + accessPointId + "\" is not the identity of the client certificate"
                    + " (CN and DNS names: " + identities + "; expected: the certificate's CN or a DNS subject"
                    + " alternative name equal to the access point id)"), StreamRejections.IDENTITY_MISMATCH);
        }
        if (!allowedAccessPoints.isEmpty() && !allowedAccessPoints.contains(accessPointId)) {
            return new Rejection(Status.PERMISSION_DENIED.withDescription(
                    "access point " + accessPointId + " is not allowed (expected: an id in the manager's"
                    + " --allowed-access-points)"), StreamRejections.NOT_ALLOWED);
        }
        return null;
    }

    /** Returns the subject CN and the DNS subject alternative names of {@code certificate}, in that order. */
    static Set<String> identities(X509Certificate certificate) {
        final Set<String> identities = new LinkedHashSet<>();
        try {
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    identities.add(rdn.getValue().toString());
                }
            }
        } catch (InvalidNameException e) {
            // A subject the JDK printed but cannot parse back has no usable CN; the DNS names still count.
        }
        try {
            final Collection<List<?>> alternativeNames = certificate.getSubjectAlternativeNames();
            if (alternativeNames != null) {
                for (List<?> name : alternativeNames) {
                    // Type 2 is dNSName in RFC 5280's GeneralName.
                    if (name.size() == 2 && Integer.valueOf(2).equals(name.get(0))) {
                        identities.add(name.get(1).toString());
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // An unreadable extension gives no DNS names; the CN still counts.
        }
        return identities;
    }

    private static X509Certificate peerCertificate(SSLSession session) {
        if (session == null) {
            return null;
        }
        try {
            final var certificates = session.getPeerCertificates();
            return certificates.length > 0 && certificates[0] instanceof X509Certificate x509 ? x509 : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    private static X509ExtendedTrustManager trustManager(List<X509Certificate> authorities) {
        try {
            final KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < authorities.size(); i++) {
                store.setCertificateEntry("client-ca-" + i, authorities.get(i));
            }
            final TrustManagerFactory factory = TrustManagerFactory.getInstance(
                    TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("--client-ca-file: building a trust store from the CA certificates"
                                               + " failed: " + e.getMessage(), e);
        }
        throw new IllegalStateException("the JDK's " + TrustManagerFactory.getDefaultAlgorithm() + " trust manager"
                                        + " factory returned no X509ExtendedTrustManager");
    }

    /** Verifies client certificates with the client CA, and counts and logs each one rejected. */
    private static final class CountingTrustManager extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;
        private final StreamRejections rejections;

        CountingTrustManager(X509ExtendedTrustManager delegate, StreamRejections rejections) {
            this.delegate = delegate;
            this.rejections = rejections;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            try {
                delegate.checkClientTrusted(chain, authType, engine);
            } catch (CertificateException e) {
                rejected(chain, engine == null || engine.getPeerHost() == null ? null
                                                                : engine.getPeerHost() + ":" + engine.getPeerPort(), e);
                throw e;
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            try {
                delegate.checkClientTrusted(chain, authType, socket);
            } catch (CertificateException e) {
                rejected(chain, socket == null ? null : String.valueOf(socket.getRemoteSocketAddress()), e);
                throw e;
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                delegate.checkClientTrusted(chain, authType);
            } catch (CertificateException e) {
                rejected(chain, null, e);
                throw e;
            }
        }

        private void rejected(X509Certificate[] chain, String peer, CertificateException e) {
            rejections.count(StreamRejections.UNTRUSTED_CERTIFICATE);
            final boolean empty = chain == null || chain.length == 0;
            final Set<String> names = empty ? Set.of() : identities(chain[0]);
            logger.warn("Access point {}{}: TLS handshake rejected, because its certificate (issuer {}) does not chain"
                        + " to the client CA: {}", names.isEmpty() ? "(certificate without CN or DNS name)"
                                                                   : String.join(", ", names),
                        peer == null ? "" : " from " + peer,
                        empty ? "none" : chain[0].getIssuerX500Principal().getName(), e.getMessage());
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        /**
         * Returns no CA names, so the certificate request names none. An access point's key
         * manager would otherwise withhold a certificate from another CA, and its rejection
         * would go uncounted and unlogged.
         */
        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
