package io.guise.selection;

import static java.util.Objects.requireNonNull;

import io.guise.proto.PoolBalancing;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The selection policy of each pool and the load of each endpoint that P2C picks
 * read. One instance lives as long as its access point, so endpoint loads survive
 * routing table rebuilds; loads are keyed by endpoint id.
 *
 * <p>Thread-safe: the policies are fixed at construction, and loads are created
 * once in a concurrent map.
 */
public final class Balancing {

    /** Decay time of the latency average when {@code decay_ms} is 0. */
    public static final Duration DEFAULT_DECAY = Duration.ofSeconds(10);

    /** The value of {@code PoolBalancing.policy} that selects P2C over EWMA latency. */
    public static final String P2C_EWMA = "P2C_EWMA";

    private final Map<String, Long> p2cDecayNanos;
    private final LongSupplier nanoClock;
    private final Map<String, EndpointLoad> loads = new ConcurrentHashMap<>();

    private Balancing(Map<String, Long> p2cDecayNanos, LongSupplier nanoClock) {
        this.p2cDecayNanos = Map.copyOf(p2cDecayNanos);
        this.nanoClock = requireNonNull(nanoClock, "nanoClock");
    }

    /** Returns a policy set in which every pool uses weighted random. */
    public static Balancing none() {
        return new Balancing(Map.of(), System::nanoTime);
    }

    /** Builds the policies of validated {@code entries}; pools without an entry use weighted random. */
    public static Balancing of(List<PoolBalancing> entries, LongSupplier nanoClock) {
        requireNonNull(entries, "entries");
        final Map<String, Long> decays = new HashMap<>();
        for (PoolBalancing entry : entries) {
            if (P2C_EWMA.equals(entry.getPolicy())) {
                final Duration decay = entry.getDecayMs() == 0 ? DEFAULT_DECAY : Duration.ofMillis(entry.getDecayMs());
                decays.put(entry.getPool(), decay.toNanos());
            }
        }
        return new Balancing(decays, nanoClock);
    }

    /** Returns the decay time in nanoseconds when {@code pool} uses P2C over EWMA latency, else 0. */
    public long p2cDecayNanos(String pool) {
        final Long decay = p2cDecayNanos.get(pool);
        return decay == null ? 0 : decay;
    }

    /**
     * Returns the load of an endpoint, created on first use.
     * NOTE: loads of endpoints that a later revision removes stay until the access point stops.
     */
    public EndpointLoad load(String endpointId) {
        return loads.computeIfAbsent(requireNonNull(endpointId, "endpointId"), id -> new EndpointLoad(nanoClock));
    }
}
