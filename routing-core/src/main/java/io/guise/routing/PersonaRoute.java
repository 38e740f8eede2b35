package io.guise.routing;

import static java.util.Objects.requireNonNull;

import io.guise.fault.FaultProfile;
import io.guise.fault.FaultSafety;
import io.guise.fault.SplitMix64;
import io.guise.health.EndpointHealth;
import io.guise.metrics.PersonaStats;
import io.guise.proto.Persona;
import io.guise.selection.EndpointPool;
import io.netty.handler.ssl.SslContext;
import java.util.List;

/**
 * Everything the data path needs to serve one persona at one revision: its fault
 * profile, TLS context, endpoint pool and counters. A new revision builds a new
 * route.
 *
 * <p>Thread-safe. The configuration is immutable. The endpoint pool follows local
 * ejection and active health checks: when the {@link EndpointHealth} version
 * moves, the next pick rebuilds the pool with ejected endpoints and endpoints
 * failing their active check as unhealthy, and publishes it with one volatile
 * write. Picks between changes take no locks and allocate nothing. A pool
 * balanced by P2C compares the loads of its endpoints, which every event loop
 * updates lock-free.
 */
public final class PersonaRoute {

    private final Persona persona;
    private final FaultProfile faults;
    private final FaultProfile inertFaults;
    private final FaultSafety faultSafety;
    private final long faultExpiresAtMillis;
    private final UpstreamTarget[] targets;
    private final int[] tiers;
    private final int[] weights;
    private final boolean[] configuredHealthy;
    private final EndpointHealth health;
    // Replaced as a whole whenever the health version moves. Racing rebuilds build equal views.
    private volatile View view;
    private final SslContext sslContext;
    private final PersonaStats l4Stats;
    private final PersonaStats l7Stats;
    // Decay time of the latency average of a pool balanced by P2C, or 0 for weighted random.
    private final long decayNanos;
    private final EndpointPool.Loads loads = new TargetLoads();

    PersonaRoute(Persona persona, FaultProfile faults, FaultSafety faultSafety, List<UpstreamTarget> targets,
                 int[] tiers, int[] weights, boolean[] configuredHealthy, EndpointHealth health, SslContext sslContext,
                 PersonaStats l4Stats, PersonaStats l7Stats) {
        this(persona, faults, faultSafety, targets, tiers, weights, configuredHealthy, health, sslContext, l4Stats,
             l7Stats, 0);
    }

    /** Creates a route whose pool is balanced by P2C when {@code decayNanos} is positive. */
    PersonaRoute(Persona persona, FaultProfile faults, FaultSafety faultSafety, List<UpstreamTarget> targets,
                 int[] tiers, int[] weights, boolean[] configuredHealthy, EndpointHealth health, SslContext sslContext,
                 PersonaStats l4Stats, PersonaStats l7Stats, long decayNanos) {
        this.persona = requireNonNull(persona, "persona");
        this.faults = requireNonNull(faults, "faults");
        this.inertFaults = faults.withoutInjection();
        this.faultSafety = requireNonNull(faultSafety, "faultSafety");
        this.faultExpiresAtMillis = persona.getFaultExpiresAtMs();
        this.targets = targets.toArray(new UpstreamTarget[0]);
        this.tiers = tiers.clone();
        this.weights = weights.clone();
        this.configuredHealthy = configuredHealthy.clone();
        this.health = requireNonNull(health, "health");
        this.view = buildView(health.version());
        this.sslContext = sslContext;
        this.l4Stats = requireNonNull(l4Stats, "l4Stats");
        this.l7Stats = requireNonNull(l7Stats, "l7Stats");
        this.decayNanos = decayNanos;
        if (decayNanos > 0) {
            for (UpstreamTarget target : this.targets) {
                requireNonNull(target.load(), "load of a target in a pool balanced by P2C");
            }
        }
    }

    public String id() {
        return persona.getId();
    }

    public Persona persona() {
        return persona;
    }

    /**
     * Returns the fault profile in force for a request arriving now: the persona's,
     * or one that injects nothing (with the same error status and L4 error action)
     * while the {@link FaultSafety} suspends injection or after the persona's
     * {@code fault_expires_at_ms}. A persona without faults costs no clock read.
     */
    public FaultProfile faults() {
        if (inertFaults == faults || faultSafety.allowsInjection(faultExpiresAtMillis)) {
            return faults;
        }
        return inertFaults;
    }

    /** Returns the persona's fault profile as configured, whether or not it is in force. */
    public FaultProfile configuredFaults() {
        return faults;
    }

