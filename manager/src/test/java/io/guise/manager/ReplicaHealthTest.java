package io.guise.manager;

import static io.guise.manager.health.HealthReports.endpoint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.guise.manager.health.DecisionRecord;
import io.guise.manager.store.EtcdCluster;
import io.guise.manager.store.EtcdRevisionStore;
import io.guise.manager.store.RevisionStore;
import io.guise.proto.AccessPointMessage;
import io.guise.proto.DistributionGrpc;
import io.guise.proto.Endpoint;
import io.guise.proto.HealthReport;
import io.guise.proto.Hello;
import io.guise.proto.ManagerMessage;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two manager replicas on one etcd prefix: one leads the health decisions at a
 * time, and it judges reports that access points sent to the other replica. The
 * access point is a raw gRPC stream that sends made-up reports.
 */
@Timeout(120)
class ReplicaHealthTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration WINDOW = Duration.ofMillis(300);

    @TempDir
    static Path etcdFolder;

    private static EtcdCluster cluster;

    private final String prefix = "/guise-test/" + UUID.randomUUID();
    private final List<ManagerServer> replicas = new ArrayList<>();
    private final ConcurrentLinkedQueue<ManagerMessage> received = new ConcurrentLinkedQueue<>();
    private ManagedChannel channel;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = EtcdCluster.start(etcdFolder);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void stopAll() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (ManagerServer replica : replicas) {
            replica.close();
        }
    }

    @Test
    void followerReports_leaderDemotes() throws Exception {
        final ManagerServer first = startReplica();
        final ManagerServer second = startReplica();
        for (int i = 1; i <= 4; i++) {
            first.service().upsertEndpoint(Endpoint.newBuilder().setId("web-" + i).setPool("web")
                                                   .setAddress("127.0.0.1").setPort(8000 + i).build(),
                                           OptionalLong.empty());
        }
        await().atMost(WAIT).until(() -> first.decidesHealth() != second.decidesHealth());
        final ManagerServer leader = first.decidesHealth() ? first : second;
        final ManagerServer follower = leader == first ? second : first;
        await().atMost(WAIT).until(() -> follower.service().current().getRevision() == 4);

        final StreamObserver<AccessPointMessage> requests = openStream(follower);
        final HealthReport.Builder failing = HealthReport.newBuilder();
        for (int i = 1; i <= 4; i++) {
            failing.addEndpoints(endpoint("web-" + i, i == 2 ? 40 : 100, i == 2 ? 60 : 0, 0, 2_000));
        }
        // One report per poll, so every window has one until the leader acts on it.
        await().atMost(WAIT).pollInterval(WINDOW).until(() -> {
            requests.onNext(AccessPointMessage.newBuilder().setHealth(failing).build());
            return tierOf(follower, "web-2") == 1;
        });

        assertThat(tierOf(leader, "web-2")).isEqualTo(1);
        assertThat(leader.health().decisions().count(DecisionRecord.Action.DEMOTE)).isEqualTo(1);
        assertThat(follower.health().decisions().count(DecisionRecord.Action.DEMOTE)).isZero();
        final DecisionRecord demotion = leader.health().decisions().newest(1).get(0);
        assertThat(demotion.outcome()).isEqualTo(DecisionRecord.Outcome.WRITTEN);
        assertThat(demotion.endpoint().endpointId()).isEqualTo("web-2");
        // The only access point is on the follower, so the leader judged forwarded reports.
        assertThat(demotion.endpoint().reporters()).containsExactly("ap-follower");
        assertThat(leader.distribution().registry().statuses()).isEmpty();
        requests.onCompleted();
    }

    @Test
    void leaderStops_otherReplicaTakesOver() throws Exception {
        final ManagerServer first = startReplica();
        final ManagerServer second = startReplica();
        await().atMost(WAIT).until(() -> first.decidesHealth() != second.decidesHealth());
        final ManagerServer leader = first.decidesHealth() ? first : second;
        final ManagerServer follower = leader == first ? second : first;

        leader.close();
        replicas.remove(leader);

        await().atMost(WAIT).until(follower::decidesHealth);
        final ManagerServer third = startReplica();
        await().during(WINDOW.multipliedBy(3)).atMost(WAIT).until(() -> follower.decidesHealth()
                                                                          && !third.decidesHealth());
    }

    private ManagerServer startReplica() throws Exception {
        final ManagerServer.Options options = ManagerServer.Options.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .grpcListen(new InetSocketAddress("127.0.0.1", 0))
                .healthWindow(WINDOW)
                .etcdStore(EtcdRevisionStore.Options.builder().endpoints(cluster.endpoints()).prefix(prefix)
                                   .requestTimeout(Duration.ofSeconds(5)).build())
                .build();
        final RevisionStore store = ManagerServer.openStore(options);
        final ManagerServer replica;
        try {
            replica = ManagerServer.start(options, store);
        } catch (RuntimeException | InterruptedException e) {
            store.close();
            throw e;
        }
        replicas.add(replica);
        return replica;
    }

    private StreamObserver<AccessPointMessage> openStream(ManagerServer replica) {
        channel = NettyChannelBuilder.forAddress("127.0.0.1", replica.distributionAddress().getPort())
                .usePlaintext().build();
        final StreamObserver<AccessPointMessage> requests = DistributionGrpc.newStub(channel).stream(
                new StreamObserver<>() {
                    @Override
                    public void onNext(ManagerMessage message) {
                        received.add(message);
                    }

                    @Override
                    public void onError(Throwable error) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(AccessPointMessage.newBuilder().setHello(Hello.newBuilder().setAccessPointId("ap-follower"))
                                .build());
        await().atMost(WAIT).until(() -> received.stream().anyMatch(ManagerMessage::hasSnapshot));
        return requests;
    }

    private static int tierOf(ManagerServer replica, String endpointId) {
        return replica.service().current().getEndpointsList().stream().filter(e -> e.getId().equals(endpointId))
                .findFirst().orElseThrow().getTier();
    }
}
