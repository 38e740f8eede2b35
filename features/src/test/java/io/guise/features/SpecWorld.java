package io.guise.features;

import static java.util.Objects.requireNonNull;

import io.guise.accesspoint.AccessPoint;
import io.guise.fleet.Behaviour;
import io.guise.fleet.Fleet;
import io.guise.fleet.FleetEndpoint;
import io.guise.load.ClientGroupSpec;
import io.guise.load.LoadGenerator;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.AdminListener;
import io.guise.proto.Endpoint;
import io.guise.proto.Listener;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SubsetEntry;
import io.guise.testing.LoopbackEndpoints;
import io.guise.testing.LoopbackEndpoints.TcpEndpoint;
import io.guise.validation.TlsCapabilities;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The state of one scenario: the endpoints, the routing data that static access
 * points start with, the running access points and manager, and the traffic seen.
 * PicoContainer makes one per scenario and hands it to every step class;
 * {@link Hooks} closes it, which stops every server it started.
 *
 * <p>Not thread-safe: Cucumber runs the steps of a scenario on one thread.
 */
public final class SpecWorld implements AutoCloseable {

    /** Maximum wait for anything asynchronous, such as a revision reaching an access point. */
    static final Duration WAIT = Duration.ofSeconds(15);

    /** Name of the listener of every access point a scenario starts. */
    static final String LISTENER = "traffic";

    private final Deque<AutoCloseable> running = new ArrayDeque<>();
    private Path folder;
    private Fleet fleet;
    private LoopbackEndpoints tcpEndpoints;
    private EventLoopGroup clientLoops;
    private HttpClient http;

    // Routing data that the next static access point starts with, in table order.
    final Map<String, Persona> personas = new LinkedHashMap<>();
    final Map<String, Endpoint> endpoints = new LinkedHashMap<>();
    final Map<String, SubsetEntry> subsets = new LinkedHashMap<>();
    final Map<String, Boolean> endpointHealthy = new LinkedHashMap<>();
    final Map<String, TcpEndpoint> tcp = new LinkedHashMap<>();
    /** Settings other than listeners and routing that the next access point starts with. */
    AccessPointConfig.Builder settings = AccessPointConfig.newBuilder();

    final Map<String, AccessPoint> accessPoints = new LinkedHashMap<>();
    RunningManager manager;

    /** Returns this scenario's temporary folder, created on first use and deleted when the scenario ends. */
    Path folder() {
        if (folder == null) {
            try {
                folder = Files.createTempDirectory("guise-spec-");
            } catch (IOException e) {
                throw new UncheckedIOException("creating a temporary folder failed", e);
            }
        }
        return folder;
    }

    Fleet fleet() {
        if (fleet == null) {
            fleet = Fleet.create(7, 1);
        }
        return fleet;
    }

    EventLoopGroup clientLoops() {
        if (clientLoops == null) {
            clientLoops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        }
        return clientLoops;
    }

    HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();
        }
        return http;
    }

    /** Starts a fleet endpoint and adds it to the routing data. */
    FleetEndpoint startHttpEndpoint(String id, String pool, String address, Behaviour behaviour, int tier,
                                    Integer weight, Boolean healthy) throws InterruptedException {
        final FleetEndpoint started = fleet().start(id, new InetSocketAddress(inet(address), 0), behaviour);
        final Endpoint.Builder endpoint = Endpoint.newBuilder()
                .setId(id)
                .setPool(pool)
                .setAddress(address)
                .setPort(started.address().getPort())
                .setTier(tier);
        if (weight != null) {
            endpoint.setWeight(weight);
        }
        if (healthy != null) {
            endpoint.setHealthy(healthy);
            endpointHealthy.put(id, healthy);
        }
        endpoints.put(id, endpoint.build());
        return started;
    }

    /** Starts a TCP endpoint that greets with its id and echoes, and adds it to the routing data. */
    TcpEndpoint startTcpEndpoint(String id, String pool) throws IOException {
        if (tcpEndpoints == null) {
            tcpEndpoints = new LoopbackEndpoints();
        }
        final TcpEndpoint started = tcpEndpoints.tcp(id, "127.0.0.1");
        tcp.put(id, started);
        endpoints.put(id, Endpoint.newBuilder().setId(id).setPool(pool).setAddress("127.0.0.1")
                .setPort(started.port()).build());
        return started;
    }

    RoutingSnapshot routing() {
        return RoutingSnapshot.newBuilder()
                .addAllPersonas(personas.values())
                .addAllEndpoints(endpoints.values())
                .addAllSubsets(subsets.values())
                .build();
    }

    /** Returns the config of an access point that binds {@code addresses} in {@code mode}, without routing. */
    AccessPointConfig.Builder accessPointConfig(String id, String mode, List<String> addresses) {
        return settings.clone()
                .setId(id)
                .setSeed(settings.getSeed() == 0 ? 42 : settings.getSeed())
                .setAdmin(AdminListener.newBuilder().setAddress("127.0.0.1"))
                .addListeners(Listener.newBuilder().setName(LISTENER).setMode(mode).addAllAddresses(addresses));
    }

    /** Starts an access point that serves the routing data gathered so far. */
    AccessPoint startStaticAccessPoint(String id, String mode, List<String> addresses, long seed)
            throws Exception {
        final RoutingSnapshot routing = routing();
        final AccessPointConfig config = accessPointConfig(id, mode, addresses)
                .setSeed(seed)
                .addAllPersonas(routing.getPersonasList())
                .addAllEndpoints(routing.getEndpointsList())
                .addAllSubsets(routing.getSubsetsList())
                .build();
        return startAccessPoint(config, TlsCapabilities.jdk());
    }

    AccessPoint startAccessPoint(AccessPointConfig config, TlsCapabilities tls) throws Exception {
        final AccessPoint started = AccessPoint.start(config, 1, tls);
        final AccessPoint previous = accessPoints.put(config.getId(), started);
        if (previous != null) {
            previous.close();
        }
        return started;
    }

    /** Returns the only access point of the scenario, or fails when there is none or several. */
    AccessPoint accessPoint() {
        if (accessPoints.size() != 1) {
            throw new IllegalStateException("access points: " + accessPoints.keySet()
                                            + " (expected: exactly one; name the access point in the step)");
        }
        return accessPoints.values().iterator().next();
    }

    AccessPoint accessPoint(String id) {
        final AccessPoint found = accessPoints.get(id);
        if (found == null) {
            throw new IllegalArgumentException("access point: " + id + " (expected: one of "
                                               + accessPoints.keySet() + ")");
        }
        return found;
    }

    /** Returns the socket address on which {@code accessPoint} listens at {@code destination}. */
    static InetSocketAddress listenerAddress(AccessPoint accessPoint, String destination) {
        final InetAddress expected = inet(destination);
        for (InetSocketAddress address : accessPoint.listenerAddresses(LISTENER)) {
            if (address.getAddress().equals(expected)) {
                return address;
            }
        }
        throw new IllegalArgumentException("destination: " + destination + " (expected: one of "
                                           + accessPoint.listenerAddresses(LISTENER) + ")");
    }

    static InetAddress inet(String literal) {
        try {
            final InetAddress address = InetAddress.getByName(requireNonNull(literal, "literal"));
            if (!address.isLoopbackAddress()) {
                throw new IllegalArgumentException("address: " + literal + " (expected: 127.0.0.0/8 or ::1)");
            }
            return address;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("address: " + literal + " (expected: an IP literal)", e);
        }
    }

    /** Runs client groups through the load generator until every request has an outcome. */
    Traffic runLoad(List<ClientGroupSpec> groups) throws InterruptedException {
        final Traffic traffic = new Traffic();
        new LoadGenerator(clientLoops(), groups, traffic).run();
        return traffic;
    }

    /** Registers something to close when the scenario ends, before the endpoints. */
    void closeAtEnd(AutoCloseable closeable) {
        running.push(closeable);
    }

    @Override
    public void close() throws Exception {
        final List<Exception> failures = new ArrayList<>();
        for (AccessPoint accessPoint : accessPoints.values()) {
            run(failures, accessPoint::close);
        }
        accessPoints.clear();
        if (manager != null) {
            run(failures, manager::close);
        }
        while (!running.isEmpty()) {
            run(failures, running.pop());
        }
        if (fleet != null) {
            run(failures, fleet::close);
        }
        if (tcpEndpoints != null) {
            run(failures, tcpEndpoints);
        }
        if (clientLoops != null) {
            run(failures, () -> clientLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly());
        }
        if (folder != null) {
            run(failures, () -> deleteTree(folder));
        }
        if (!failures.isEmpty()) {
            final Exception first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    private static void run(List<Exception> failures, AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            failures.add(e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
