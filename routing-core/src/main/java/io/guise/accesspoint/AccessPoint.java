package io.guise.accesspoint;

import static java.util.Objects.requireNonNull;

import io.guise.distribution.Backoff;
import io.guise.distribution.DistributionClient;
import io.guise.distribution.ManagerAddress;
import io.guise.distribution.ManagerLinkTls;
import io.guise.distribution.StateFile;
import io.guise.fault.FaultSafety;
import io.guise.health.ActiveHealthChecker;
import io.guise.health.EndpointHealth;
import io.guise.health.EndpointHealthView;
import io.guise.health.HealthReporter;
import io.guise.metrics.AccessPointMetrics;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.Endpoint;
import io.guise.proto.FullSnapshot;
import io.guise.proto.HealthReport;
import io.guise.proto.Listener;
import io.guise.proto.LocalEjection;
import io.guise.proto.ManagerLink;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import io.guise.routing.LiveRoutingTable;
import io.guise.routing.RouteKey;
import io.guise.routing.RoutingTable;
import io.guise.retry.Retries;
import io.guise.selection.Balancing;
import io.guise.shaping.AdmissionController;
import io.guise.tls.PersonaTlsContexts;
import io.guise.validation.RoutingValidator;
import io.guise.validation.TlsCapabilities;
import io.guise.validation.Violation;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running access point: its listeners (L4 TCP relay or L7 HTTP/1.1 proxy), its
 * admin server and the routing table in force.
 *
 * <p>Thread-safe. {@link #replaceRouting(RoutingSnapshot)} validates and builds a
 * new table off the data path and swaps it in atomically, so connections never
 * see a half-applied change.
 *
 * <p>With a manager link, one event loop of the access point also cuts a health
 * report every health interval and hands it to the distribution stream, and
 * checks the manager's silence for {@link FaultSafety}. With active health checks,
 * one event loop runs them.
 */
public final class AccessPoint implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(AccessPoint.class);
    private static final int MAX_INITIAL_LINE_BYTES = 8192;
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    private static final Duration DEFAULT_HEALTH_INTERVAL = Duration.ofSeconds(1);
    private static final Duration DEFAULT_FAULT_SAFETY_TIMEOUT = Duration.ofSeconds(30);

    private final String id;
    private final AccessPointConfig config;
    private final RoutingValidator validator;
    // Guarded by this; created on first use when the config names no certificate.
    private PersonaTlsContexts tls;
    private final AccessPointMetrics metrics = new AccessPointMetrics();
    private final LiveRoutingTable routing;
    // Outlives routing tables, so ejections survive a new revision.
    private final EndpointHealth health;
    // Outlives routing tables, so endpoint loads survive a new revision.
    private final Balancing balancing;
    private final FaultSafety faultSafety;
    // Null without active health checks. Owned by checkerLoop.
    private final ActiveHealthChecker activeChecks;
    private final EventLoop checkerLoop;
    // The endpoints in use, published for the active checker at every install.
    private volatile List<ActiveHealthChecker.Target> checkTargets = List.of();
    // Null without a manager link.
    private HealthReporter healthReporter;
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();
    private final Transport transport = Transport.detect();
    private final AccessPointContext context;
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    // False when the event loops are shared with other access points and their owner shuts them down.
    private final boolean ownsEventLoops;
    private final Map<String, List<InetSocketAddress>> boundListeners = new LinkedHashMap<>();
    private final List<Channel> serverChannels = new ArrayList<>();
    private InetSocketAddress adminAddress;
    private volatile DistributionClient distribution;
    // Client TLS of the distribution stream, or null for plaintext; set in start() before the stream opens.
    private io.grpc.netty.shaded.io.netty.handler.ssl.SslContext managerTls;
    // Guarded by this: the epoch held when the stream was cut on purpose.
    private String partitionedEpoch;

    private AccessPoint(AccessPointConfig config, RoutingValidator validator, PersonaTlsContexts tls,
                        RoutingTable initial, int workerThreads, SharedEventLoops shared) {
        this.config = config;
        this.id = config.getId().isEmpty() ? "access-point" : config.getId();
        this.validator = validator;
        this.tls = tls;
        this.routing = new LiveRoutingTable(initial);
        this.health = endpointHealth(config.getLocalEjection(), id, config.getSeed(), metrics);
        this.balancing = Balancing.of(config.getPoolBalancingList(), System::nanoTime);
        this.faultSafety = FaultSafety.builder()
                .accessPointId(id)
                .managerTimeout(config.hasManager() ? faultSafetyTimeout(config.getManager()) : null)
                .listener(metrics::setFaultInjectionSuspended)
                .build();
        metrics.setRevision(initial.revision());
        context = new AccessPointContext(id, routing, metrics, transport,
                                         UpstreamSettingsValues.of(config.getUpstream()), config.getSeed(),
                                         admissionOf(config),
                                         config.hasRetries() ? Retries.of(config.getRetries(), System::nanoTime)
                                                             : null);
        if (shared != null) {
            bossGroup = shared.boss;
            workerGroup = shared.workers;
            ownsEventLoops = false;
        } else {
            bossGroup = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
            workerGroup = new MultiThreadIoEventLoopGroup(workerThreads, transport.ioHandlerFactory());
            ownsEventLoops = true;
        }
        if (config.getHealthChecksCount() > 0) {
            checkerLoop = workerGroup.next();
            activeChecks = new ActiveHealthChecker(id, config.getHealthChecksList(), () -> checkTargets,
                                                   new NettyHealthProbe(checkerLoop, transport), System::nanoTime,
                                                   health, new ActiveHealthChecker.Listener() {
                                                       @Override
                                                       public void onCheck(String endpointId, boolean passed) {
                                                           metrics.countActiveCheck(endpointId, passed);
                                                       }

                                                       @Override
                                                       public void onStateChange(String endpointId, boolean healthy) {
                                                           metrics.setActiveCheckHealthy(endpointId, healthy);
                                                       }
                                                   });
        } else {
            checkerLoop = null;
            activeChecks = null;
        }
    }

    /**
     * Event loops that many access points in one process share, such as the
     * hundreds of a fan-out scenario. Each access point keeps its own routing table,
     * metrics and distribution stream. Closing shuts the loops down; close the
     * access points first. Thread-safe.
     */
    public static final class SharedEventLoops implements AutoCloseable {
        private final EventLoopGroup boss;
        private final EventLoopGroup workers;

        /** Creates one accepting loop and {@code workerThreads} connection loops (0: Netty's default). */
        public SharedEventLoops(int workerThreads) {
            final Transport transport = Transport.detect();
            boss = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
            workers = new MultiThreadIoEventLoopGroup(workerThreads, transport.ioHandlerFactory());
        }

        @Override
        public void close() {
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    /**
     * Validates {@code config}, builds its routing table and binds every listener.
     * When the config has a manager link, it also serves the state file's content
     * if it exists and is valid, and starts a {@link DistributionClient}.
     *
     * @param workerThreads event loop threads for client and upstream connections;
     *     0 means Netty's default (twice the number of cores)
     * @throws InvalidConfigException when the config breaks a rule; nothing is bound
     */
    public static AccessPoint start(AccessPointConfig config, int workerThreads)
            throws InvalidConfigException, InterruptedException {
        return start(config, workerThreads, TlsCapabilities.jdk());
    }

    /**
     * Starts an access point as {@link #start(AccessPointConfig, int)} does, but
     * validates personas against {@code tls} instead of the JDK's TLS provider, for
     * tests of access points that lack a cipher suite.
     */
    public static AccessPoint start(AccessPointConfig config, int workerThreads, TlsCapabilities tls)
            throws InvalidConfigException, InterruptedException {
        return start(config, workerThreads, tls, null);
    }

    /**
     * Starts an access point on event loops shared with other access points; its
     * {@link #close()} then leaves the loops running.
     */
    public static AccessPoint start(AccessPointConfig config, SharedEventLoops eventLoops)
            throws InvalidConfigException, InterruptedException {
        return start(config, 0, TlsCapabilities.jdk(), requireNonNull(eventLoops, "eventLoops"));
    }

    private static AccessPoint start(AccessPointConfig config, int workerThreads, TlsCapabilities tls,
                                     SharedEventLoops shared) throws InvalidConfigException, InterruptedException {
        requireNonNull(config, "config");
        requireNonNull(tls, "tls");
        final RoutingValidator validator = new RoutingValidator(tls);
        final List<Violation> violations = validator.validate(config);
        if (!violations.isEmpty()) {
            throw new InvalidConfigException("access point config", violations);
        }
        // Read before anything binds, so a missing certificate or key fails the start with nothing to undo.
        final io.grpc.netty.shaded.io.netty.handler.ssl.SslContext managerTls =
                config.hasManager() && config.getManager().hasTls()
                ? ManagerLinkTls.clientContext(config.getManager().getTls()) : null;
        final AccessPoint accessPoint = new AccessPoint(config, validator, configuredTls(config),
                                                        RoutingTable.empty(), workerThreads, shared);
        accessPoint.managerTls = managerTls;
        try {
            final RoutingSnapshot snapshot = snapshotOf(config);
            accessPoint.install(RoutingTable.build(snapshot, accessPoint.tlsFor(snapshot), accessPoint.metrics,
                                                   accessPoint.health, accessPoint.balancing,
                                                   accessPoint.faultSafety));
            final FullSnapshot persisted = config.hasManager() ? accessPoint.restoreState() : null;
            accessPoint.bind();
            accessPoint.startTimers();
            if (config.hasManager()) {
                accessPoint.startDistribution(persisted == null ? FullSnapshot.newBuilder()
                        .setSnapshot(snapshot).build() : persisted);
            }
        } catch (RuntimeException | InterruptedException e) {
            accessPoint.close();
            throw e;
        }
        return accessPoint;
    }

    /**
     * Serves the state file's content when it exists, parses and is valid, and
     * returns it; returns null when there is nothing usable to restore.
     */
    private FullSnapshot restoreState() {
        final String path = config.getManager().getStateFile();
        if (path.isEmpty()) {
            return null;
        }
        final FullSnapshot state;
        try {
            state = new StateFile(Path.of(path)).read();
        } catch (IOException e) {
            logger.warn("Access point {}: ignoring state file {}: {}", id, path, e.getMessage());
            return null;
        }
        if (state == null) {
            return null;
        }
        try {
            replaceRouting(state.getSnapshot());
        } catch (InvalidConfigException e) {
            logger.warn("Access point {}: ignoring state file {}: {}", id, path, e.getMessage());
            return null;
        }
        logger.info("Access point {}: serving revision {} of epoch {} from state file {}", id,
                    state.getSnapshot().getRevision(), state.getEpoch(), path);
        return state;
    }

    private void startDistribution(FullSnapshot held) {
        final ManagerLink link = config.getManager();
        final Duration initial = link.getReconnectInitialMs() == 0 ? Backoff.DEFAULT_INITIAL
                                                                   : Duration.ofMillis(link.getReconnectInitialMs());
        final Duration max = link.getReconnectMaxMs() == 0 ? Backoff.DEFAULT_MAX
                                                           : Duration.ofMillis(link.getReconnectMaxMs());
        final List<InetSocketAddress> replicas = new ArrayList<>();
        link.getReplicaAddressesList().forEach(replica -> replicas.add(ManagerAddress.parse(replica)));
        distribution = DistributionClient.builder(id, ManagerAddress.parse(link.getAddress()))
                .replicaAddresses(replicas)
                .reconnect(initial, max.compareTo(initial) < 0 ? initial : max)
                .seed(config.getSeed())
                .stateFile(link.getStateFile().isEmpty() ? null : Path.of(link.getStateFile()))
                .initialState(held.getEpoch(), held.getSnapshot())
                .onManagerMessage(faultSafety::managerHeard)
                .onHealthReportOutcome(written -> {
                    if (written) {
                        metrics.healthReportSent();
                    } else {
                        metrics.healthReportDropped();
                    }
                })
                .tls(managerTls)
                .build(this::replaceRouting);
        if (managerTls != null) {
            logger.info("Access point {}: distribution stream to {} uses mutual TLS (certificate {}, CA {})", id,
                        link.getAddress(), link.getTls().getCertificateFile(), link.getTls().getCaFile());
        }
        distribution.start();
    }

    /**
     * Cuts the distribution stream, as a network partition from the manager would:
     * the access point keeps serving its current table and does not reconnect
     * until {@link #reconnectManager()}. Does nothing without a manager link.
     */
    public synchronized void disconnectManager() {
        final DistributionClient client = distribution;
        if (client == null) {
            return;
        }
        partitionedEpoch = client.heldEpoch();
        distribution = null;
        client.close();
        logger.info("Access point {}: distribution stream cut; serving revision {}", id,
                    routing.current().revision());
    }

    /** Opens the distribution stream again after {@link #disconnectManager()}, from the revision held. */
    public synchronized void reconnectManager() {
        if (distribution != null || !config.hasManager()) {
            return;
        }
        startDistribution(FullSnapshot.newBuilder()
                                  .setEpoch(partitionedEpoch == null ? "" : partitionedEpoch)
                                  .setSnapshot(routing.current().snapshot())
                                  .build());
    }

    /** Returns a listener's name: its configured name, or "l4-PORT" / "l7-PORT". */
    public static String listenerName(Listener listener) {
        return listener.getName().isEmpty()
               ? listener.getMode().toLowerCase(Locale.ROOT) + "-" + listener.getPort() : listener.getName();
    }

    /** Returns every violation of {@code config} against this JVM's TLS provider; empty when valid. */
    public static List<Violation> validate(AccessPointConfig config) {
        return new RoutingValidator(TlsCapabilities.jdk()).validate(requireNonNull(config, "config"));
    }

    /** Returns the routing data of a config as a snapshot at revision 0. */
    public static RoutingSnapshot snapshotOf(AccessPointConfig config) {
        return RoutingSnapshot.newBuilder()
                .addAllPersonas(config.getPersonasList())
                .addAllEndpoints(config.getEndpointsList())
                .addAllSubsets(config.getSubsetsList())
                .build();
    }

    public String id() {
        return id;
    }

    /** Returns the bound addresses of a listener by name, with the ports actually bound. */
    public List<InetSocketAddress> listenerAddresses(String listenerName) {
        final List<InetSocketAddress> addresses = boundListeners.get(listenerName);
        if (addresses == null) {
            throw new IllegalArgumentException("no listener named '" + listenerName + "' (expected one of: "
                                               + boundListeners.keySet() + ")");
        }
        return addresses;
    }

    /** Returns the admin server's address, or null when the config has no admin block. */
    public InetSocketAddress adminAddress() {
        return adminAddress;
    }

    public LiveRoutingTable routing() {
        return routing;
    }

    /** Returns the client of the manager's distribution stream, or null when the config has no manager link. */
    public DistributionClient distribution() {
        return distribution;
    }

    public AccessPointMetrics metrics() {
        return metrics;
    }

    /** Returns the state shared by this access point's connections, for tests in this package. */
    AccessPointContext context() {
        return context;
    }

    /**
     * Returns whether persona latency and errors are suspended right now because
     * the manager has been silent for longer than {@code fault_safety_timeout_ms}.
     * Always false without a manager link.
     */
    public boolean faultInjectionSuspended() {
        return faultSafety.managerSilent();
    }

    /**
     * Returns an endpoint's active health check state: "HEALTHY", "UNHEALTHY", or ""
     * when its pool has no check or it is not in use.
     */
    public String activeCheckState(String endpointId) {
        return activeChecks == null ? "" : activeChecks.state(endpointId);
    }

    /** Returns a read-only view of local ejection: which endpoints are out, and since when. */
    public EndpointHealthView endpointHealth() {
        return health.view();
    }

    /** Returns the certificate chain file that TLS personas present, or null before the first TLS persona. */
    public synchronized File certificateChain() {
        return tls == null ? null : tls.certificateChain();
    }

    /**
     * Validates a new snapshot, builds its table and swaps it in. On a violation
     * the table in force stays.
     *
     * @throws InvalidConfigException listing every violation
     */
    public synchronized void replaceRouting(RoutingSnapshot snapshot) throws InvalidConfigException {
        requireNonNull(snapshot, "snapshot");
        final List<Violation> violations = validator.validate(snapshot);
        if (!violations.isEmpty()) {
            throw new InvalidConfigException("routing snapshot at revision " + snapshot.getRevision(), violations);
        }
        final RoutingTable next = RoutingTable.build(snapshot, tlsFor(snapshot), metrics, health, balancing,
                                                     faultSafety);
        final RoutingTable previous = install(next);
        metrics.setRevision(next.revision());
        logger.info("Access point {}: routing table revision {} -> {} ({} personas, {} subsets)", id,
                    previous.revision(), next.revision(), snapshot.getPersonasCount(), snapshot.getSubsetsCount());
    }

    /** Sets the pools that the max ejection share applies to, then swaps the table in. */
    private RoutingTable install(RoutingTable next) {
        health.setPools(next.poolEndpointIds());
        final RoutingTable previous = routing.replace(next);
        if (activeChecks != null) {
            checkTargets = checkTargetsOf(next);
        }
        return previous;
    }

    /** Returns the endpoints that the table uses, with their pools and addresses, for the active checker. */
    private static List<ActiveHealthChecker.Target> checkTargetsOf(RoutingTable table) {
        final Map<String, InetSocketAddress> addresses = table.endpointAddresses();
        final List<ActiveHealthChecker.Target> targets = new ArrayList<>();
        for (Endpoint endpoint : table.snapshot().getEndpointsList()) {
            final InetSocketAddress address = addresses.get(endpoint.getId());
            if (address != null && !endpoint.getPool().isEmpty()) {
                targets.add(new ActiveHealthChecker.Target(endpoint.getId(), endpoint.getPool(), address));
            }
        }
        return List.copyOf(targets);
    }

    /**
     * Starts the periodic work: health reports and the fault safety check with a
     * manager link, and active health checks when configured.
     */
    private synchronized void startTimers() {
        if (config.hasManager()) {
            final ManagerLink link = config.getManager();
            final Duration interval = link.getHealthIntervalMs() == 0 ? DEFAULT_HEALTH_INTERVAL
                                                                      : Duration.ofMillis(link.getHealthIntervalMs());
            healthReporter = new HealthReporter(metrics, health.view(), this::activeCheckState,
                                                () -> routing.current().endpointAddresses().keySet(),
                                                () -> routing.current().personaIds(), Clock.systemUTC());
            timers.add(every(workerGroup.next(), Math.max(1, interval.toMillis()), this::reportHealth));
            final long safetyMillis = Math.min(1000, Math.max(10, faultSafetyTimeout(link).toMillis() / 10));
            timers.add(every(workerGroup.next(), safetyMillis, faultSafety::tick));
        }
        if (activeChecks != null) {
            final long tickMillis = Math.max(10, Math.min(100, activeChecks.shortestInterval().toMillis() / 2));
            timers.add(every(checkerLoop, tickMillis, activeChecks::tick));
        }
    }

    /**
     * Cuts the interval that just ended and hands its report to the stream, or
     * counts it dropped when no stream is connected. The client counts the reports
     * it accepted once it wrote or dropped them.
     */
    private void reportHealth() {
        final HealthReport report = healthReporter.cut();
        final DistributionClient client = distribution;
        if (client == null || !client.sendHealth(report)) {
            metrics.healthReportDropped();
        }
    }

    private ScheduledFuture<?> every(EventLoop loop, long periodMillis, Runnable task) {
        return loop.scheduleAtFixedRate(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                // A throwing task would cancel the timer, so it is logged and the timer goes on.
                logger.error("Access point {}: periodic task failed", id, e);
            }
        }, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    private static Duration faultSafetyTimeout(ManagerLink link) {
        return link.getFaultSafetyTimeoutMs() == 0 ? DEFAULT_FAULT_SAFETY_TIMEOUT
                                                   : Duration.ofMillis(link.getFaultSafetyTimeoutMs());
    }

    /** Builds the ejection tracker from the config, where 0 in a field takes its default. */
    private static EndpointHealth endpointHealth(LocalEjection settings, String id, long seed,
                                                 AccessPointMetrics metrics) {
        final EndpointHealth.Builder builder = EndpointHealth.builder()
                .accessPointId(id)
                .seed(seed)
                .listener(new EndpointHealth.Listener() {
                    @Override
                    public void onEject(String endpointId, int consecutiveFailures, Duration ejectionTime) {
                        metrics.endpointEjected(endpointId);
                    }

                    @Override
                    public void onRestore(String endpointId) {
                        metrics.endpointRestored(endpointId);
                    }
                });
        if (settings.getConsecutiveFailures() > 0) {
            builder.consecutiveFailures(settings.getConsecutiveFailures());
        }
        if (settings.getBaseEjectionMs() > 0) {
            builder.baseEjection(Duration.ofMillis(settings.getBaseEjectionMs()));
        }
        if (settings.getMaxEjectionMs() > 0) {
            builder.maxEjection(Duration.ofMillis(settings.getMaxEjectionMs()));
        }
        if (settings.getMaxEjectionPercent() > 0) {
            builder.maxEjectionPercent(settings.getMaxEjectionPercent());
        }
        if (settings.getJitterPercent() > 0) {
            builder.jitterPercent(settings.getJitterPercent());
        }
        return builder.build();
    }

    private void bind() throws InterruptedException {
        for (Listener listener : config.getListenersList()) {
            final boolean l7 = listener.getMode().equalsIgnoreCase("L7");
            final String name = listenerName(listener);
            final List<InetSocketAddress> bound = new ArrayList<>();
            for (String address : listener.getAddressesList()) {
                final ServerBootstrap bootstrap = new ServerBootstrap()
                        .group(bossGroup, workerGroup)
                        .channel(transport.serverChannelType())
                        .option(ChannelOption.SO_BACKLOG, 1024)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childOption(ChannelOption.AUTO_READ, l7)
                        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, !l7)
                        .childHandler(l7 ? new L7Initializer(name) : new L4Initializer(name));
                final Channel channel = bindOrFail(bootstrap, address, listener.getPort(), "listener " + name);
                serverChannels.add(channel);
                bound.add((InetSocketAddress) channel.localAddress());
            }
            boundListeners.put(name, List.copyOf(bound));
            logger.info("Access point {}: listener {} ({}) on {} using {}", id, name, l7 ? "L7" : "L4", bound,
                        transport.name());
        }
        if (config.hasAdmin()) {
            final String address = config.getAdmin().getAddress().isEmpty() ? "127.0.0.1"
                                                                            : config.getAdmin().getAddress();
            final AdminHandler handler = new AdminHandler(metrics, routing);
            final ServerBootstrap adminBootstrap = new ServerBootstrap()
                    .group(bossGroup, workerGroup)
                    .channel(transport.serverChannelType())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024), handler);
                        }
                    });
            final Channel channel = bindOrFail(adminBootstrap, address, config.getAdmin().getPort(), "admin server");
            serverChannels.add(channel);
            adminAddress = (InetSocketAddress) channel.localAddress();
            logger.info("Access point {}: admin server on http://{}:{}/metrics", id,
                        adminAddress.getAddress().getHostAddress(), adminAddress.getPort());
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            for (ScheduledFuture<?> timer : timers) {
                timer.cancel(false);
            }
            timers.clear();
        }
        if (distribution != null) {
            distribution.close();
        }
        for (Channel channel : serverChannels) {
            channel.close().awaitUninterruptibly();
        }
        context.channels().close().awaitUninterruptibly();
        if (ownsEventLoops) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        }
        logger.info("Access point {}: stopped", id);
    }

    private static AdmissionController admissionOf(AccessPointConfig config) {
        final int max = config.getAdmission().getMaxConcurrentRequests();
        return max <= 0 ? null : new AdmissionController(max, config.getAdmission().getQueueLimit());
    }

    private static PersonaTlsContexts configuredTls(AccessPointConfig config) {
        if (config.hasTls() && !config.getTls().getCertificateFile().isEmpty()) {
            return PersonaTlsContexts.fromFiles(new File(config.getTls().getCertificateFile()),
                                                new File(config.getTls().getPrivateKeyFile()));
        }
        return null;
    }

    /** Returns the certificate source, generating a self-signed one when a TLS persona first needs it. */
    private synchronized PersonaTlsContexts tlsFor(RoutingSnapshot snapshot) {
        if (tls == null) {
            for (Persona persona : snapshot.getPersonasList()) {
                if (!persona.getTlsVersion().isEmpty()) {
                    tls = PersonaTlsContexts.selfSigned();
                    break;
                }
            }
        }
        return tls;
    }

    /**
     * Binds and waits, turning a failure (such as a port in use) into an exception
     * whose message names the listener, the address and the cause.
     */
    private static Channel bindOrFail(ServerBootstrap bootstrap, String address, int port, String what)
            throws InterruptedException {
        final var future = bootstrap.bind(literal(address), port).await();
        if (!future.isSuccess()) {
            throw new IllegalStateException(what + ": binding " + address + ":" + port + " failed: "
                                            + future.cause().getMessage()
                                            + " (is another process using the port?)", future.cause());
        }
        return future.channel();
    }

    private static InetAddress literal(String address) {
        try {
            return InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            // Validation admits IP literals only, which never need a lookup.
            throw new IllegalArgumentException("not an IP literal: " + address, e);
        }
    }

    /** Sets up the bookkeeping that every client connection shares. */
    private abstract class ConnectionInitializer extends ChannelInitializer<Channel> {
        private final String listenerName;

        ConnectionInitializer(String listenerName) {
            this.listenerName = listenerName;
        }

        @Override
        protected void initChannel(Channel ch) {
            context.channels().add(ch);
            metrics.connectionOpened(listenerName);
            ch.closeFuture().addListener(future -> metrics.connectionClosed(listenerName));
            final RouteKey key = RouteKey.of(ch.localAddress(), ch.remoteAddress());
            final var route = routing.current().route(key);
            final ChannelPipeline pipeline = ch.pipeline();
            final SslContext sslContext = route == null ? null : route.sslContext();
            if (sslContext != null) {
                pipeline.addLast("tls", sslContext.newHandler(ch.alloc()));
            }
            addHandlers(pipeline, key);
        }

        abstract void addHandlers(ChannelPipeline pipeline, RouteKey key);
    }

    private final class L7Initializer extends ConnectionInitializer {
        L7Initializer(String listenerName) {
            super(listenerName);
        }

        @Override
        void addHandlers(ChannelPipeline pipeline, RouteKey key) {
            pipeline.addLast(new HttpServerCodec(MAX_INITIAL_LINE_BYTES, MAX_HEADER_BYTES, 8192),
                             new HttpObjectAggregator(context.upstream().maxBodyBytes()),
                             new L7ProxyHandler(context, key, context.newConnectionRandom(key)));
        }
    }

    private final class L4Initializer extends ConnectionInitializer {
        L4Initializer(String listenerName) {
            super(listenerName);
        }

        @Override
        void addHandlers(ChannelPipeline pipeline, RouteKey key) {
            pipeline.addLast(new L4RelayHandler(context, key, context.newConnectionRandom(key)));
        }
    }
}
