package io.guise.manager;

import static java.util.Objects.requireNonNull;

import io.guise.manager.api.AccessPointStatusSource;
import io.guise.manager.api.AdminApi;
import io.guise.manager.api.AdminTls;
import io.guise.manager.config.ConfigService;
import io.guise.manager.distribution.AccessPointMetricsCollector;
import io.guise.manager.distribution.AccessPointRegistry;
import io.guise.manager.distribution.AccessPointStatus;
import io.guise.manager.distribution.DistributionServer;
import io.guise.manager.distribution.DistributionTls;
import io.guise.manager.health.CanaryGuard;
import io.guise.manager.health.DemotionSettings;
import io.guise.manager.health.HealthAggregator;
import io.guise.manager.health.HealthLoop;
import io.guise.manager.health.HealthMetricsCollector;
import io.guise.manager.replica.EtcdReplicaCoordinator;
import io.guise.manager.store.EtcdRevisionStore;
import io.guise.manager.store.FileRevisionStore;
import io.guise.manager.store.InMemoryRevisionStore;
import io.guise.manager.store.RevisionStore;
import io.guise.validation.RoutingValidator;
import io.guise.validation.TlsCapabilities;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persona manager process: a revision store, the write path on top of it,
 * the admin API bound to one address, and the distribution server when it has an
 * address. Its health loop demotes and restores endpoints and stops bad canary
 * arms, judging from what access points report.
 *
 * <p>Thread-safe. {@link #close()} stops the health loop, the servers and closes
 * the store.
 */
public final class ManagerServer implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(ManagerServer.class);

    /** Default admin API address: loopback only. */
    public static final InetSocketAddress DEFAULT_LISTEN = new InetSocketAddress("127.0.0.1", 7070);

    /** Revision records the in-memory store keeps for deltas; older access points get a full snapshot. */
    static final int IN_MEMORY_RETAINED_RECORDS = 1000;

    private final Options options;
    private final RevisionStore store;
    private final ConfigService service;
    private final AdminApi api;
    private final DistributionServer distribution;
    private final HealthLoop health;
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final EventExecutorGroup requestExecutor;
    private Channel serverChannel;
    // Set when the store is shared through etcd: decides which replica's health loop writes.
    private volatile EtcdReplicaCoordinator coordinator;

    private ManagerServer(Options options, RevisionStore store) {
        this.options = options;
        this.store = store;
        final Clock clock = Clock.systemUTC();
        this.service = new ConfigService(store, new RoutingValidator(TlsCapabilities.jdk()), clock);
        final HealthAggregator aggregator = new HealthAggregator(service::current, clock);
        this.distribution = new DistributionServer(service, clock, aggregator, options.heartbeatInterval());
        this.health = new HealthLoop(service, aggregator, options.demotionSettings(), new CanaryGuard(), clock);
        final AccessPointStatusSource accessPoints = options.accessPoints() != AccessPointStatusSource.NONE
                ? options.accessPoints() : () -> statusMaps(distribution.registry());
        this.api = new AdminApi(service, accessPoints, health, options.bearerToken(), options.maxRequestBytes());
        api.metrics().register(new AccessPointMetricsCollector(distribution.registry()));
        api.metrics().register(new HealthMetricsCollector(aggregator, health, distribution::heartbeatsSent));
        api.metrics().register(distribution.rejections());
        this.bossGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.workerGroup = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        // Writes block on the store's fsync, so requests run off the event loop.
        this.requestExecutor = new DefaultEventExecutorGroup(2);
    }

    /**
     * Opens the store that {@code options} names: the etcd store when it has etcd
     * settings, else the file store in the data directory. Without either the state
     * lives in memory and is lost when the process stops.
     */
    public static RevisionStore openStore(Options options) throws IOException {
        requireNonNull(options, "options");
        if (options.etcdStore() != null) {
            return EtcdRevisionStore.open(options.etcdStore());
        }
        if (options.dataDir() == null) {
            return new InMemoryRevisionStore(IN_MEMORY_RETAINED_RECORDS);
        }
        java.nio.file.Files.createDirectories(options.dataDir());
        final FileRevisionStore store = FileRevisionStore.open(options.dataDir(), FileRevisionStore.Options.defaults());
        logger.info("Manager: store in {} at revision {}, epoch {}", options.dataDir(), store.latestRevision(),
                    store.epoch());
        return store;
    }

    /**
     * Checks the options, then binds the admin API over {@code store}. On failure the
     * store is left open for the caller to close.
     *
     * @throws IllegalArgumentException when the address is not loopback and no token
     *     is set; nothing is bound then
     */
    public static ManagerServer start(Options options, RevisionStore store) throws InterruptedException {
        requireNonNull(options, "options");
        requireNonNull(store, "store");
        checkExposure(options);
        final ManagerServer server = new ManagerServer(options, store);
        try {
            server.bind();
        } catch (RuntimeException | InterruptedException e) {
            server.stopNetwork();
            throw e;
        }
        return server;
    }

    /**
     * Rejects a non-loopback listen address without a token, because anyone who
     * reaches it could rewrite routing. {@link #start} calls it too.
     *
     * @throws IllegalArgumentException naming the address and what to change
     */
    public static void checkExposure(Options options) {
        requireNonNull(options, "options");
        final InetSocketAddress listen = options.listen();
        if (listen.isUnresolved()) {
            throw new IllegalArgumentException("listen address " + listen.getHostString()
                                               + " does not resolve (expected: an IP address such as 127.0.0.1)");
        }
        if (!listen.getAddress().isLoopbackAddress() && options.bearerToken() == null) {
            throw new IllegalArgumentException(
                    "refusing to listen on " + listen.getAddress().getHostAddress() + ":" + listen.getPort()
                    + " without a token, because anyone who reaches that address could change routing; set a"
                    + " token (--token-file) or listen on a loopback address such as 127.0.0.1");
        }
    }

    private void bind() throws InterruptedException {
        final SslContext adminTls = options.adminTls() == null ? null : options.adminTls().serverContext();
        serverChannel = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(NioServerSocketChannel.class)
                .childHandler(api.initializer(requestExecutor, adminTls))
                .bind(options.listen())
                .sync()
                .channel();
        final InetSocketAddress bound = boundAddress();
        logger.info("Manager: admin API on {}://{}:{} (token {}, store epoch {}, revision {})",
                    adminTls == null ? "http" : "https", bound.getAddress().getHostAddress(), bound.getPort(),
                    api.requiresToken() ? "required" : "not required", store.epoch(), store.latestRevision());
        if (options.grpcListen() != null) {
            final InetSocketAddress grpc;
            try {
                grpc = distribution.start(options.grpcListen(), options.distributionTls());
            } catch (IOException e) {
                throw new UncheckedIOException("binding the distribution server to " + options.grpcListen()
                                               + " failed", e);
            }
            final DistributionTls tls = options.distributionTls();
            if (!grpc.getAddress().isLoopbackAddress() && (tls == null || !tls.requireClientCert())) {
                logger.warn("Manager: distribution server on {} accepts access points without a verified certificate,"
                            + " so anyone who reaches it can read the routing state; set --grpc-cert-file,"
                            + " --grpc-key-file, --client-ca-file and --require-client-cert", grpc);
            }
            logger.info("Manager: distribution server on {}:{} ({})", grpc.getAddress().getHostAddress(),
                        grpc.getPort(), describe(tls));
        }
        if (options.etcdStore() != null) {
            final String replicaId = "manager-" + UUID.randomUUID().toString().substring(0, 8);
            try {
                coordinator = EtcdReplicaCoordinator.start(options.etcdStore(), replicaId,
                                                           EtcdReplicaCoordinator.DEFAULT_LEASE_TIME,
                                                           distribution.health());
            } catch (IOException e) {
                throw new UncheckedIOException("starting the health coordination of replica " + replicaId
                                               + " in etcd failed", e);
            }
            health.decideOnlyWhen(coordinator::isLeader);
        }
        health.start(options.healthWindow());
    }

    private static String describe(DistributionTls tls) {
        if (tls == null) {
            return "plaintext";
        }
        if (tls.clientCaFile() == null) {
            return "TLS, no client certificates";
        }
        if (!tls.requireClientCert()) {
            return "TLS, client certificates optional";
        }
        return "mutual TLS, client certificates required, "
               + (tls.allowedAccessPoints().isEmpty() ? "every access point id allowed"
                                                      : tls.allowedAccessPoints().size() + " access point ids allowed");
    }

    /** Returns whether this manager's health loop decides: always without etcd, else while it leads. */
    public boolean decidesHealth() {
        final EtcdReplicaCoordinator running = coordinator;
        return running == null || running.isLeader();
    }

    /** Returns the distribution server's address, or null when it is not started. */
    public InetSocketAddress distributionAddress() {
        return options.grpcListen() == null ? null : distribution.address();
    }

    public DistributionServer distribution() {
        return distribution;
    }

    /** Returns the health loop: its decisions and the last window's endpoint figures. */
    public HealthLoop health() {
        return health;
    }

    private static List<Map<String, Object>> statusMaps(AccessPointRegistry registry) {
        final List<Map<String, Object>> maps = new ArrayList<>();
        for (AccessPointStatus status : registry.statuses()) {
            final Map<String, Object> map = new LinkedHashMap<>();
            map.put("id", status.id());
            map.put("connected", status.connected());
            map.put("applied_revision", status.appliedRevision());
            map.put("last_nack_reason", status.lastNackReason());
            map.put("last_nack_revision", status.lastNackRevision());
            map.put("ack_count", status.ackCount());
            map.put("commit_to_ack_p50_ms", status.ackP50Millis());
            map.put("commit_to_ack_p99_ms", status.ackP99Millis());
            map.put("commit_to_ack_max_ms", status.ackMaxMillis());
            maps.add(map);
        }
        return maps;
    }

    public InetSocketAddress boundAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public ConfigService service() {
        return service;
    }

    public AdminApi api() {
        return api;
    }

    public Options options() {
        return options;
    }

    @Override
    public void close() throws IOException {
        stopNetwork();
        store.close();
        logger.info("Manager: stopped at revision {}", store.latestRevision());
    }

    private void stopNetwork() {
        health.close();
        if (coordinator != null) {
            coordinator.close();
        }
        distribution.close();
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly();
        }
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        requestExecutor.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /**
     * The manager's settings. Immutable; build with {@link #builder()}.
     *
     * @param listen the admin API address
     * @param bearerToken the token API requests must carry, or null for none
     * @param maxRequestBytes maximum request body size in bytes
     * @param dataDir where the store keeps its files, or null for memory only
     * @param grpcListen the distribution server address, or null for none
     * @param accessPoints the source of {@code GET /access-points}
     * @param demotionSettings the thresholds of the demotion policy
     * @param healthWindow how often the health loop closes a window and decides
     * @param heartbeatInterval how often each distribution stream gets a heartbeat
     * @param distributionTls TLS of the distribution server, or null for plaintext
     * @param adminTls HTTPS of the admin API, or null for plain HTTP
     * @param etcdStore the etcd store that replicas share, or null for the file or memory store
     */
    public record Options(InetSocketAddress listen, String bearerToken, int maxRequestBytes, Path dataDir,
                          InetSocketAddress grpcListen, AccessPointStatusSource accessPoints,
                          DemotionSettings demotionSettings, Duration healthWindow, Duration heartbeatInterval,
                          DistributionTls distributionTls, AdminTls adminTls,
                          EtcdRevisionStore.Options etcdStore) {

        public Options {
            requireNonNull(listen, "listen");
            requireNonNull(accessPoints, "accessPoints");
            requireNonNull(demotionSettings, "demotionSettings");
            checkPositive(healthWindow, "healthWindow");
            checkPositive(heartbeatInterval, "heartbeatInterval");
        }

        private static Duration checkPositive(Duration value, String name) {
            requireNonNull(value, name);
            if (value.toMillis() < 1) {
                throw new IllegalArgumentException(name + ": " + value.toMillis() + " ms (expected: 1 ms or more)");
            }
            return value;
        }

        public static Builder builder() {
            return new Builder();
        }

        /** Describes the options with the token left out, so they can be logged. */
        @Override
        public String toString() {
            return "Options[listen=" + listen + ", token=" + (bearerToken == null ? "none" : "set")
                   + ", maxRequestBytes=" + maxRequestBytes + ", dataDir=" + dataDir + ", grpcListen=" + grpcListen
                   + ", demotionSettings=" + demotionSettings + ", healthWindow=" + healthWindow.toMillis()
                   + " ms, heartbeatInterval=" + heartbeatInterval.toMillis() + " ms, distributionTls="
                   + distributionTls + ", adminTls=" + adminTls + ", etcdStore="
                   + (etcdStore == null ? "none" : etcdStore.endpoints() + " " + etcdStore.prefix()) + "]";
        }

        /** Builds {@link Options}; every setting has a default. Not thread-safe. */
        public static final class Builder {
            private InetSocketAddress listen = DEFAULT_LISTEN;
            private String bearerToken;
            private int maxRequestBytes = AdminApi.DEFAULT_MAX_REQUEST_BYTES;
            private Path dataDir;
            private InetSocketAddress grpcListen;
            private AccessPointStatusSource accessPoints = AccessPointStatusSource.NONE;
            private DemotionSettings demotionSettings = DemotionSettings.defaults();
            private Duration healthWindow = HealthLoop.DEFAULT_WINDOW;
            private Duration heartbeatInterval = DistributionServer.DEFAULT_HEARTBEAT_INTERVAL;
            private DistributionTls distributionTls;
            private AdminTls adminTls;
            private EtcdRevisionStore.Options etcdStore;

            private Builder() {
            }

            /** Keeps the state in etcd, shared with other replicas on the same prefix; null (the default) does not. */
            public Builder etcdStore(EtcdRevisionStore.Options etcdStore) {
                this.etcdStore = etcdStore;
                return this;
            }

            /** Sets the admin API address; default 127.0.0.1:7070, port 0 picks a free port. */
            public Builder listen(InetSocketAddress listen) {
                this.listen = requireNonNull(listen, "listen");
                return this;
            }

            /** Sets the bearer token; null (the default) serves without one, on loopback only. */
            public Builder bearerToken(String bearerToken) {
                if (bearerToken != null && bearerToken.isBlank()) {
                    throw new IllegalArgumentException("bearerToken: blank (expected: a non-blank token)");
                }
                this.bearerToken = bearerToken;
                return this;
            }

            /** Sets the maximum request body size in bytes; default 4 MiB. */
            public Builder maxRequestBytes(int maxRequestBytes) {
                if (maxRequestBytes < 1) {
                    throw new IllegalArgumentException("maxRequestBytes: " + maxRequestBytes
                                                       + " (expected: 1 or more)");
                }
                this.maxRequestBytes = maxRequestBytes;
                return this;
            }

            /** Sets the store's directory; null (the default) keeps the state in memory. */
            public Builder dataDir(Path dataDir) {
                this.dataDir = dataDir;
                return this;
            }

            /** Sets the distribution server address; null (the default) serves none. */
            public Builder grpcListen(InetSocketAddress grpcListen) {
                this.grpcListen = grpcListen;
                return this;
            }

            public Builder accessPoints(AccessPointStatusSource accessPoints) {
                this.accessPoints = requireNonNull(accessPoints, "accessPoints");
                return this;
            }

            /** Sets the demotion policy's thresholds; default {@link DemotionSettings#defaults()}. */
            public Builder demotionSettings(DemotionSettings demotionSettings) {
                this.demotionSettings = requireNonNull(demotionSettings, "demotionSettings");
                return this;
            }

            /** Sets how often the health loop closes a window and decides; default 1 s, at least 1 ms. */
            public Builder healthWindow(Duration healthWindow) {
                this.healthWindow = checkPositive(healthWindow, "healthWindow");
                return this;
            }

            /** Sets how often each distribution stream gets a heartbeat; default 1 s, at least 1 ms. */
            public Builder heartbeatInterval(Duration heartbeatInterval) {
                this.heartbeatInterval = checkPositive(heartbeatInterval, "heartbeatInterval");
                return this;
            }

            /**
             * Sets the TLS of the distribution server: certificate, key, and the client CA,
             * client certificate requirement and allow list; null (the default) serves plaintext.
             */
            public Builder distributionTls(DistributionTls distributionTls) {
                this.distributionTls = distributionTls;
                return this;
            }

            /** Sets the certificate and key of the admin API; null (the default) serves plain HTTP. */
            public Builder adminTls(AdminTls adminTls) {
                this.adminTls = adminTls;
                return this;
            }

            public Options build() {
                return new Options(listen, bearerToken, maxRequestBytes, dataDir, grpcListen, accessPoints,
                                   demotionSettings, healthWindow, heartbeatInterval, distributionTls, adminTls,
                                   etcdStore);
            }
        }
    }
}
