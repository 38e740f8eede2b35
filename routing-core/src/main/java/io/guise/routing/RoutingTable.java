package io.guise.routing;

import static java.util.Objects.requireNonNull;

import io.guise.fault.FaultProfile;
import io.guise.fault.FaultSafety;
import io.guise.health.EndpointHealth;
import io.guise.metrics.AccessPointMetrics;
import io.guise.proto.Endpoint;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SplitArm;
import io.guise.proto.SubsetEntry;
import io.guise.selection.Balancing;
import io.guise.subset.CidrPrefix;
import io.guise.subset.SubsetMap;
import io.guise.tls.PersonaTlsContexts;
import io.netty.handler.ssl.SslContext;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing state of an access point at one revision: the subset map and the
 * persona routes it points to.
 *
 * <p>Immutable and thread-safe. It is built off the data path from a validated
 * {@link RoutingSnapshot}; a new revision builds a new table, which replaces this
 * one in a {@link LiveRoutingTable} with a single volatile write. Lookups take no
 * locks and allocate nothing.
 */
public final class RoutingTable {

    private static final Logger logger = LoggerFactory.getLogger(RoutingTable.class);

    private final RoutingSnapshot snapshot;
    private final SubsetMap<SubsetTarget> subsets;
    private final Map<String, PersonaRoute> personas;
    private final boolean hasSubsetBudgets;

    private RoutingTable(RoutingSnapshot snapshot, SubsetMap<SubsetTarget> subsets,
                         Map<String, PersonaRoute> personas) {
        this.snapshot = snapshot;
        this.subsets = subsets;
        this.personas = personas;
        hasSubsetBudgets = snapshot.getSubsetsList().stream().anyMatch(entry -> entry.getMaxConcurrentRequests() > 0);
    }

    /** Returns a table that routes nothing, at revision 0. */
    public static RoutingTable empty() {
        return new RoutingTable(RoutingSnapshot.getDefaultInstance(), SubsetMap.empty(), Map.of());
    }

    /**
     * Builds a table from a snapshot that passed validation.
     *
     * <p>Hostnames of endpoints are resolved here, once, with the persona's address
     * family; an endpoint whose hostname does not resolve is left out of the pool
     * with a warning.
     *
     * @param tls the certificate source for TLS personas, or null when the
     *     snapshot has none
     * @throws IllegalArgumentException when the snapshot breaks a rule that
     *     validation checks, such as a subset naming a missing persona
     */
    public static RoutingTable build(RoutingSnapshot snapshot, PersonaTlsContexts tls, AccessPointMetrics metrics) {
        return build(snapshot, tls, metrics, EndpointHealth.builder().build());
    }

    /**
     * Builds a table as {@link #build(RoutingSnapshot, PersonaTlsContexts, AccessPointMetrics)}
     * does, with pools that leave out the endpoints that {@code health} ejects.
     * {@code health} outlives tables, so ejections survive a new revision.
     */
    public static RoutingTable build(RoutingSnapshot snapshot, PersonaTlsContexts tls, AccessPointMetrics metrics,
                                     EndpointHealth health) {
        return build(snapshot, tls, metrics, health, Balancing.none(), FaultSafety.withoutManager());
    }

    /** Builds a table whose pools pick by their policy in {@code balancing}, without a manager's fault safety. */
    public static RoutingTable build(RoutingSnapshot snapshot, PersonaTlsContexts tls, AccessPointMetrics metrics,
                                     EndpointHealth health, Balancing balancing) {
        return build(snapshot, tls, metrics, health, balancing, FaultSafety.withoutManager());
    }

    /** Builds a table with weighted random pools whose routes inject faults only while {@code faultSafety} allows. */
    public static RoutingTable build(RoutingSnapshot snapshot, PersonaTlsContexts tls, AccessPointMetrics metrics,
                                     EndpointHealth health, FaultSafety faultSafety) {
        return build(snapshot, tls, metrics, health, Balancing.none(), faultSafety);
    }

    /**
     * Builds a table as {@link #build(RoutingSnapshot, PersonaTlsContexts, AccessPointMetrics, EndpointHealth)}
     * does, with each pool picking by its policy in {@code balancing}, and with routes
     * that inject persona faults only while {@code faultSafety} allows it. A persona's
     * pool follows a pool's policy when all its endpoints belong to that pool.
     * {@code balancing} outlives tables, so endpoint loads survive a new revision.
     */
    public static RoutingTable build(RoutingSnapshot snapshot, PersonaTlsContexts tls, AccessPointMetrics metrics,
                                     EndpointHealth health, Balancing balancing, FaultSafety faultSafety) {
        requireNonNull(snapshot, "snapshot");
        requireNonNull(metrics, "metrics");
        requireNonNull(health, "health");
        requireNonNull(balancing, "balancing");
        requireNonNull(faultSafety, "faultSafety");
        final Map<String, InetAddress[]> resolved = new HashMap<>();
        final Map<String, PersonaRoute> personas = new LinkedHashMap<>();
        // One pass over the endpoints, so a table of many personas does not scan them once per persona.
        final EndpointIndex endpoints = new EndpointIndex(snapshot.getEndpointsList());
        for (Persona persona : snapshot.getPersonasList()) {
            personas.put(persona.getId(),
                         buildRoute(persona, endpoints, tls, metrics, health, balancing, faultSafety, resolved));
        }
        final SubsetMap.Builder<SubsetTarget> subsets = SubsetMap.builder();
        for (SubsetEntry entry : snapshot.getSubsetsList()) {
            subsets.put(CidrPrefix.parse(entry.getPrefix()),
                        buildTarget(entry, personas).withMaxConcurrentRequests(entry.getMaxConcurrentRequests()));
        }
        return new RoutingTable(snapshot, subsets.build(), Map.copyOf(personas));
    }

