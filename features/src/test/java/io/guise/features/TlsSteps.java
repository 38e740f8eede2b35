package io.guise.features;

import static org.assertj.core.api.Assertions.assertThat;

import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** TLS clients that offer one version and one cipher suite to an access point. */
public final class TlsSteps {

    private final SpecWorld world;
    private SSLSocket socket;
    private IOException handshakeFailure;

    public TlsSteps(SpecWorld world) {
        this.world = world;
    }

    @When("a TLS client offering {word} with {word} connects to {address}")
    public void connect(String version, String suite, String destination) throws GeneralSecurityException {
        final InetSocketAddress address = SpecWorld.listenerAddress(world.accessPoint(), destination);
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new TrustAnyCertificate()}, new SecureRandom());
        try {
            final SSLSocket opened = (SSLSocket) context.getSocketFactory()
                    .createSocket(address.getAddress(), address.getPort());
            world.closeAtEnd(opened);
            opened.setSoTimeout((int) SpecWorld.WAIT.toMillis());
            opened.setEnabledProtocols(new String[] {version});
            opened.setEnabledCipherSuites(new String[] {suite});
            opened.startHandshake();
            socket = opened;
        } catch (IOException e) {
            handshakeFailure = e;
        }
    }

    @Then("the handshake succeeds with {word} and {word}")
    public void handshakeSucceeds(String version, String suite) {
        assertThat(handshakeFailure).as("handshake failure").isNull();
        assertThat(socket.getSession().getProtocol()).isEqualTo(version);
        assertThat(socket.getSession().getCipherSuite()).isEqualTo(suite);
    }

    @Then("the handshake fails")
    public void handshakeFails() {
        assertThat(socket).as("negotiated session").isNull();
        assertThat(handshakeFailure).as("handshake failure").isNotNull();
    }

    @Then("a request over it is answered 200 by persona {string}")
    public void requestOverTls(String persona) throws IOException {
        final OutputStream out = socket.getOutputStream();
        out.write("GET / HTTP/1.1\r\nHost: guise.test\r\nConnection: close\r\n\r\n"
                          .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        final String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(response).startsWith("HTTP/1.1 200").containsIgnoringCase("x-guise-persona: " + persona);
    }

    /** Accepts the access point's self-signed certificate: these specs check version and suite only. */
    private static final class TrustAnyCertificate implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // Client certificates are not used.
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // Any certificate is accepted on loopback in a test.
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
