package io.guise.routing;

import static java.util.Objects.requireNonNull;

import io.guise.health.EndpointHealth;
import io.guise.metrics.EndpointStats;
import java.net.InetSocketAddress;

/**
 * An endpoint as one persona reaches it: its id, the socket address (with the
 * persona's port when the endpoint sets none), its measurements and its local
 * health record. Immutable.
 */
public final class UpstreamTarget {

    private final String endpointId;
    private final InetSocketAddress address;
    private final EndpointStats stats;
    private final EndpointHealth.Member health;

    UpstreamTarget(String endpointId, InetSocketAddress address, EndpointStats stats, EndpointHealth.Member health) {
        this.endpointId = requireNonNull(endpointId, "endpointId");
        this.address = requireNonNull(address, "address");
        this.stats = requireNonNull(stats, "stats");
        this.health = requireNonNull(health, "health");
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

    @Override
    public String toString() {
        return endpointId + " (" + address.getAddress().getHostAddress() + ':' + address.getPort() + ')';
    }
}