    public long revision() {
        return snapshot.getRevision();
    }

    /** Returns the snapshot this table was built from. */
    public RoutingSnapshot snapshot() {
        return snapshot;
    }

    /** Returns the endpoint ids of each persona's pool, for the max ejection share. */
    public List<List<String>> poolEndpointIds() {
        final List<List<String>> pools = new ArrayList<>(personas.size());
        for (PersonaRoute route : personas.values()) {
            final List<String> ids = new ArrayList<>();
            for (UpstreamTarget target : route.targets()) {
                ids.add(target.endpointId());
            }
            pools.add(ids);
        }
        return pools;
    }

    /**
     * Returns the resolved socket address of every endpoint that some persona's pool
     * uses, by endpoint id, in the order of personas and then pool members. An endpoint that several personas
     * reach on different ports (its port 0 takes each persona's) maps to the
     * address of the first persona.
     */
    public Map<String, InetSocketAddress> endpointAddresses() {
        final Map<String, InetSocketAddress> addresses = new LinkedHashMap<>();
        for (Persona persona : snapshot.getPersonasList()) {
            for (UpstreamTarget target : personas.get(persona.getId()).targets()) {
                addresses.putIfAbsent(target.endpointId(), target.address());
            }
        }
        return addresses;
    }

    /** Returns the ids of the table's personas, in snapshot order. */
    public List<String> personaIds() {
        final List<String> ids = new ArrayList<>(snapshot.getPersonasCount());
        for (Persona persona : snapshot.getPersonasList()) {
            ids.add(persona.getId());
        }
        return ids;
    }

    /** Returns the route of a persona by id, or null. */
    public PersonaRoute persona(String personaId) {
        return personas.get(personaId);
    }

    /**
     * Finds the persona for a connection: longest-prefix match on its destination,
     * then the split arm of its client. Returns null when no subset matches.
     */
    public PersonaRoute route(RouteKey key) {
        final SubsetTarget target = key.isIpv4() ? subsets.lookupIpv4(key.ipv4Bits())
                                                 : subsets.lookupIpv6(key.ipv6High(), key.ipv6Low());
        return target == null ? null : target.choose(key.clientHash());
    }

    /**
     * Returns the prefix of the subset that matches the key's destination when that
     * subset has a concurrency budget of its own, or null. Takes no lock and
     * allocates nothing.
     */
    public String budgetedSubset(RouteKey key) {
        if (!hasSubsetBudgets) {
            return null;
        }
        final SubsetTarget target = lookup(key);
        return target == null || target.maxConcurrentRequests() <= 0 ? null : target.prefix();
    }

    /** Returns the concurrency budget of the subset that matches the key's destination, 0 for none. */
    public int subsetBudget(RouteKey key) {
        final SubsetTarget target = hasSubsetBudgets ? lookup(key) : null;
        return target == null ? 0 : target.maxConcurrentRequests();
    }

    private SubsetTarget lookup(RouteKey key) {
        return key.isIpv4() ? subsets.lookupIpv4(key.ipv4Bits()) : subsets.lookupIpv6(key.ipv6High(), key.ipv6Low());
    }

    private static SubsetTarget buildTarget(SubsetEntry entry, Map<String, PersonaRoute> personas) {
        if (entry.hasSplit()) {
            final List<SplitArm> arms = entry.getSplit().getArmsList();
            final PersonaRoute[] routes = new PersonaRoute[arms.size()];
            final int[] weights = new int[arms.size()];
            for (int i = 0; i < arms.size(); i++) {
                routes[i] = requirePersona(personas, arms.get(i).getPersona(), entry.getPrefix());
                weights[i] = arms.get(i).getWeight();
            }
            return SubsetTarget.split(entry.getPrefix(), routes, weights, entry.getSplit().getHashSeed());
        }
        return SubsetTarget.single(entry.getPrefix(), requirePersona(personas, entry.getPersona(), entry.getPrefix()));
    }

    private static PersonaRoute requirePersona(Map<String, PersonaRoute> personas, String id, String prefix) {
        final PersonaRoute route = personas.get(id);
        if (route == null) {
            throw new IllegalArgumentException("subset " + prefix + " names persona '" + id + "', which does not exist");
        }
        return route;
    }

