package io.guise.manager;

import ch.qos.logback.classic.Level;
import io.guise.distribution.DistributionClient;
import io.guise.manager.config.ConfigService;
import io.guise.manager.distribution.DistributionServer;
import io.guise.manager.store.EtcdCluster;
import io.guise.manager.store.EtcdRevisionStore;
import io.guise.manager.store.FileRevisionStore;
import io.guise.manager.store.RevisionStore;
import io.guise.proto.Endpoint;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SubsetEntry;
import io.guise.validation.RoutingValidator;
import io.guise.validation.TlsCapabilities;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.slf4j.LoggerFactory;

/**
 * Measures commit-to-ACK with the embedded file store and with the etcd store
 * shared by two manager replicas (a three-member etcd cluster on loopback), and
 * prints one line per setup. Streams are in-process distribution clients that apply
 * to nothing, as in {@code DistributionBench}, so the figure covers the durable
 * write, the distribution server, gRPC and the ACK. With etcd, half of the streams
 * connect to the replica that writes and half to the other one, which learns each
 * revision from its etcd watch. Commit time is taken before the durable write, on
 * the writing replica's clock; both replicas share this machine's clock.
 *
 * <p>Run from the repository root:
 * <pre>
 * mvn -B -o -q -pl manager -am test-compile
 * mvn -B -o -q -pl manager dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp manager/target/test-classes:manager/target/classes:routing-core/target/classes:$(cat /tmp/cp.txt) \
 *     io.guise.manager.CommitToAckMeasurement [streams] [writes] [interval-ms] [warmup-writes]
 * </pre>
 * Defaults 100, 200, 20, 50. Needs {@code etcd} on the PATH.
 */
public final class CommitToAckMeasurement {

    private CommitToAckMeasurement() {
    }

