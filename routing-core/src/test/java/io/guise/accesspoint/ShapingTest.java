package io.guise.accesspoint;

import static io.guise.accesspoint.AccessPointFixture.config;
import static io.guise.accesspoint.AccessPointFixture.endpoint;
import static io.guise.accesspoint.AccessPointFixture.get;
import static io.guise.accesspoint.AccessPointFixture.listener;
import static io.guise.accesspoint.AccessPointFixture.persona;
import static io.guise.accesspoint.AccessPointFixture.subset;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.guise.metrics.RequestOutcome;
import io.guise.metrics.ShapingStats;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.Admission;
import io.guise.proto.RateLimit;
import io.guise.testing.LoopbackEndpoints;
import io.guise.testing.LoopbackEndpoints.HttpEndpoint;
import io.guise.testing.LoopbackEndpoints.TcpEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Rate limits, priority admission and subset budgets observed on real loopback traffic. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShapingTest {

    private static final long SLOW_MILLIS = 10;
    // The quiet subset's endpoint is slower, so its p99 comes from the endpoint rather than from a few
    // milliseconds of scheduling noise on a small machine.
    private static final long QUIET_MILLIS = 50;

    private final LoopbackEndpoints endpoints = new LoopbackEndpoints();
    private final List<AutoCloseable> slowServers = new ArrayList<>();
    private final ExecutorService clients = Executors.newFixedThreadPool(24);
    private final HttpClient client = AccessPointFixture.httpClient();
    private AccessPoint accessPoint;

    @AfterEach
    void stop() throws Exception {
        clients.shutdownNow();
        if (accessPoint != null) {
            accessPoint.close();
        }
        for (AutoCloseable server : slowServers) {
            server.close();
        }
        endpoints.close();
    }

    @Test
    void l7_rateLimitAdmitsRateAndBurst() throws Exception {
        final HttpEndpoint backend = endpoints.http("web-1", "127.0.0.1");
        final AccessPointConfig config = config(listener("web", "L7", "127.0.0.1", "127.0.0.2"))
                .addPersonas(persona("web", "web")
                        .setRateLimit(RateLimit.newBuilder().setRequestsPerSecond(50).setBurst(10)))
                .addPersonas(persona("warmup", "web"))
                .addEndpoints(endpoint("web-1", "web", backend.address()))
                .addSubsets(subset("127.0.0.1/32", "web"))
                .addSubsets(subset("127.0.0.2/32", "warmup"))
                .build();
        accessPoint = AccessPoint.start(config, 2);
        final InetSocketAddress address = accessPoint.listenerAddresses("web").get(0);
        // Warm the client and proxy through an unlimited persona, so that the measured window contains
        // only request traffic and not first-use costs.
        send(accessPoint.listenerAddresses("web").get(1), 4, 50);
        final ConcurrentMap<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();

        final long startNanos = System.nanoTime();
        final long endNanos = startNanos + TimeUnit.SECONDS.toNanos(2);
        final List<Future<?>> senders = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            senders.add(clients.submit(() -> {
                while (System.nanoTime() < endNanos) {
                    final HttpResponse<String> response = get(client, address, "/");
                    if (response.statusCode() == 429) {
                        assertThat(response.headers().firstValue("retry-after")).hasValue("1");
                        assertThat(response.headers().firstValue("x-guise-reason").orElseThrow())
                                .startsWith("rate limited: persona web allows 50 requests per second");
                    }
                    statuses.computeIfAbsent(response.statusCode(), code -> new AtomicInteger()).incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> sender : senders) {
            sender.get(30, TimeUnit.SECONDS);
        }
        final double seconds = (System.nanoTime() - startNanos) / 1e9;

        assertThat(statuses.keySet()).containsExactlyInAnyOrder(200, 429);
        final int admitted = statuses.get(200).get();
        final double expected = 50 * seconds + 10;
        assertThat((double) admitted).isBetween(expected * 0.95, expected * 1.05);
        // The JDK client resends an idempotent request once when a kept-alive connection fails under it, so
        // the access point may count a few more decisions than the client saw responses.
        final var stats = accessPoint.routing().current().persona("web").stats(true);
        final int limited = statuses.get(429).get();
        assertThat(stats.outcomeCount(RequestOutcome.RATE_LIMITED)).isBetween((long) limited, limited + 4L);
        assertThat(stats.outcomeCount(RequestOutcome.FORWARDED)).isBetween((long) admitted, admitted + 4L);
        final ShapingStats shaping = accessPoint.metrics().shaping("web");
        assertThat(shaping.decisionCount(ShapingStats.Decision.RATE_LIMITED)).isBetween((long) limited, limited + 4L);
        assertThat(shaping.decisionCount(ShapingStats.Decision.ADMITTED)).isBetween((long) admitted, admitted + 4L);
        assertThat(AccessPointFixture.utf8(accessPoint.metrics().scrapeText()))
                .contains("guise_shaping_decisions_total{decision=\"rate_limited\",persona=\"web\"}")
                .contains("outcome=\"rate_limited\"");
    }

    @Test
    void l4_rateLimitClosesConnectionsOverLimit() throws Exception {
        final TcpEndpoint backend = endpoints.tcp("tcp-1", "127.0.0.1");
        final AccessPointConfig config = config(listener("tcp", "L4", "127.0.0.1"))
                .addPersonas(persona("tcp", "tcp")
                        .setRateLimit(RateLimit.newBuilder().setRequestsPerSecond(1).setBurst(2)))
                .addEndpoints(endpoint("tcp-1", "tcp", backend.address()))
                .addSubsets(subset("127.0.0.0/8", "tcp"))
                .build();
        accessPoint = AccessPoint.start(config, 1);
        final InetSocketAddress address = accessPoint.listenerAddresses("tcp").get(0);

        final long startNanos = System.nanoTime();
        int greeted = 0;
        for (int i = 0; i < 6; i++) {
            if ("tcp-1".equals(AccessPointFixture.firstLine(address))) {
                greeted++;
            }
        }
        final double seconds = (System.nanoTime() - startNanos) / 1e9;

        // One token a second: a slow run may see a refill, so the bound grows with the elapsed time.
        assertThat(greeted).isBetween(2, 2 + (int) Math.ceil(seconds));
        final var stats = accessPoint.routing().current().persona("tcp").stats(false);
        assertThat(stats.outcomeCount(RequestOutcome.RATE_LIMITED)).isEqualTo(6 - greeted);
        assertThat(accessPoint.metrics().shaping("tcp").decisionCount(ShapingStats.Decision.RATE_LIMITED))
                .isEqualTo(6 - greeted);
    }

    @Test
    void l7_admissionShedsLowPriorityFirst() throws Exception {
        final SlowEndpoint slow = slowEndpoint();
        final AccessPointConfig config = config(listener("web", "L7", "127.0.0.1", "127.0.0.2"))
                .setAdmission(Admission.newBuilder().setMaxConcurrentRequests(2).setQueueLimit(4))
                .addPersonas(persona("gold", "slow").setPriority(900))
                .addPersonas(persona("bulk", "slow").setPriority(10))
                .addEndpoints(endpoint("slow-1", "slow", slow.address()))
                .addSubsets(subset("127.0.0.1/32", "gold"))
                .addSubsets(subset("127.0.0.2/32", "bulk"))
                .build();
        accessPoint = AccessPoint.start(config, 4);
        final List<InetSocketAddress> addresses = accessPoint.listenerAddresses("web");

        final Future<Counts> gold = clients.submit(() -> send(addresses.get(0), 4, 50));
        final Future<Counts> bulk = clients.submit(() -> send(addresses.get(1), 16, 13));
        final Counts goldCounts = gold.get(45, TimeUnit.SECONDS);
        final Counts bulkCounts = bulk.get(45, TimeUnit.SECONDS);

        assertThat(goldCounts.total()).isEqualTo(200);
        assertThat(goldCounts.ok.get()).isGreaterThanOrEqualTo(198);
        assertThat(bulkCounts.total()).isEqualTo(208);
        assertThat(bulkCounts.shed.get()).isPositive();
        assertThat(bulkCounts.ok.get() + bulkCounts.shed.get()).isEqualTo(bulkCounts.total());
        assertThat(slow.maxConcurrent.get()).isLessThanOrEqualTo(2);
        assertThat(accessPoint.metrics().shaping("bulk").decisionCount(ShapingStats.Decision.SHED))
                .isEqualTo(bulkCounts.shed.get());
        assertThat(accessPoint.routing().current().persona("bulk").stats(true).outcomeCount(RequestOutcome.SHED))
                .isEqualTo(bulkCounts.shed.get());
    }

    @Test
    void l7_subsetBudgetKeepsFloodFromOtherSubset() throws Exception {
        final SlowEndpoint flooded = slowEndpoint();
        final SlowEndpoint quiet = slowEndpoint();
        final AccessPointConfig config = config(listener("web", "L7", "127.0.0.1", "127.0.0.2"))
                .setAdmission(Admission.newBuilder().setMaxConcurrentRequests(8).setQueueLimit(16))
                .addPersonas(persona("flood", "flooded"))
                .addPersonas(persona("quiet", "quiet"))
                .addEndpoints(endpoint("flooded-1", "flooded", flooded.address()))
                .addEndpoints(endpoint("quiet-1", "quiet", quiet.address()))
                .addSubsets(subset("127.0.0.1/32", "flood").toBuilder().setMaxConcurrentRequests(2))
                .addSubsets(subset("127.0.0.2/32", "quiet"))
                .build();
        accessPoint = AccessPoint.start(config, 4);
        final List<InetSocketAddress> addresses = accessPoint.listenerAddresses("web");

        final Future<Counts> flood = clients.submit(() -> send(addresses.get(0), 16, 20));
        final Future<Counts> other = clients.submit(() -> send(addresses.get(1), 4, 25));
        final Counts floodCounts = flood.get(45, TimeUnit.SECONDS);
        final Counts otherCounts = other.get(45, TimeUnit.SECONDS);

        assertThat(otherCounts.ok.get()).isEqualTo(100);
        assertThat(floodCounts.shed.get()).isPositive();
        assertThat(floodCounts.ok.get() + floodCounts.shed.get()).isEqualTo(320);
        assertThat(flooded.maxConcurrent.get()).isLessThanOrEqualTo(2);
    }

    @Test
    void l7_subsetFloodLeavesOtherSubsetLatency() throws Exception {
        final SlowEndpoint flooded = slowEndpoint();
        final SlowEndpoint quiet = slowEndpoint(QUIET_MILLIS);
        final AccessPointConfig config = config(listener("web", "L7", "127.0.0.1", "127.0.0.2"))
                .setAdmission(Admission.newBuilder().setMaxConcurrentRequests(8).setQueueLimit(16))
                .addPersonas(persona("flood", "flooded"))
                .addPersonas(persona("quiet", "quiet"))
                .addEndpoints(endpoint("flooded-1", "flooded", flooded.address()))
                .addEndpoints(endpoint("quiet-1", "quiet", quiet.address()))
                .addSubsets(subset("127.0.0.1/32", "flood").toBuilder().setMaxConcurrentRequests(2))
                .addSubsets(subset("127.0.0.2/32", "quiet"))
                .build();
        accessPoint = AccessPoint.start(config, 4);
        final List<InetSocketAddress> addresses = accessPoint.listenerAddresses("web");
        // Warm up both paths so that first-use costs stay out of the baseline.
        timed(addresses.get(1), 2, 10);
        send(addresses.get(0), 2, 10);

        // 400 samples per phase, so that p99 is not just the slowest one or two requests.
        final Timed alone = timed(addresses.get(1), 4, 100);
        final java.util.concurrent.atomic.AtomicBoolean flooding = new java.util.concurrent.atomic.AtomicBoolean(true);
        final Counts floodCounts = new Counts();
        final List<Future<?>> flooders = new ArrayList<>();
        // The flood has its own HTTP client: one JDK client serves all its connections from one selector
        // thread, and sharing it would slow the quiet subset's responses inside the client.
        final HttpClient floodClient = AccessPointFixture.httpClient();
        // Six clients with a 10 ms pause offer about 500 requests a second, more than twice what the
        // flooded subset's budget of 2 can serve from a 10 ms endpoint, so most of them are shed.
        for (int t = 0; t < 6; t++) {
            flooders.add(clients.submit(() -> {
                while (flooding.get()) {
                    final int status = get(floodClient, addresses.get(0), "/").statusCode();
                    if (status == 200) {
                        floodCounts.ok.incrementAndGet();
                    } else if (status == 503) {
                        floodCounts.shed.incrementAndGet();
                    } else {
                        floodCounts.other.incrementAndGet();
                    }
                    // A short pause per flood client keeps the test about isolation, not about two
                    // cores running out of CPU time for the client threads.
                    Thread.sleep(10);
                }
                return null;
            }));
        }
        final Timed duringFlood = timed(addresses.get(1), 4, 100);
        flooding.set(false);
        for (Future<?> flooder : flooders) {
            flooder.get(30, TimeUnit.SECONDS);
        }

        assertThat(alone.ok.get()).isEqualTo(400);
        assertThat(duringFlood.ok.get()).isEqualTo(400);
        assertThat(floodCounts.shed.get()).isPositive();
        assertThat(floodCounts.other.get()).isZero();
        assertThat(flooded.maxConcurrent.get()).isLessThanOrEqualTo(2);
        final long aloneP99 = alone.micros.getValueAtPercentile(99);
        final long floodedP99 = duringFlood.micros.getValueAtPercentile(99);
        assertThat(floodedP99)
                .as("quiet subset p99 with the flood (%d us) against without it (%d us)", floodedP99, aloneP99)
                .isLessThanOrEqualTo(Math.round(aloneP99 * 1.10));
    }

    /** Sends requests like {@link #send} and records each response time. Only 200s count as successes. */
    private Timed timed(InetSocketAddress address, int threads, int perThread) throws Exception {
        final Timed timed = new Timed();
        final List<Future<?>> senders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            senders.add(clients.submit(() -> {
                for (int i = 0; i < perThread; i++) {
                    final long start = System.nanoTime();
                    final HttpResponse<String> response = get(client, address, "/");
                    timed.micros.recordValue((System.nanoTime() - start) / 1000);
                    if (response.statusCode() == 200) {
                        timed.ok.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> sender : senders) {
            sender.get(40, TimeUnit.SECONDS);
        }
        return timed;
    }

    private static final class Timed {
        final AtomicInteger ok = new AtomicInteger();
        final org.HdrHistogram.ConcurrentHistogram micros = new org.HdrHistogram.ConcurrentHistogram(3);
    }

    /** Sends {@code perThread} requests from each of {@code threads} threads and counts 200s and 503 sheds. */
    private Counts send(InetSocketAddress address, int threads, int perThread) throws Exception {
        final Counts counts = new Counts();
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            final List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                senders.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        final HttpResponse<String> response = get(client, address, "/");
                        if (response.statusCode() == 200) {
                            counts.ok.incrementAndGet();
                        } else if (response.statusCode() == 503) {
                            assertThat(response.headers().firstValue("retry-after")).hasValue("1");
                            assertThat(response.headers().firstValue("x-guise-reason").orElseThrow())
                                    .startsWith("shed: ");
                            counts.shed.incrementAndGet();
                        } else {
                            counts.other.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> sender : senders) {
                sender.get(40, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        return counts;
    }

    private SlowEndpoint slowEndpoint() throws IOException {
        return slowEndpoint(SLOW_MILLIS);
    }

    private SlowEndpoint slowEndpoint(long delayMillis) throws IOException {
        final SlowEndpoint endpoint = new SlowEndpoint(delayMillis);
        slowServers.add(endpoint);
        return endpoint;
    }

    private static final class Counts {
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger shed = new AtomicInteger();
        final AtomicInteger other = new AtomicInteger();

        int total() {
            return ok.get() + shed.get() + other.get();
        }
    }

    /** An HTTP endpoint that responds to each request after a fixed delay and records its peak concurrency. */
    private static final class SlowEndpoint implements AutoCloseable {
        final AtomicInteger current = new AtomicInteger();
        final AtomicInteger maxConcurrent = new AtomicInteger();
        private final HttpServer server;
        private final ExecutorService executor = Executors.newFixedThreadPool(32);

        SlowEndpoint(long delayMillis) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
            server.createContext("/", exchange -> {
                try (InputStream in = exchange.getRequestBody()) {
                    in.readAllBytes();
                    // Counted only while sleeping: the proxy frees a slot before this thread finishes the write.
                    maxConcurrent.accumulateAndGet(current.incrementAndGet(), Math::max);
                    try {
                        Thread.sleep(delayMillis);
                    } finally {
                        current.decrementAndGet();
                    }
                    final byte[] body = "slow\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(200, body.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    exchange.close();
                }
            });
            server.setExecutor(executor);
            server.start();
        }

        InetSocketAddress address() {
            return server.getAddress();
        }

        @Override
        public void close() {
            server.stop(0);
            executor.shutdownNow();
        }
    }
}
