package io.guise.routing;

import static java.util.Objects.requireNonNull;

/**
 * The routing table in force. Readers on the data path call {@link #current()}
 * (one volatile read); a writer publishes a fully built table with
 * {@link #replace(RoutingTable)}, so a connection reads either the old table or the
 * new one, never a mix. Thread-safe.
 */
public final class LiveRoutingTable {

    private volatile RoutingTable current;

    public LiveRoutingTable(RoutingTable initial) {
        current = requireNonNull(initial, "initial");
    }

    public RoutingTable current() {
        return current;
    }

    /** Publishes {@code next} and returns the table it replaced. */
    public RoutingTable replace(RoutingTable next) {
        final RoutingTable previous = current;
        current = requireNonNull(next, "next");
        return previous;
    }
}