    /** Returns the pool in force, with locally ejected endpoints as unhealthy. */
    public EndpointPool pool() {
        return currentView().pool;
    }

    /** Returns the TLS context that terminates this persona's connections, or null for plaintext. */
    public SslContext sslContext() {
        return sslContext;
    }

    public int priority() {
        return persona.getPriority();
    }

    /** Returns the counters for "l4" or "l7" traffic. */
    public PersonaStats stats(boolean l7) {
        return l7 ? l7Stats : l4Stats;
    }

    /**
     * Picks an endpoint, or returns null when the pool is empty. An ejected endpoint
     * whose time is over takes this request as its one probe when no other request
     * has claimed it. Otherwise the pick follows the pool in force.
     */
    public UpstreamTarget pick(SplitMix64 random) {
        final View current = currentView();
        for (int index : current.probeReady) {
            if (targets[index].health().tryStartProbe()) {
                return targets[index];
            }
        }
        final int index = decayNanos > 0 ? current.pool.pickP2c(random, loads, nowNanos())
                                         : current.pool.pick(random);
        return index < 0 ? null : targets[index];
    }

    /** Returns true when the pool is balanced by P2C over EWMA latency. */
    public boolean balancedByP2c() {
        return decayNanos > 0;
    }

    /**
     * Picks an endpoint for a retry: one of the pool in force that is not in
     * {@code tried}, by the pool's policy. Ejected endpoints waiting for a probe
     * are left to first attempts. Returns null when no endpoint is left.
     */
    public UpstreamTarget pickRetry(SplitMix64 random, List<UpstreamTarget> tried) {
        final int[] excluded = new int[tried.size()];
        int count = 0;
        for (UpstreamTarget target : tried) {
            for (int i = 0; i < targets.length; i++) {
                if (targets[i] == target) {
                    excluded[count++] = i;
                    break;
                }
            }
        }
        final View current = currentView();
        final int index = current.pool.pickExcluding(random, decayNanos > 0 ? loads : null,
                                                     decayNanos > 0 ? nowNanos() : 0, excluded, count);
        return index < 0 ? null : targets[index];
    }

    /** Reads the clock of the endpoint loads; an empty pool picks nothing and needs no time. */
    private long nowNanos() {
        return targets.length == 0 ? 0 : targets[0].load().nowNanos();
    }

    /** Reads the loads of the targets for P2C picks; used only when every target has a load. */
    private final class TargetLoads implements EndpointPool.Loads {
        @Override
        public double latencyNanos(int endpointIndex, long nowNanos) {
            return targets[endpointIndex].load().latencyNanos(nowNanos, decayNanos);
        }

        @Override
        public int outstanding(int endpointIndex) {
            return targets[endpointIndex].load().outstanding();
        }
    }

    private View currentView() {
        health.checkExpiry();
        final long version = health.version();
        final View current = view;
        if (current.version == version) {
            return current;
        }
        final View rebuilt = buildView(version);
        view = rebuilt;
        return rebuilt;
    }

    /** Builds the pool from the configuration and the health states read after {@code version}. */
    private View buildView(long version) {
        final EndpointPool.Builder builder = EndpointPool.builder();
        int probeReadyCount = 0;
        for (int i = 0; i < targets.length; i++) {
            final EndpointHealth.Member member = targets[i].health();
            builder.add(i, tiers[i], weights[i],
                        configuredHealthy[i] && !member.isEjected() && !member.activeCheckFailing());
            if (probeAllowed(member)) {
                probeReadyCount++;
            }
        }
        final int[] probeReady = new int[probeReadyCount];
        int next = 0;
        for (int i = 0; i < targets.length && next < probeReadyCount; i++) {
            if (probeAllowed(targets[i].health())) {
                probeReady[next++] = i;
            }
        }
        return new View(version, builder.build(), probeReady);
    }

    /** Returns whether an endpoint should get the probe that ends its ejection: not while its active check fails. */
    private static boolean probeAllowed(EndpointHealth.Member member) {
        return member.probeReady() && !member.activeCheckFailing();
    }

    /** A pool built at one health version, with the endpoints ready for a probe at that time. */
    private static final class View {
        final long version;
        final EndpointPool pool;
        final int[] probeReady;

        View(long version, EndpointPool pool, int[] probeReady) {
            this.version = version;
            this.pool = pool;
            this.probeReady = probeReady;
        }
    }

    /** Returns the endpoints of the pool in build order. */
    public List<UpstreamTarget> targets() {
        return List.of(targets);
    }
}
