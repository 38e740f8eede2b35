package io.guise.accesspoint;

import static io.guise.accesspoint.AccessPointFixture.config;
import static io.guise.accesspoint.AccessPointFixture.endpoint;
import static io.guise.accesspoint.AccessPointFixture.get;
import static io.guise.accesspoint.AccessPointFixture.listener;
import static io.guise.accesspoint.AccessPointFixture.persona;
import static io.guise.accesspoint.AccessPointFixture.subset;
import static org.assertj.core.api.Assertions.assertThat;

import io.guise.proto.AccessPointConfig;
import io.guise.proto.PoolBalancing;
import io.guise.routing.UpstreamTarget;
import io.guise.testing.LoopbackEndpoints;
import io.guise.testing.LoopbackEndpoints.HttpEndpoint;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** P2C over EWMA latency against weighted random, with one slow endpoint among fast ones on loopback. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class P2cBalancingTest {

    private static final long SLOW_MILLIS = 30;
    private static final int REQUESTS = 600;

    private final LoopbackEndpoints endpoints = new LoopbackEndpoints();
    private final HttpClient client = AccessPointFixture.httpClient();
    private final ExecutorService senders = Executors.newFixedThreadPool(4);
    private AccessPoint accessPoint;
    private HttpEndpoint slow;

    @AfterEach
    void stop() throws Exception {
        senders.shutdownNow();
        if (accessPoint != null) {
            accessPoint.close();
        }
        endpoints.close();
    }

    /** Starts three fast endpoints and one that responds {@value #SLOW_MILLIS} ms later, all of weight 1. */
    private InetSocketAddress start(PoolBalancing balancing) throws Exception {
        final AccessPointConfig.Builder config = config(listener("web", "L7", "127.0.0.1"))
                .addPersonas(persona("web", "web"))
                .addSubsets(subset("127.0.0.1/32", "web"));
        if (balancing != null) {
            config.addPoolBalancing(balancing);
        }
        for (int i = 1; i <= 3; i++) {
            final HttpEndpoint fast = endpoints.http("fast-" + i, "127.0.0.1");
            config.addEndpoints(endpoint(fast.id(), "web", fast.address()));
        }
        slow = endpoints.http("slow", "127.0.0.1", 200, SLOW_MILLIS);
        config.addEndpoints(endpoint("slow", "web", slow.address()));
        accessPoint = AccessPoint.start(config.build(), 2);
        return accessPoint.listenerAddresses("web").get(0);
    }

    /** Sends requests from four threads at once and returns how many succeeded. */
    private int sendInParallel(InetSocketAddress address, int perThread) throws Exception {
        final List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            results.add(senders.submit(() -> {
                int ok = 0;
                for (int i = 0; i < perThread; i++) {
                    if (get(client, address, "/").statusCode() == 200) {
                        ok++;
                    }
                }
                return ok;
            }));
        }
        int ok = 0;
        for (Future<Integer> result : results) {
            ok += result.get(60, TimeUnit.SECONDS);
        }
        return ok;
    }

    /** Returns the share of {@value #REQUESTS} sequential requests that the slow endpoint served. */
    private double slowShare(InetSocketAddress address) throws Exception {
        final int before = slow.requests().get();
        for (int i = 0; i < REQUESTS; i++) {
            assertThat(get(client, address, "/").statusCode()).isEqualTo(200);
        }
        return (double) (slow.requests().get() - before) / REQUESTS;
    }

    @Test
    void p2c_slowEndpointAvoided() throws Exception {
        final InetSocketAddress address = start(
                PoolBalancing.newBuilder().setPool("web").setPolicy("P2C_EWMA").setDecayMs(1000).build());
        // Warm-up from four threads: first connections and cold code paths give outliers whose weight in the
        // average fades within about a second.
        assertThat(sendInParallel(address, 15)).isEqualTo(60);

        final double share = slowShare(address);

        // Two distinct endpoints are compared, and the slow one's average (about 30 ms) is far above a fast
        // one's (a few ms). It wins a comparison only after its average has decayed below a fast one's,
        // roughly ln(30 / 3) = 2.3 decay times (2.3 s here) after its last request, so a run of a few
        // seconds gives it a handful of requests: 1 of 600 on an idle machine, 29 on a loaded one where
        // fast responses took 10 ms and more. 15 % is 90 requests, still six standard deviations below
        // the 25 % that weighted random gives.
        assertThat(share).isLessThan(0.15);
        for (UpstreamTarget target : accessPoint.routing().current().persona("web").targets()) {
            assertThat(target.load()).as("load of %s", target.endpointId()).isNotNull();
            // Every dispatch was matched by a completion before its response reached the client.
            assertThat(target.load().outstanding()).as("outstanding at %s", target.endpointId()).isZero();
        }
        assertThat(accessPoint.routing().current().persona("web").balancedByP2c()).isTrue();
    }

    @Test
    void weightedRandom_slowEndpointGetsQuarter() throws Exception {
        final InetSocketAddress address = start(
                PoolBalancing.newBuilder().setPool("web").setPolicy("WEIGHTED_RANDOM").build());

        final double share = slowShare(address);

        // Binomial(600, 0.25) has a standard deviation of 0.018; 0.06 is more than three of them.
        assertThat(share).isBetween(0.19, 0.31);
        assertThat(accessPoint.routing().current().persona("web").balancedByP2c()).isFalse();
        assertThat(accessPoint.routing().current().persona("web").targets().get(0).load()).isNull();
    }
}
