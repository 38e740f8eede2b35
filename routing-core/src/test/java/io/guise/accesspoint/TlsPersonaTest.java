package io.guise.accesspoint;

import static io.guise.accesspoint.AccessPointFixture.config;
import static io.guise.accesspoint.AccessPointFixture.endpoint;
import static io.guise.accesspoint.AccessPointFixture.listener;
import static io.guise.accesspoint.AccessPointFixture.persona;
import static io.guise.accesspoint.AccessPointFixture.subset;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.guise.proto.AccessPointConfig;
import io.guise.testing.LoopbackEndpoints;
import io.guise.testing.LoopbackEndpoints.HttpEndpoint;
import io.guise.testing.LoopbackEndpoints.TcpEndpoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * TLS personas offer exactly their version and cipher suites: a client that asks
 * for anything else fails the handshake. Checked with the JDK client and with
 * {@code openssl s_client}.
 */
class TlsPersonaTest {

    private static final String TLS12_SUITE = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
    private static final String TLS13_SUITE = "TLS_AES_256_GCM_SHA384";

    private static final LoopbackEndpoints endpoints = new LoopbackEndpoints();
    private static AccessPoint accessPoint;
    private static InetSocketAddress tls12;
    private static InetSocketAddress tls13;
    private static InetSocketAddress tls12Relay;

    @BeforeAll
    static void start() throws Exception {
        final HttpEndpoint backend = endpoints.http("web-1", "127.0.0.1");
        final TcpEndpoint tcpBackend = endpoints.tcp("tcp-1", "127.0.0.1");
        final AccessPointConfig config = config(listener("web", "L7", "127.0.0.1", "127.0.0.2"),
                                                listener("tcp", "L4", "127.0.0.1"))
                .addPersonas(persona("legacy", "web").setTlsVersion("TLSv1.2").addCipherSuites(TLS12_SUITE))
                .addPersonas(persona("modern", "web").setTlsVersion("TLSv1.3").addCipherSuites(TLS13_SUITE))
                .addPersonas(persona("legacy-tcp", "tcp").setTlsVersion("TLSv1.2").addCipherSuites(TLS12_SUITE))
                .addEndpoints(endpoint("web-1", "web", backend.address()))
                .addEndpoints(endpoint("tcp-1", "tcp", tcpBackend.address()))
                .addSubsets(subset("127.0.0.1/32", "legacy"))
                .addSubsets(subset("127.0.0.2/32", "modern"))
                .build();
        final AccessPointConfig withTcp = config.toBuilder()
                .setListeners(1, listener("tcp", "L4", "127.0.0.3"))
                .addSubsets(subset("127.0.0.3/32", "legacy-tcp"))
                .build();
        accessPoint = AccessPoint.start(withTcp, 1);
        tls12 = accessPoint.listenerAddresses("web").get(0);
        tls13 = accessPoint.listenerAddresses("web").get(1);
        tls12Relay = accessPoint.listenerAddresses("tcp").get(0);
    }

    @AfterAll
    static void stop() throws Exception {
        accessPoint.close();
        endpoints.close();
    }

    @Test
    void tls12Persona_servesMatchingClient() throws Exception {
        try (SSLSocket socket = connect(tls12, "TLSv1.2", TLS12_SUITE)) {
            assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThat(socket.getSession().getCipherSuite()).isEqualTo(TLS12_SUITE);
            assertThat(httpGet(socket)).startsWith("HTTP/1.1 200").endsWith("web-1");
        }
    }

    @Test
    void tls13Persona_servesMatchingClient() throws Exception {
        try (SSLSocket socket = connect(tls13, "TLSv1.3", TLS13_SUITE)) {
            assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(socket.getSession().getCipherSuite()).isEqualTo(TLS13_SUITE);
            assertThat(httpGet(socket)).startsWith("HTTP/1.1 200").endsWith("web-1");
        }
    }

    @Test
    void l4TlsPersona_terminatesAndRelays() throws Exception {
        try (SSLSocket socket = connect(tls12Relay, "TLSv1.2", TLS12_SUITE)) {
            final BufferedReader in = new BufferedReader(
                    new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("tcp-1");
        }
    }

    @ParameterizedTest(name = "{0} persona rejects {1} with {2}")
    @CsvSource({
        "tls12, TLSv1.3, TLS_AES_128_GCM_SHA256",
        "tls12, TLSv1.2, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "tls13, TLSv1.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "tls13, TLSv1.3, TLS_AES_128_GCM_SHA256",
        "tls13, TLSv1.3, TLS_CHACHA20_POLY1305_SHA256",
    })
    void persona_rejectsOtherVersionOrSuite(String listener, String protocol, String suite) {
        final InetSocketAddress address = listener.equals("tls12") ? tls12 : tls13;

        assertThatThrownBy(() -> connect(address, protocol, suite).close())
                .isInstanceOfAny(SSLHandshakeException.class, IOException.class);
    }

    @ParameterizedTest(name = "openssl {1} {2} against {0}: accepted={3}")
    @CsvSource({
        "tls12, -tls1_2, -cipher ECDHE-RSA-AES128-GCM-SHA256, true",
        "tls12, -tls1_2, -cipher ECDHE-RSA-AES256-GCM-SHA384, false",
        "tls12, -tls1_3, -ciphersuites TLS_AES_128_GCM_SHA256, false",
        "tls12, -tls1_1, -cipher ECDHE-RSA-AES128-SHA, false",
        "tls13, -tls1_3, -ciphersuites TLS_AES_256_GCM_SHA384, true",
        "tls13, -tls1_3, -ciphersuites TLS_AES_128_GCM_SHA256, false",
        "tls13, -tls1_2, -cipher ECDHE-RSA-AES128-GCM-SHA256, false",
    })
    void opensslClient_negotiatesOnlyPersonaSettings(String listener, String versionFlag, String cipherOption,
                                                     boolean accepted) throws Exception {
        assumeTrue(opensslAvailable(), "openssl is not installed; .ci/run installs it");
        final InetSocketAddress address = listener.equals("tls12") ? tls12 : tls13;
        final String[] cipher = cipherOption.split(" ", 2);

        final String output = runOpenssl(List.of("openssl", "s_client", "-connect",
                                                 "127.0.0." + (listener.equals("tls12") ? 1 : 2) + ":"
                                                 + address.getPort(),
                                                 versionFlag, cipher[0], cipher[1], "-brief"));

        if (accepted) {
            assertThat(output).contains("CONNECTION ESTABLISHED");
        } else {
            assertThat(output).doesNotContain("CONNECTION ESTABLISHED");
        }
    }

    private static SSLSocket connect(InetSocketAddress address, String protocol, String suite) throws Exception {
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new TrustEverything()}, new SecureRandom());
        final SSLSocket socket = (SSLSocket) context.getSocketFactory()
                .createSocket(address.getAddress(), address.getPort());
        socket.setSoTimeout(10_000);
        socket.setEnabledProtocols(new String[] {protocol});
        socket.setEnabledCipherSuites(new String[] {suite});
        try {
            socket.startHandshake();
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        return socket;
    }

    private static String httpGet(SSLSocket socket) throws IOException {
        final OutputStream out = socket.getOutputStream();
        out.write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static boolean opensslAvailable() {
        try {
            return new ProcessBuilder("openssl", "version").start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static String runOpenssl(List<String> command) throws Exception {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("openssl finished").isTrue();
        return output;
    }

    /** Accepts the access point's self-signed certificate; these tests check protocol and suite only. */
    private static final class TrustEverything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