    private static PersonaRoute buildRoute(Persona persona, EndpointIndex endpoints, PersonaTlsContexts tls,
                                           AccessPointMetrics metrics, EndpointHealth health, Balancing balancing,
                                           FaultSafety faultSafety, Map<String, InetAddress[]> resolved) {
        final boolean ipv6 = "IPv6".equals(persona.getAddressFamily());
        final List<Endpoint> members = endpoints.poolMembers(persona);
        final long decayNanos = members.isEmpty() ? 0 : balancing.p2cDecayNanos(sharedPool(members));
        final List<UpstreamTarget> targets = new ArrayList<>(members.size());
        final int[] tiers = new int[members.size()];
        final int[] weights = new int[members.size()];
        final boolean[] healthy = new boolean[members.size()];
        for (Endpoint endpoint : members) {
            final InetAddress address = addressOf(endpoint, ipv6, resolved);
            if (address == null) {
                continue;
            }
            final int port = endpoint.getPort() != 0 ? endpoint.getPort() : persona.getPort();
            tiers[targets.size()] = endpoint.getTier();
            weights[targets.size()] = endpoint.hasWeight() ? endpoint.getWeight() : 1;
            healthy[targets.size()] = !endpoint.hasHealthy() || endpoint.getHealthy();
            // Results through this route also count in the persona's health report interval.
            final var stats = metrics.endpoint(endpoint.getId()).forPersona(metrics.personaInterval(persona.getId()));
            targets.add(new UpstreamTarget(endpoint.getId(), new InetSocketAddress(address, port), stats,
                                           health.member(endpoint.getId()),
                                           decayNanos > 0 ? balancing.load(endpoint.getId()) : null, decayNanos));
        }
        SslContext sslContext = null;
        if (!persona.getTlsVersion().isEmpty()) {
            if (tls == null) {
                throw new IllegalArgumentException("persona '" + persona.getId() + "' uses "
                                                   + persona.getTlsVersion() + " but no certificate is configured");
            }
            sslContext = tls.contextFor(persona.getTlsVersion(), persona.getCipherSuitesList());
        }
        final int count = targets.size();
        return new PersonaRoute(persona, FaultProfile.of(persona), faultSafety, targets, Arrays.copyOf(tiers, count),
                                Arrays.copyOf(weights, count), Arrays.copyOf(healthy, count), health, sslContext,
                                metrics.persona(persona.getId(), "l4"), metrics.persona(persona.getId(), "l7"),
                                decayNanos);
    }

    /** Returns the pool name that every endpoint of {@code members} shares, or "" when they differ. */
    private static String sharedPool(List<Endpoint> members) {
        final String pool = members.get(0).getPool();
        for (Endpoint member : members) {
            if (!member.getPool().equals(pool)) {
                return "";
            }
        }
        return pool;
    }

    /**
     * The endpoints of one snapshot by pool name and by address, in snapshot order,
     * so that finding a persona's pool costs one map lookup.
     */
    private static final class EndpointIndex {
        private final Map<String, List<Endpoint>> byPool = new HashMap<>();
        // Key: the address of an IP literal in canonical form, or a lower-case host name.
        private final Map<String, List<Endpoint>> byAddress = new HashMap<>();

        EndpointIndex(List<Endpoint> endpoints) {
            for (Endpoint endpoint : endpoints) {
                byPool.computeIfAbsent(endpoint.getPool(), key -> new ArrayList<>()).add(endpoint);
                byAddress.computeIfAbsent(addressKey(endpoint.getAddress()), key -> new ArrayList<>()).add(endpoint);
            }
        }

        /** Returns the endpoints whose pool is the persona's address, or else those at that address. */
        List<Endpoint> poolMembers(Persona persona) {
            final String name = persona.getAddress();
            final List<Endpoint> pool = byPool.get(name);
            if (pool != null && !name.isEmpty()) {
                return pool;
            }
            return byAddress.getOrDefault(addressKey(name), List.of());
        }

        private static String addressKey(String address) {
            final InetAddress literal = literal(address);
            return literal != null ? literal.getHostAddress() : address.toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static InetAddress addressOf(Endpoint endpoint, boolean ipv6, Map<String, InetAddress[]> resolved) {
        final InetAddress literal = literal(endpoint.getAddress());
        if (literal != null) {
            return (literal instanceof Inet6Address) == ipv6 ? literal : null;
        }
        final String host = endpoint.getAddress().toLowerCase(Locale.ROOT);
        final InetAddress[] addresses = resolved.computeIfAbsent(host, RoutingTable::resolve);
        for (InetAddress address : addresses) {
            if (ipv6 ? address instanceof Inet6Address : address instanceof Inet4Address) {
                return address;
            }
        }
        logger.warn("Endpoint {}: hostname {} has no {} address; left out of the pool",
                    endpoint.getId(), host, ipv6 ? "IPv6" : "IPv4");
        return null;
    }

    private static InetAddress[] resolve(String host) {
        try {
            return InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            logger.warn("Resolving endpoint hostname {} failed: {}", host, e.getMessage());
            return new InetAddress[0];
        }
    }

    private static InetAddress literal(String text) {
        if (!CidrPrefix.isIpLiteral(text)) {
            return null;
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
