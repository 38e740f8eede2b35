package io.guise.fleet;

import static java.util.Objects.requireNonNull;

import io.guise.fault.SplitMix64;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Many {@link FleetEndpoint}s in one process, by id, sharing one event loop group.
 * Each endpoint's seed derives from the fleet seed and the endpoint id, so a fleet
 * started with the same seed makes the same decisions whatever order endpoints are
 * added in.
 *
 * <p>Thread-safe: adding, looking up and closing synchronize on this object.
 */
public final class Fleet implements AutoCloseable {

    private final long seed;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final Map<String, FleetEndpoint> endpoints = new LinkedHashMap<>();
    private boolean closed;

    private Fleet(long seed, EventLoopGroup group, boolean ownsGroup) {
        this.seed = seed;
        this.group = group;
        this.ownsGroup = ownsGroup;
    }

    /** Creates an empty fleet with its own event loop group of {@code threads} threads. */
    public static Fleet create(long seed, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: >= 1)");
        }
        return new Fleet(seed, new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory()), true);
    }

    /** Creates an empty fleet on {@code group}, an NIO group that the caller shuts down after closing the fleet. */
    public static Fleet create(long seed, EventLoopGroup group) {
        return new Fleet(seed, requireNonNull(group, "group"), false);
    }

    /**
     * Starts an endpoint and adds it to the fleet.
     *
     * @throws IllegalArgumentException when the id is taken or the address is not loopback
     * @throws IllegalStateException when the fleet is closed
     */
    public synchronized FleetEndpoint start(String id, InetSocketAddress address, Behaviour behaviour)
            throws InterruptedException {
        requireNonNull(id, "id");
        if (closed) {
            throw new IllegalStateException("fleet: closed (expected: an open fleet to start endpoint " + id + ")");
        }
        if (endpoints.containsKey(id)) {
            throw new IllegalArgumentException("id: " + id + " (expected: an id not already in the fleet)");
        }
        final long endpointSeed = SplitMix64.mix(seed ^ SplitMix64.mix(stableHash(id)));
        final FleetEndpoint endpoint = FleetEndpoint.start(id, address, behaviour, endpointSeed, group);
        endpoints.put(id, endpoint);
        return endpoint;
    }

    /**
     * Returns the endpoint with {@code id}.
     *
     * @throws IllegalArgumentException when there is none
     */
    public synchronized FleetEndpoint get(String id) {
        final FleetEndpoint endpoint = endpoints.get(id);
        if (endpoint == null) {
            throw new IllegalArgumentException("id: " + id + " (expected: one of " + endpoints.keySet() + ")");
        }
        return endpoint;
    }

    /** Returns the endpoints in the order they were started. */
    public synchronized List<FleetEndpoint> endpoints() {
        return List.copyOf(endpoints.values());
    }

    /** Returns the event loop group the endpoints run on. */
    public EventLoopGroup group() {
        return group;
    }

    /** Closes every endpoint and, if the fleet created it, the event loop group. */
    @Override
    public void close() {
        final List<FleetEndpoint> toClose;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = new ArrayList<>(endpoints.values());
        }
        toClose.forEach(FleetEndpoint::close);
        if (ownsGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    /** Hashes the UTF-8 bytes of {@code id} with FNV-1a, which is the same on every JVM. */
    private static long stableHash(String id) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        return hash;
    }
}
