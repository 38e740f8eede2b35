package io.guise.accesspoint;

import io.guise.fault.SplitMix64;
import io.guise.metrics.AccessPointMetrics;
import io.guise.retry.Retries;
import io.guise.routing.LiveRoutingTable;
import io.guise.routing.RouteKey;
import io.guise.shaping.AdmissionController;
import io.guise.shaping.RateLimiters;
import io.guise.shaping.SubsetBudgets;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * State shared by every connection of one access point. Thread-safe: the routing
 * table is read through one volatile field, and upstream pools are per event loop.
 * The shaping state (token buckets, subset counts, admission) is shared by every
 * event loop and lives here so that it outlives routing table rebuilds.
 */
final class AccessPointContext {

    private final String accessPointId;
    private final LiveRoutingTable routing;
    private final AccessPointMetrics metrics;
    private final Transport transport;
    private final UpstreamSettingsValues upstream;
    private final long seed;
    private final RateLimiters rateLimiters = new RateLimiters(System::nanoTime);
    private final SubsetBudgets subsetBudgets = new SubsetBudgets();
    private final AdmissionController admission;
    private final Retries retries;
    private static final int CLIENT_COUNTER_SLOTS = 4096;
    private final AtomicLongArray clientConnectionCounts = new AtomicLongArray(CLIENT_COUNTER_SLOTS);
    private final ChannelGroup channels = new DefaultChannelGroup("access-point", GlobalEventExecutor.INSTANCE);
    private final FastThreadLocal<Map<InetSocketAddress, UpstreamConnectionPool>> pools = new FastThreadLocal<>() {
        @Override
        protected Map<InetSocketAddress, UpstreamConnectionPool> initialValue() {
            return new HashMap<>();
        }
    };

    AccessPointContext(String accessPointId, LiveRoutingTable routing, AccessPointMetrics metrics, Transport transport,
                       UpstreamSettingsValues upstream, long seed, AdmissionController admission, Retries retries) {
        this.admission = admission;
        this.retries = retries;
        this.accessPointId = accessPointId;
        this.routing = routing;
        this.metrics = metrics;
        this.transport = transport;
        this.upstream = upstream;
        this.seed = seed;
    }

    String accessPointId() {
        return accessPointId;
    }

    LiveRoutingTable routing() {
        return routing;
    }

    AccessPointMetrics metrics() {
        return metrics;
    }

    /** Returns the token buckets of rate-limited personas. */
    RateLimiters rateLimiters() {
        return rateLimiters;
    }

    /** Returns the in-flight counts of subsets with a concurrency budget. */
    SubsetBudgets subsetBudgets() {
        return subsetBudgets;
    }

    /** Returns the access point's concurrency limit, or null when unlimited. */
    AdmissionController admission() {
        return admission;
    }

    /** Returns the retry policy and budgets of L7 requests, or null when retries are off. */
    Retries retries() {
        return retries;
    }

    Transport transport() {
        return transport;
    }

    UpstreamSettingsValues upstream() {
        return upstream;
    }

    /**
     * Returns the random stream of a new connection from the client that
     * {@code key} names. The stream follows from the seed, the client's IP and the
     * number of connections that client opened before. So a client that opens its
     * connections one after another gets the same decisions in every run with the
     * same seed, whatever other clients do meanwhile.
     */
    SplitMix64 newConnectionRandom(RouteKey key) {
        // NOTE: clients whose IPs share a counter slot, and one client's parallel
        // connections, still depend on the order in which connections arrive.
        final int slot = (int) (key.clientHash() & (CLIENT_COUNTER_SLOTS - 1));
        final long connectionIndex = clientConnectionCounts.getAndIncrement(slot);
        return SplitMix64.forStream(seed, key.clientHash() ^ SplitMix64.mix(connectionIndex + 1));
    }

    /** Returns the pool for {@code address} owned by {@code eventLoop}; call it on that loop. */
    UpstreamConnectionPool pool(EventLoop eventLoop, InetSocketAddress address) {
        assert eventLoop.inEventLoop();
        return pools.get().computeIfAbsent(address, key -> new UpstreamConnectionPool(eventLoop, transport, key,
                                                                                      upstream, channels));
    }

    /** Returns every open client and upstream connection, so that shutdown can close them. */
    ChannelGroup channels() {
        return channels;
    }
}
