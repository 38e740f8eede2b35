package io.guise.manager.api;

import static java.util.Objects.requireNonNull;

import io.guise.distribution.ManagerLinkTls;
import io.guise.tls.PemFiles;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * HTTPS for the admin API: the manager's certificate and key, served with TLS 1.3
 * or 1.2. Clients check the certificate against their own trust, such as the CA
 * that {@code guise persona --ca-file} names. Errors about files name the
 * {@code guise manager} option that sets them. Immutable and thread-safe.
 *
 * @param certificateFile PEM certificate chain, leaf first
 * @param privateKeyFile PEM PKCS#8 private key of that certificate
 */
public record AdminTls(Path certificateFile, Path privateKeyFile) {

    public AdminTls {
        requireNonNull(certificateFile, "certificateFile");
        requireNonNull(privateKeyFile, "privateKeyFile");
    }

    /**
     * Reads the files and returns the server context.
     *
     * @throws IllegalArgumentException naming the option, the path and the reason
     *     when a file is missing, unreadable or unusable
     */
    public SslContext serverContext() {
        final List<X509Certificate> chain = PemFiles.certificates("--admin-cert-file", certificateFile,
                                                                  "the admin API's certificate chain");
        final PrivateKey key = PemFiles.privateKey("--admin-key-file", privateKeyFile);
        PemFiles.checkKeyMatches("--admin-key-file", privateKeyFile, key, "--admin-cert-file", chain.get(0));
        try {
            return SslContextBuilder.forServer(key, chain).protocols(ManagerLinkTls.PROTOCOLS).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("--admin-cert-file: building the TLS server context from "
                                               + certificateFile + " failed: " + e.getMessage(), e);
        }
    }
}
