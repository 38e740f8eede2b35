package io.guise.routing;

import static java.util.Objects.requireNonNull;

import io.guise.fault.FaultProfile;
import io.guise.fault.SplitMix64;
import io.guise.metrics.PersonaStats;
import io.guise.proto.Persona;
import io.guise.selection.EndpointPool;
import io.netty.handler.ssl.SslContext;
import java.util.List;

/**
 * Everything the data path needs to serve one persona at one revision: its fault
 * profile, TLS context, endpoint pool and counters. Immutable; a new revision
 * builds a new route.
 */
public final class PersonaRoute {

    private final Persona persona;
    private final FaultProfile faults;
    private final EndpointPool pool;
    private final UpstreamTarget[] targets;
    private final SslContext sslContext;
    private final PersonaStats l4Stats;
    private final PersonaStats l7Stats;

    PersonaRoute(Persona persona, FaultProfile faults, EndpointPool pool, List<UpstreamTarget> targets,
                 SslContext sslContext, PersonaStats l4Stats, PersonaStats l7Stats) {
        this.persona = requireNonNull(persona, "persona");
        this.faults = requireNonNull(faults, "faults");
        this.pool = requireNonNull(pool, "pool");
        this.targets = targets.toArray(new UpstreamTarget[0]);
        this.sslContext = sslContext;
        this.l4Stats = requireNonNull(l4Stats, "l4Stats");
        this.l7Stats = requireNonNull(l7Stats, "l7Stats");
    }

    public String id() {
        return persona.getId();
    }

    public Persona persona() {
        return persona;
    }

    public FaultProfile faults() {
        return faults;
    }

    public EndpointPool pool() {
        return pool;
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

    /** Picks an endpoint from the pool, or returns null when the pool is empty. */
    public UpstreamTarget pick(SplitMix64 random) {
        final int index = pool.pick(random);
        return index < 0 ? null : targets[index];
    }

    /** Returns the endpoints of the pool in build order. */
    public List<UpstreamTarget> targets() {
        return List.of(targets);
    }
}
