package io.guise.manager;

import static io.guise.manager.health.HealthReports.endpoint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.guise.manager.health.HealthAggregator;
import io.guise.manager.store.InMemoryRevisionStore;
import io.guise.proto.AccessPointMessage;
import io.guise.proto.DistributionGrpc;
import io.guise.proto.Endpoint;
import io.guise.proto.HealthReport;
import io.guise.proto.Hello;
import io.guise.proto.ManagerMessage;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real manager with its distribution server and health loop on loopback, and a
 * test client on a raw gRPC stream that plays one access point.
 */
@Timeout(60)
class HealthDistributionTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Duration WINDOW = Duration.ofMillis(500);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ConcurrentLinkedQueue<ManagerMessage> received = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Throwable> streamError = new AtomicReference<>();
    private final AtomicLong windowsAtDemotion = new AtomicLong(-1);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ManagerServer server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        server = ManagerServer.start(ManagerServer.Options.builder()
                                             .listen(new InetSocketAddress("127.0.0.1", 0))
                                             .grpcListen(new InetSocketAddress("127.0.0.1", 0))
                                             .healthWindow(WINDOW)
                                             .heartbeatInterval(Duration.ofMillis(100))
                                             .build(), new InMemoryRevisionStore(100));
        for (int i = 1; i <= 4; i++) {
            server.service().upsertEndpoint(Endpoint.newBuilder().setId("web-" + i).setPool("web")
                                                    .setAddress("127.0.0.1").setPort(8000 + i).build(),
                                            OptionalLong.empty());
        }
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.distributionAddress().getPort())
                .usePlaintext().build();
    }

    @AfterEach
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void failingEndpointReport_demotionReachesClientAsDelta() throws Exception {
        final StreamObserver<AccessPointMessage> requests = DistributionGrpc.newStub(channel).stream(
                new StreamObserver<>() {
                    @Override
                    public void onNext(ManagerMessage message) {
                        if (message.hasDelta() && demotes(message)) {
                            windowsAtDemotion.compareAndSet(-1, server.health().windows());
                        }
                        received.add(message);
                    }

                    @Override
                    public void onError(Throwable error) {
                        streamError.set(error);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(AccessPointMessage.newBuilder().setHello(Hello.newBuilder().setAccessPointId("ap-test"))
                                .build());
        await().atMost(WAIT).until(() -> received.stream().anyMatch(ManagerMessage::hasSnapshot));
        final long revisionBefore = server.service().current().getRevision();

        final HealthReport malformed = HealthReport.newBuilder()
                .addEndpoints(endpoint("web-3", 10, 0, 0, 1_000).toBuilder()
                                      .setLatencyHistogram(ByteString.copyFromUtf8("garbage")))
                .addEndpoints(endpoint("no-such-endpoint", 10, 0, 0, 1_000))
                .build();
        requests.onNext(AccessPointMessage.newBuilder().setHealth(malformed).build());
        final long windowsBefore = server.health().windows();
        final HealthReport.Builder failing = HealthReport.newBuilder();
        for (int i = 1; i <= 4; i++) {
            failing.addEndpoints(endpoint("web-" + i, i == 2 ? 40 : 100, i == 2 ? 60 : 0, 0, 2_000));
        }
        requests.onNext(AccessPointMessage.newBuilder().setHealth(failing).build());

        await().atMost(WAIT).until(() -> windowsAtDemotion.get() >= 0);
        assertThat(windowsAtDemotion.get() - windowsBefore).isBetween(1L, 3L);
        final ManagerMessage delta = received.stream().filter(m -> m.hasDelta() && demotes(m)).findFirst()
                .orElseThrow();
        assertThat(delta.getDelta().getDelta().getToRevision()).isEqualTo(revisionBefore + 1);
        assertThat(server.service().current().getEndpointsList()).filteredOn(e -> e.getId().equals("web-2"))
                .extracting(Endpoint::getTier).containsExactly(1);
        assertThat(server.distribution().health().ignored(HealthAggregator.Ignored.BAD_HISTOGRAM)).isEqualTo(1);
        assertThat(server.distribution().health().ignored(HealthAggregator.Ignored.UNKNOWN_ENDPOINT)).isEqualTo(1);

        // The stream outlives the bad entries: heartbeats keep coming, with the newest revision.
        final int before = received.size();
        await().atMost(WAIT).until(() -> received.stream().skip(before).anyMatch(
                m -> m.hasHeartbeat() && m.getHeartbeat().getRevision() == revisionBefore + 1));
        final ManagerMessage heartbeat = received.stream().filter(ManagerMessage::hasHeartbeat).findFirst()
                .orElseThrow();
        assertThat(heartbeat.getHeartbeat().getTimeMs()).isBetween(System.currentTimeMillis() - 60_000,
                                                                    System.currentTimeMillis());
        assertThat(streamError.get()).isNull();
        assertThat(server.distribution().heartbeatsSent()).isGreaterThanOrEqualTo(2);

        final JsonNode decisions = get("/health/decisions");
        assertThat(decisions.get("decisions")).hasSize(1);
        final JsonNode demotion = decisions.at("/decisions/0");
        assertThat(demotion.get("action").asText()).isEqualTo("demote");
        assertThat(demotion.get("outcome").asText()).isEqualTo("written");
        assertThat(demotion.get("revision").asLong()).isEqualTo(revisionBefore + 1);
        assertThat(demotion.get("endpoint_id").asText()).isEqualTo("web-2");
        assertThat(demotion.get("pool").asText()).isEqualTo("web");
        assertThat(demotion.get("from_tier").asInt()).isZero();
        assertThat(demotion.get("to_tier").asInt()).isEqualTo(1);
        assertThat(demotion.get("reason").asText()).isEqualTo("failure share 60.0% over 100 requests exceeds 20.0%");
        assertThat(demotion.at("/evidence/requests").asLong()).isEqualTo(100);
        assertThat(demotion.at("/evidence/failures").asLong()).isEqualTo(60);
        assertThat(demotion.at("/evidence/failure_percent").asDouble()).isEqualTo(60.0);
        assertThat(demotion.at("/evidence/p99_ms").asDouble()).isEqualTo(2.0);
        assertThat(demotion.at("/evidence/pool_median_p99_ms").asDouble()).isEqualTo(2.0);
        assertThat(demotion.at("/evidence/reporters").toString()).isEqualTo("[\"ap-test\"]");
        assertThat(demotion.at("/evidence/thresholds/max_error_rate_percent").asDouble()).isEqualTo(20.0);
        assertThat(demotion.at("/evidence/thresholds/min_requests").asLong()).isEqualTo(20);

        final JsonNode endpoints = get("/health/endpoints");
        assertThat(endpoints.get("window").asLong()).isGreaterThanOrEqualTo(windowsAtDemotion.get());
        final JsonNode web2 = endpoints.at("/endpoints/1");
        assertThat(web2.get("endpoint_id").asText()).isEqualTo("web-2");
        assertThat(web2.get("tier").asInt()).isEqualTo(1);
        assertThat(web2.get("original_tier").asInt()).isZero();
        assertThat(web2.get("demoted").asBoolean()).isTrue();
        assertThat(web2.get("hold").isNull()).isTrue();
        assertThat(endpoints.at("/endpoints/0/demoted").asBoolean()).isFalse();
        assertThat(endpoints.at("/thresholds/restore_after_windows").asInt()).isEqualTo(3);

        final String metrics = http.send(request("/metrics"), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("guise_manager_health_decisions_total{action=\"demote\"} 1.0")
                .contains("guise_manager_health_reports_total 2.0")
                .contains("guise_manager_health_report_entries_ignored_total{reason=\"bad_histogram\"} 1.0");
        requests.onCompleted();
    }

    private static boolean demotes(ManagerMessage message) {
        final List<Endpoint> upserted = message.getDelta().getDelta().getUpsertedEndpointsList();
        return upserted.stream().anyMatch(e -> e.getId().equals("web-2") && e.getTier() == 1);
    }

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.boundAddress().getPort() + path))
                .timeout(Duration.ofSeconds(10)).build();
    }

    private JsonNode get(String path) throws Exception {
        final HttpResponse<String> response = http.send(request(path), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return MAPPER.readTree(response.body());
    }
}
