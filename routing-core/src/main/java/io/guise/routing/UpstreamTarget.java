package io.guise.routing;

import static java.util.Objects.requireNonNull;

import io.guise.metrics.EndpointStats;
import java.net.InetSocketAddress;

/**
 * An endpoint as one persona reaches it: its id, the socket address (with the
 * persona's port when the endpoint sets none) and its measurements. Immutable.
 */
public final class UpstreamTarget {

    private final String endpointId;
    private final InetSocketAddress address;
    private final EndpointStats stats;

    UpstreamTarget(String endpointId, InetSocketAddress address, EndpointStats stats) {
        this.endpointId = requireNonNull(endpointId, "endpointId");
        this.address = requireNonNull(address, "address");
        this.stats = requireNonNull(stats, "stats");
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

    @Override
    public String toString() {
        return endpointId + " (" + address.getAddress().getHostAddress() + ':' + address.getPort() + ')';
    }
}
