package io.guise.distribution;

import static java.util.Objects.requireNonNull;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.guise.proto.ControlTls;
import io.guise.tls.PemFiles;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Builds the client side of mutual TLS on the distribution stream from
 * {@code manager.tls}: the access point presents its certificate and trusts only
 * the configured CA for the manager's, with TLS 1.3 or 1.2. gRPC checks that the
 * manager's certificate names the host of the manager address. Stateless.
 */
public final class ManagerLinkTls {

    /** The protocols offered on the control plane, most preferred first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private ManagerLinkTls() {
    }

    /**
     * Reads the files that {@code tls} names and returns the client context.
     *
     * @throws IllegalArgumentException naming the field, the path and the reason
     *     when a file is missing, unreadable or contains no usable certificate or key
     */
    public static SslContext clientContext(ControlTls tls) {
        requireNonNull(tls, "tls");
        final List<X509Certificate> authorities = PemFiles.certificates(
                "manager.tls.ca_file", Path.of(tls.getCaFile()), "the CA certificates that sign the manager's"
                                                                 + " certificate");
        final Path certificatePath = Path.of(tls.getCertificateFile());
        final List<X509Certificate> chain = PemFiles.certificates(
                "manager.tls.certificate_file", certificatePath, "this access point's certificate chain");
        final Path keyPath = Path.of(tls.getPrivateKeyFile());
        final PrivateKey key = PemFiles.privateKey("manager.tls.private_key_file", keyPath);
        PemFiles.checkKeyMatches("manager.tls.private_key_file", keyPath, key, "manager.tls.certificate_file",
                                 chain.get(0));
        try {
            return GrpcSslContexts.forClient()
                    .trustManager(authorities)
                    .keyManager(key, chain)
                    .protocols(PROTOCOLS)
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("manager.tls: building the TLS client context from "
                                               + tls.getCertificateFile() + " failed: " + e.getMessage(), e);
        }
    }
}
