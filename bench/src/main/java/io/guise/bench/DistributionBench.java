package io.guise.bench;

import ch.qos.logback.classic.Level;
import io.guise.distribution.Deltas;
import io.guise.distribution.DistributionClient;
import io.guise.manager.config.ConfigService;
import io.guise.manager.distribution.DistributionServer;
import io.guise.manager.store.InMemoryRevisionStore;
import io.guise.proto.DeltaUpdate;
import io.guise.proto.Endpoint;
import io.guise.proto.FullSnapshot;
import io.guise.proto.ManagerMessage;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SubsetEntry;
import io.guise.validation.RoutingValidator;
import io.guise.validation.TlsCapabilities;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.slf4j.LoggerFactory;

/**
 * A harness (not JMH) for delta distribution. It prints:
 * <ol>
 *   <li>the serialized size of a delta update that changes one persona among
 *       10,000, next to the full snapshot of the same state;</li>
 *   <li>commit-to-ACK p50, p99 and max over 500 in-process access point streams
 *       against one distribution server on loopback, for persona writes spaced
 *       {@code interval-ms} apart, after {@code warmup-writes} writes that are not
 *       counted. The clients apply to an in-memory table, so
 *       the figure covers the manager, gRPC, the client's delta apply and the
 *       ACK, but not the access point's table build.</li>
 * </ol>
 *
 * <p>Run: {@code mvn -B -o -q -pl bench -am package -DskipTests} then
 * {@code java -cp bench/target/benchmarks.jar io.guise.bench.DistributionBench
 * [streams] [writes] [interval-ms] [warmup-writes]} (defaults 500, 100, 20, 0).
 */
public final class DistributionBench {

    private static final int PERSONAS_FOR_SIZE = 10_000;

    private DistributionBench() {
    }

    public static void main(String[] args) throws Exception {
        final int streams = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        final int writes = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        final long intervalMillis = args.length > 2 ? Long.parseLong(args[2]) : 20;
        final int warmupWrites = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.guise")).setLevel(Level.WARN);

        measureSizes();
        measureCommitToAck(streams, writes, intervalMillis, warmupWrites);
        System.exit(0);
    }

    private static void measureSizes() {
        final RoutingSnapshot.Builder base = RoutingSnapshot.newBuilder().setRevision(1);
        for (int i = 0; i < PERSONAS_FOR_SIZE; i++) {
            base.addPersonas(persona("persona-" + i, "pool-" + (i % 100), 100));
        }
        final RoutingSnapshot before = base.build();
        final RoutingSnapshot after = before.toBuilder()
                .setRevision(2)
                .setPersonas(4242, persona("persona-4242", "pool-42", 900))
                .build();
        final int fullBytes = ManagerMessage.newBuilder()
                .setSnapshot(FullSnapshot.newBuilder().setEpoch("0123456789abcdef0123456789abcdef0123")
                                     .setSnapshot(after))
                .build().getSerializedSize();
        final int deltaBytes = ManagerMessage.newBuilder()
                .setDelta(DeltaUpdate.newBuilder().setEpoch("0123456789abcdef0123456789abcdef0123")
                                  .setDelta(Deltas.diff(before, after)))
                .build().getSerializedSize();
        System.out.printf("size: %d personas, one changed: delta update %d bytes, full snapshot %d bytes (%.0fx)%n",
                          PERSONAS_FOR_SIZE, deltaBytes, fullBytes, (double) fullBytes / deltaBytes);
    }

    private static void measureCommitToAck(int streams, int writes, long intervalMillis, int warmupWrites)
            throws Exception {
        final ConfigService config = new ConfigService(new InMemoryRevisionStore(10_000),
                                                       new RoutingValidator(TlsCapabilities.jdk()),
                                                       Clock.systemUTC());
        final RoutingSnapshot.Builder seed = RoutingSnapshot.newBuilder()
                .addEndpoints(Endpoint.newBuilder().setId("web-1").setPool("web").setAddress("127.0.0.1")
                                      .setPort(8080));
        for (int i = 0; i < 100; i++) {
            seed.addPersonas(persona("persona-" + i, "web", 100));
            seed.addSubsets(SubsetEntry.newBuilder().setPrefix("10.0." + i + ".0/24").setPersona("persona-" + i));
        }
        config.apply(seed.build(), false, OptionalLong.empty());
        final long seededRevision = config.current().getRevision();

        try (DistributionServer server = new DistributionServer(config, Clock.systemUTC())) {
            final InetSocketAddress address = server.start(new InetSocketAddress("127.0.0.1", 0));
            final List<DistributionClient> clients = new ArrayList<>(streams);
            final AtomicLong applied = new AtomicLong();
            for (int i = 0; i < streams; i++) {
                final DistributionClient client = DistributionClient.builder("bench-" + i, address)
                        .seed(i)
                        .build(snapshot -> applied.incrementAndGet());
                clients.add(client);
                client.start();
            }
            awaitRevision(clients, seededRevision, Duration.ofSeconds(60));
            System.out.printf("streams: %d connected at revision %d%n", streams, seededRevision);
            // Warm-up writes let the JIT compile the write, flush and apply paths before measuring.
            for (int i = 0; i < warmupWrites; i++) {
                config.upsertPersona(persona("persona-" + (i % 100), "web", 500 + i % 400), OptionalLong.empty());
                Thread.sleep(intervalMillis);
            }
            awaitRevision(clients, config.current().getRevision(), Duration.ofSeconds(120));
            // ACKs of the initial full snapshots and of the warm-up writes are subtracted below.
            final Histogram beforeWrites = server.registry().totalCommitToAck();
            final long countBefore = beforeWrites.getTotalCount();

            final long start = System.nanoTime();
            for (int i = 0; i < writes; i++) {
                config.upsertPersona(persona("persona-" + (i % 100), "web", 101 + i), OptionalLong.empty());
                Thread.sleep(intervalMillis);
            }
            final double writeSeconds = (System.nanoTime() - start) / 1e9;
            final long last = config.current().getRevision();
            awaitRevision(clients, last, Duration.ofSeconds(120));
            final double seconds = (System.nanoTime() - start) / 1e9;

            final Histogram total = server.registry().totalCommitToAck();
            total.subtract(beforeWrites);
            System.out.printf("commit-to-ACK: %d streams, %d writes %d ms apart, %d ACKs (%d before the writes)"
                              + " in %.1f s (writes took %.1f s): p50 %d ms, p99 %d ms, max %d ms%n",
                              streams, writes, intervalMillis, total.getTotalCount(), countBefore,
                              seconds, writeSeconds, total.getValueAtPercentile(50), total.getValueAtPercentile(99),
                              total.getMaxValue());
            for (DistributionClient client : clients) {
                client.close();
            }
        }
    }

    private static void awaitRevision(List<DistributionClient> clients, long revision, Duration timeout)
            throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < clients.size(); i++) {
            final DistributionClient client = clients.get(i);
            while (client.heldRevision() < revision) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out: client bench-" + i + " is at revision "
                                                    + client.heldRevision() + " after " + timeout
                                                    + "; expected " + revision);
                }
                Thread.sleep(5);
            }
        }
    }

    private static Persona persona(String id, String pool, int priority) {
        return Persona.newBuilder()
                .setId(id)
                .setAddressFamily("IPv4")
                .setAddress(pool)
                .setPort(443)
                .setPriority(priority)
                .setTlsVersion("TLSv1.3")
                .addCipherSuites("TLS_AES_128_GCM_SHA256")
                .putServiceTags("team", "edge")
                .build();
    }
}
