package io.guise.distribution;

import io.guise.accesspoint.InvalidConfigException;
import io.guise.proto.RoutingSnapshot;

/**
 * The target of the routing state that a {@link DistributionClient} receives:
 * an access point's live table, or an in-memory table in benchmarks.
 */
@FunctionalInterface
public interface RoutingApplier {

    /**
     * Validates {@code snapshot}, builds its table and swaps it in, or changes
     * nothing and throws.
     *
     * @throws InvalidConfigException listing every reason why this access point
     *     cannot serve the snapshot
     */
    void apply(RoutingSnapshot snapshot) throws InvalidConfigException;
}
