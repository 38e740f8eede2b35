package io.guise.routing;

import static java.util.Objects.requireNonNull;

import io.guise.health.EndpointHealth;
import io.guise.metrics.EndpointStats;
import io.guise.selection.EndpointLoad;
import java.net.InetSocketAddress;

/**
 * An endpoint as one persona reaches it: its id, the socket address (with the
 * persona's port when the endpoint sets none), its measurements, its local
 * health record and, in a pool balanced by P2C, its load. Immutable, and
 * thread-safe like the records it points to.
 */
public final class UpstreamTarget {

    private final String endpointId;
    private final InetSocketAddress address;
    private final EndpointStats stats;
    private final EndpointHealth.Member health;
    // Null when the pool uses weighted random, which needs no load figures.
    private final EndpointLoad load;
    private final long decayNanos;

    UpstreamTarget(String endpointId, InetSocketAddress address, EndpointStats stats, EndpointHealth.Member health) {
        this(endpointId, address, stats, health, null, 0);
    }

    UpstreamTarget(String endpointId, InetSocketAddress address, EndpointStats stats, EndpointHealth.Member health,
                   EndpointLoad load, long decayNanos) {
        this.endpointId = requireNonNull(endpointId, "endpointId");
        this.address = requireNonNull(address, "address");
        this.stats = requireNonNull(stats, "stats");
        this.health = requireNonNull(health, "health");
        this.load = load;
        this.decayNanos = decayNanos;
    }

    public String endpointId() {
        return endpointId;
    }

    public InetSocketAddress address() {
        return address;
    }

    public EndpointStats stats() {
        return stats;
    }

    /** Returns the record where the data path reports each result for local ejection. */
    public EndpointHealth.Member health() {
        return health;
    }

    /** Counts a request or connection sent to this endpoint, for P2C picks; does nothing in other pools. */
    public void dispatched() {
        if (load != null) {
            load.dispatched();
        }
    }

    /** Counts the end of a request or connection counted by {@link #dispatched()}. */
    public void completed() {
        if (load != null) {
            load.completed();
        }
    }

    /** Adds a latency sample to this endpoint's moving average, for P2C picks; does nothing in other pools. */
    public void recordLatency(long latencyNanos) {
        if (load != null) {
            load.recordLatency(latencyNanos, decayNanos);
        }
    }

    /** Returns this endpoint's load in a pool balanced by P2C, or null in other pools. */
    public EndpointLoad load() {
        return load;
    }

    @Override
    public String toString() {
        return endpointId + " (" + address.getAddress().getHostAddress() + ':' + address.getPort() + ')';
    }
}
