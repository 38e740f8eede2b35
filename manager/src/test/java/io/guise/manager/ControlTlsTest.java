package io.guise.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.StreamObserver;
import io.guise.accesspoint.AccessPoint;
import io.guise.manager.api.AdminTls;
import io.guise.distribution.ManagerLinkTls;
import io.guise.manager.distribution.DistributionTls;
import io.guise.manager.distribution.StreamRejections;
import io.guise.manager.store.InMemoryRevisionStore;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.AccessPointMessage;
import io.guise.proto.ControlTls;
import io.guise.proto.DistributionGrpc;
import io.guise.proto.Hello;
import io.guise.proto.Listener;
import io.guise.proto.ManagerLink;
import io.guise.proto.ManagerMessage;
import io.guise.proto.Persona;
import io.guise.testing.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Mutual TLS on the distribution stream, over loopback. The manager requires
 * client certificates and allows ap-1 and ap-3. It serves an access point with a
 * certificate from its CA. It rejects a certificate from another CA, a missing
 * certificate, a certificate that names another id and an id outside the allow list.
 */
@Timeout(60)
class ControlTlsTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    static Path directory;
    private static TestPki pki;
    private static TestPki.Issued managerCertificate;
    private static TestPki.Issued ap1;
    private static TestPki.Issued ap2;
    private static TestPki.Issued rogueAp1;

    private final ListAppender<ILoggingEvent> warnings = new ListAppender<>();
    private final Logger distributionLogger =
            (Logger) LoggerFactory.getLogger("io.guise.manager.distribution.DistributionServer");
    private ManagerServer manager;
    private AccessPoint accessPoint;

    @BeforeAll
    static void createCertificates() throws Exception {
        TestPki.assumeOpenssl();
        pki = TestPki.create(directory, "control");
        managerCertificate = pki.issue("guise-manager", "IP:127.0.0.1");
        ap1 = pki.issue("ap-1", "DNS:ap-1");
        ap2 = pki.issue("ap-2", "DNS:ap-2");
        rogueAp1 = TestPki.create(directory.resolve("rogue"), "rogue").issue("ap-1", "DNS:ap-1");
    }

    @BeforeEach
    void startManager() throws Exception {
        warnings.start();
        distributionLogger.addAppender(warnings);
        final ManagerServer.Options options = ManagerServer.Options.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .grpcListen(new InetSocketAddress("127.0.0.1", 0))
                .distributionTls(new DistributionTls(managerCertificate.certificateFile(),
                                                     managerCertificate.privateKeyFile(), pki.caFile(), true,
                                                     Set.of("ap-1", "ap-3")))
                .build();
        manager = ManagerServer.start(options, new InMemoryRevisionStore(100));
    }

    @AfterEach
    void stop() throws Exception {
        distributionLogger.detachAppender(warnings);
        if (accessPoint != null) {
            accessPoint.close();
        }
        if (manager != null) {
            manager.close();
        }
    }

    private AccessPoint startAccessPoint(String id, TestPki.Issued certificate) throws Exception {
        return AccessPoint.start(AccessPointConfig.newBuilder()
                .setId(id)
                .addListeners(Listener.newBuilder().setName("web").setMode("L7").addAddresses("127.0.0.1"))
                .setManager(ManagerLink.newBuilder()
                                    .setAddress("127.0.0.1:" + manager.distributionAddress().getPort())
                                    .setReconnectInitialMs(50)
                                    .setReconnectMaxMs(200)
                                    .setTls(controlTls(certificate)))
                .build(), 1);
    }

    private static ControlTls controlTls(TestPki.Issued certificate) {
        return ControlTls.newBuilder()
                .setCaFile(pki.caFile().toString())
                .setCertificateFile(certificate.certificateFile().toString())
                .setPrivateKeyFile(certificate.privateKeyFile().toString())
                .build();
    }

    /**
     * Opens a stream with {@code context}, sends a hello as {@code id} and returns OK
     * once the manager sends a message, or the status the stream failed with.
     */
    private Status openStream(SslContext context, String id) throws Exception {
        final ManagedChannel channel = NettyChannelBuilder.forAddress(manager.distributionAddress())
                .sslContext(context)
                .build();
        try {
            final CompletableFuture<Status> outcome = new CompletableFuture<>();
            final StreamObserver<AccessPointMessage> requests = DistributionGrpc.newStub(channel).stream(
                    new StreamObserver<>() {
                        @Override
                        public void onNext(ManagerMessage message) {
                            outcome.complete(Status.OK);
                        }

                        @Override
                        public void onError(Throwable error) {
                            outcome.complete(Status.fromThrowable(error));
                        }

                        @Override
                        public void onCompleted() {
                            outcome.complete(Status.OK);
                        }
                    });
            requests.onNext(AccessPointMessage.newBuilder()
                                    .setHello(Hello.newBuilder().setAccessPointId(id))
                                    .build());
            return outcome.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private List<String> warningLines() {
        return warnings.list.stream()
                .filter(event -> event.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    private String metrics() {
        return new String(manager.api().metrics().scrapeText(), StandardCharsets.UTF_8);
    }

    /** Returns a client TLS context that trusts only the CA certificate in {@code caFile}. */
    private static SSLContext trusting(Path caFile) throws Exception {
        final KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        final TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private long rejected(String reason) {
        return manager.distribution().rejections().get(reason);
    }

    @Test
    void caSignedAccessPoint_receivesSnapshotAndAcks() throws Exception {
        manager.service().upsertPersona(Persona.newBuilder().setId("web").setAddressFamily("IPv4").setAddress("web")
                                                .setPort(8081).setPriority(10).build(), OptionalLong.empty());

        accessPoint = startAccessPoint("ap-1", ap1);

        await().atMost(WAIT).until(() -> manager.distribution().registry().status("ap-1") != null
                                         && manager.distribution().registry().status("ap-1").appliedRevision() == 1);
        assertThat(manager.distribution().registry().status("ap-1").connected()).isTrue();
        assertThat(accessPoint.distribution().snapshotsReceived()).isEqualTo(1);
        assertThat(accessPoint.distribution().acksSent()).isEqualTo(1);
        assertThat(accessPoint.distribution().heldRevision()).isEqualTo(1);
        assertThat(accessPoint.routing().current().snapshot().getPersonas(0).getId()).isEqualTo("web");
    }

    @Test
    void certificateFromAnotherCa_failsHandshake() throws Exception {
        accessPoint = startAccessPoint("ap-1", rogueAp1);

        await().atMost(WAIT).until(() -> rejected(StreamRejections.UNTRUSTED_CERTIFICATE) >= 2);
        assertThat(manager.distribution().registry().statuses()).isEmpty();
        assertThat(accessPoint.distribution().connected()).isFalse();
        assertThat(accessPoint.distribution().messagesReceived()).isZero();
        assertThat(metrics()).containsPattern(
                "guise_manager_distribution_rejected_total\\{reason=\"untrusted_certificate\"} [1-9][0-9]*\\.0");
        assertThat(warningLines()).anySatisfy(line -> assertThat(line)
                .startsWith("Access point ap-1: TLS handshake rejected, because its certificate (issuer CN=rogue"
                            + " test CA) does not chain to the client CA: "));
    }

    @Test
    void noClientCertificate_failsHandshake() throws Exception {
        final SslContext withoutCertificate = GrpcSslContexts.forClient()
                .trustManager(pki.caFile().toFile())
                .protocols(ManagerLinkTls.PROTOCOLS)
                .build();

        final Status status = openStream(withoutCertificate, "ap-1");

        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(manager.distribution().registry().statuses()).isEmpty();
    }

    @Test
    void certificateOfAnotherId_unauthenticated() throws Exception {
        final Status status = openStream(ManagerLinkTls.clientContext(controlTls(ap1)), "ap-3");

        assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(status.getDescription()).isEqualTo(
                "hello.access_point_id: \"ap-3\" is not the identity of the client certificate (CN and DNS names:"
                + " [ap-1]; expected: the certificate's CN or a DNS subject alternative name equal to the access"
                + " point id)");
        assertThat(manager.distribution().registry().statuses()).isEmpty();
        assertThat(rejected(StreamRejections.IDENTITY_MISMATCH)).isEqualTo(1);
        assertThat(warningLines()).anySatisfy(line -> assertThat(line)
                .startsWith("Access point ap-3 from /127.0.0.1:")
                .contains("stream rejected with UNAUTHENTICATED: hello.access_point_id: \"ap-3\""));
    }

    @Test
    void idOutsideAllowList_permissionDenied() throws Exception {
        final Status status = openStream(ManagerLinkTls.clientContext(controlTls(ap2)), "ap-2");

        assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(status.getDescription()).isEqualTo(
                "access point ap-2 is not allowed (expected: an id in the manager's --allowed-access-points)");
        assertThat(manager.distribution().registry().statuses()).isEmpty();
        assertThat(metrics()).contains("guise_manager_distribution_rejected_total{reason=\"not_allowed\"} 1.0");
        assertThat(warningLines()).anySatisfy(line -> assertThat(line)
                .startsWith("Access point ap-2 from /127.0.0.1:")
                .contains("stream rejected with PERMISSION_DENIED"));
    }

    @Test
    void matchingAllowedId_accepted() throws Exception {
        final Status status = openStream(ManagerLinkTls.clientContext(controlTls(ap1)), "ap-1");

        assertThat(status.getCode()).isEqualTo(Status.Code.OK);
        assertThat(manager.distribution().registry().status("ap-1")).isNotNull();
    }

    @Test
    void missingServerKey_failsStartNamingOption() {
        final Path missing = directory.resolve("missing.key");
        final ManagerServer.Options options = ManagerServer.Options.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .grpcListen(new InetSocketAddress("127.0.0.1", 0))
                .distributionTls(DistributionTls.serverOnly(managerCertificate.certificateFile(), missing))
                .build();

        assertThatThrownBy(() -> ManagerServer.start(options, new InMemoryRevisionStore(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--grpc-key-file: " + missing + ": no such file");
    }

    @Test
    void adminApiOverTls_trustingClientOnly() throws Exception {
        final ManagerServer.Options options = ManagerServer.Options.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .adminTls(new AdminTls(managerCertificate.certificateFile(), managerCertificate.privateKeyFile()))
                .build();
        try (ManagerServer https = ManagerServer.start(options, new InMemoryRevisionStore(10))) {
            final int port = https.boundAddress().getPort();
            final HttpClient trusting = HttpClient.newBuilder()
                    .sslContext(trusting(pki.caFile()))
                    .build();
            final HttpClient plain = HttpClient.newBuilder().connectTimeout(WAIT).build();

            final HttpResponse<String> response = trusting.send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/healthz")).timeout(WAIT).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThatThrownBy(() -> plain.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).timeout(WAIT).build(),
                    HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
        }
    }
}