    public static void main(String[] args) throws Exception {
        final int streams = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        final int writes = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        final long intervalMillis = args.length > 2 ? Long.parseLong(args[2]) : 20;
        final int warmupWrites = args.length > 3 ? Integer.parseInt(args[3]) : 50;
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.guise")).setLevel(Level.WARN);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.grpc")).setLevel(Level.WARN);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.netty")).setLevel(Level.WARN);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.vertx")).setLevel(Level.WARN);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.etcd")).setLevel(Level.WARN);

        final Path folder = Files.createTempDirectory("guise-commit-to-ack");
        try {
            try (FileRevisionStore store = FileRevisionStore.open(folder.resolve("file-store"),
                                                                  FileRevisionStore.Options.defaults())) {
                measure("file store, 1 manager", List.of(store), streams, writes, intervalMillis, warmupWrites);
            }
            try (EtcdCluster cluster = EtcdCluster.start(folder.resolve("etcd"))) {
                final EtcdRevisionStore.Options options = EtcdRevisionStore.Options.builder()
                        .endpoints(cluster.endpoints()).prefix("/guise-bench").build();
                try (EtcdRevisionStore writer = EtcdRevisionStore.open(options);
                     EtcdRevisionStore follower = EtcdRevisionStore.open(options)) {
                    measure("etcd store, 2 replicas", List.of(writer, follower), streams, writes, intervalMillis,
                            warmupWrites);
                }
            }
        } finally {
            try (Stream<Path> paths = Files.walk(folder)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
        System.exit(0);
    }

    /** Runs one setup: writes go through the first store's replica, streams spread over all replicas. */
    private static void measure(String name, List<? extends RevisionStore> stores, int streams, int writes,
                                long intervalMillis, int warmupWrites) throws Exception {
        final List<ConfigService> services = new ArrayList<>();
        final List<DistributionServer> servers = new ArrayList<>();
        final List<DistributionClient> clients = new ArrayList<>();
        try {
            for (RevisionStore store : stores) {
                final ConfigService service = new ConfigService(store, new RoutingValidator(TlsCapabilities.jdk()),
                                                                Clock.systemUTC());
                final DistributionServer server = new DistributionServer(service, Clock.systemUTC());
                server.start(new InetSocketAddress("127.0.0.1", 0));
                services.add(service);
                servers.add(server);
            }
            final ConfigService writer = services.get(0);
            // Twenty personas and their subsets per write keep each etcd transaction under its 128 operations.
            for (int first = 0; first < 100; first += 20) {
                writer.apply(seed(first, first + 20), false, OptionalLong.empty());
            }
            for (int i = 0; i < streams; i++) {
                final DistributionClient client = DistributionClient.builder(
                        "bench-" + i, servers.get(i % servers.size()).address()).seed(i).build(snapshot -> { });
                clients.add(client);
                client.start();
            }
            awaitRevision(clients, writer.current().getRevision());
            for (int i = 0; i < warmupWrites; i++) {
                writer.upsertPersona(persona("persona-" + (i % 100), 500 + i % 400), OptionalLong.empty());
                Thread.sleep(intervalMillis);
            }
            awaitRevision(clients, writer.current().getRevision());
            final List<Histogram> before = servers.stream().map(s -> s.registry().totalCommitToAck()).toList();

            final Histogram writeMicros = new Histogram(3);
            final long start = System.nanoTime();
            for (int i = 0; i < writes; i++) {
                final long writeStart = System.nanoTime();
                writer.upsertPersona(persona("persona-" + (i % 100), 101 + i), OptionalLong.empty());
                writeMicros.recordValue((System.nanoTime() - writeStart) / 1000);
                Thread.sleep(intervalMillis);
            }
            awaitRevision(clients, writer.current().getRevision());
            final double seconds = (System.nanoTime() - start) / 1e9;

            final Histogram all = new Histogram(3);
            final StringBuilder perReplica = new StringBuilder();
            for (int r = 0; r < servers.size(); r++) {
                final Histogram counted = servers.get(r).registry().totalCommitToAck();
                counted.subtract(before.get(r));
                all.add(counted);
                perReplica.append(String.format("; replica %d (%s): p50 %d ms, p99 %d ms, max %d ms", r,
                                                r == 0 ? "writes" : "follows", counted.getValueAtPercentile(50),
                                                counted.getValueAtPercentile(99), counted.getMaxValue()));
            }
            System.out.printf("%s: %d streams, %d writes %d ms apart, %d ACKs in %.1f s; write call p50 %.1f ms,"
                              + " p99 %.1f ms; commit-to-ACK p50 %d ms, p99 %d ms, max %d ms%s%n", name, streams,
                              writes, intervalMillis, all.getTotalCount(), seconds,
                              writeMicros.getValueAtPercentile(50) / 1000.0,
                              writeMicros.getValueAtPercentile(99) / 1000.0, all.getValueAtPercentile(50),
                              all.getValueAtPercentile(99), all.getMaxValue(), servers.size() > 1 ? perReplica : "");
        } finally {
            clients.forEach(DistributionClient::close);
            servers.forEach(DistributionServer::close);
        }
    }

    /** Returns the endpoint, and personas {@code first} to {@code end - 1} with a subset each. */
    private static RoutingSnapshot seed(int first, int end) {
        final RoutingSnapshot.Builder seed = RoutingSnapshot.newBuilder()
                .addEndpoints(Endpoint.newBuilder().setId("web-1").setPool("web").setAddress("127.0.0.1")
                                      .setPort(8080));
        for (int i = first; i < end; i++) {
            seed.addPersonas(persona("persona-" + i, 100));
            seed.addSubsets(SubsetEntry.newBuilder().setPrefix("10.0." + i + ".0/24").setPersona("persona-" + i));
        }
        return seed.build();
    }

    private static void awaitRevision(List<DistributionClient> clients, long revision) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        for (DistributionClient client : clients) {
            while (client.heldRevision() < revision) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out: a client is at revision " + client.heldRevision()
                                                    + ", expected " + revision);
                }
                Thread.sleep(5);
            }
        }
    }

    private static Persona persona(String id, int priority) {
        return Persona.newBuilder().setId(id).setAddressFamily("IPv4").setAddress("web").setPort(443)
                .setPriority(priority).build();
    }
}
