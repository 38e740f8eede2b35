package io.guise.manager.distribution;

import static java.util.Objects.requireNonNull;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.guise.distribution.Deltas;
import io.guise.manager.config.ConfigService;
import io.guise.manager.health.HealthAggregator;
import io.guise.manager.health.RateLimitedWarning;
import io.guise.manager.store.RevisionStore;
import io.guise.proto.AccessPointMessage;
import io.guise.proto.Ack;
import io.guise.proto.Delta;
import io.guise.proto.DeltaUpdate;
import io.guise.proto.DistributionGrpc;
import io.guise.proto.FullSnapshot;
import io.guise.proto.HealthReport;
import io.guise.proto.Heartbeat;
import io.guise.proto.Hello;
import io.guise.proto.ManagerMessage;
import io.guise.proto.Nack;
import io.guise.proto.RevisionRecord;
import io.guise.proto.RoutingSnapshot;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's end of the distribution stream. Each access point opens one
 * stream and sends a hello; the server sends a full snapshot when the access point
 * has another epoch, a revision the store does not have, or one older than the
 * retained log, and otherwise the coalesced delta of the records after its
 * revision. After each commit it sends every stream the coalesced delta from the
 * revision that stream will hold to the newest one. ACKs and NACKs go to the
 * {@link AccessPointRegistry}, health reports to the {@link HealthAggregator}.
 * Every heartbeat interval, each stream that has sent its hello gets a heartbeat
 * with the manager's time and newest revision. A stream whose transport is not
 * ready skips that heartbeat.
 *
 * <p>Thread-safe. gRPC threads and the commit listener only update a stream's
 * flags under its monitor and schedule a flush; flushes run on the server's own
 * executor, read the store outside the write lock and write to the stream under
 * its monitor, which also serializes all writes to one stream. Commits that arrive
 * while a flush is pending are coalesced into it. A stream whose transport is not
 * ready keeps its flush pending until gRPC calls its ready handler.
 */
public final class DistributionServer implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(DistributionServer.class);

    // The TLS session and peer address of the call whose handlers run in this context.
    private static final Context.Key<SSLSession> SSL_SESSION = Context.key("guise-distribution-ssl-session");
    private static final Context.Key<SocketAddress> REMOTE_ADDRESS = Context.key("guise-distribution-remote-address");

    /** Default time between two heartbeats on a stream. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(1);

    private final RevisionStore store;
    private final Clock clock;
    private final AccessPointRegistry registry;
    private final HealthAggregator health;
    private final Duration heartbeatInterval;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final ExecutorService flushExecutor;
    private final ScheduledExecutorService heartbeatExecutor;
    private final AtomicLong heartbeatsSent = new AtomicLong();
    private final RateLimitedWarning healthBeforeHello;
    private final StreamRejections rejections = new StreamRejections();
    private Server server;
    // Null while the server runs in plaintext; written once by start() before any stream exists.
    private volatile DistributionTls tls;
    private volatile boolean closed;

    /**
     * Creates a server that sends what {@code config} commits, with its own health
     * aggregator and the default heartbeat interval; call {@link #start(InetSocketAddress)}.
     */
    public DistributionServer(ConfigService config, Clock clock) {
        this(config, clock, new HealthAggregator(requireNonNull(config, "config")::current, clock),
             DEFAULT_HEARTBEAT_INTERVAL);
    }

    /**
     * Creates a server that sends what {@code config} commits, hands health reports
     * to {@code health} and sends heartbeats every {@code heartbeatInterval}; call
     * {@link #start(InetSocketAddress)}.
     */
    public DistributionServer(ConfigService config, Clock clock, HealthAggregator health,
                              Duration heartbeatInterval) {
        requireNonNull(config, "config");
        this.store = config.store();
        this.clock = requireNonNull(clock, "clock");
        this.health = requireNonNull(health, "health");
        this.heartbeatInterval = checkInterval(heartbeatInterval);
        this.registry = new AccessPointRegistry(clock);
        this.healthBeforeHello = new RateLimitedWarning(logger, clock, Duration.ofSeconds(10));
        final AtomicInteger threads = new AtomicInteger();
        this.flushExecutor = Executors.newFixedThreadPool(
                Math.max(2, Runtime.getRuntime().availableProcessors() / 2), runnable -> {
                    final Thread thread = new Thread(runnable, "distribution-flush-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        this.heartbeatExecutor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            final Thread thread = new Thread(runnable, "distribution-heartbeat");
            thread.setDaemon(true);
            return thread;
        });
        config.addCommitListener(this::onCommit);
    }

    private static Duration checkInterval(Duration heartbeatInterval) {
        requireNonNull(heartbeatInterval, "heartbeatInterval");
        if (heartbeatInterval.toMillis() < 1) {
            throw new IllegalArgumentException("heartbeat_interval_ms: " + heartbeatInterval.toMillis()
                                               + " (expected: 1 or more)");
        }
        return heartbeatInterval;
    }

    /**
     * Binds the gRPC server to {@code address} (port 0 picks a free port) and
     * returns the address bound.
     *
     * @throws IOException when the address cannot be bound
     */
    public InetSocketAddress start(InetSocketAddress address) throws IOException {
        return start(address, null);
    }

    /**
     * Binds the gRPC server to {@code address} with TLS as {@code tls} sets it, or in
     * plaintext when it is null, and returns the address bound.
     *
     * @throws IllegalArgumentException when a file of {@code tls} is missing or
     *     unusable; nothing is bound then
     * @throws IOException when the address cannot be bound
     */
    public synchronized InetSocketAddress start(InetSocketAddress address, DistributionTls tls) throws IOException {
        requireNonNull(address, "address");
        if (server != null) {
            throw new IllegalStateException("distribution server already started on " + address());
        }
        final NettyServerBuilder builder = NettyServerBuilder.forAddress(address)
                // A replacement manager rebinds the port at once, while old connections sit in TIME_WAIT.
                .withOption(ChannelOption.SO_REUSEADDR, true)
                .addService(ServerInterceptors.intercept(new Service(), new TransportCapture()));
        if (tls != null) {
            builder.sslContext(tls.serverContext(rejections));
        }
        this.tls = tls;
        server = builder.build().start();
        final long intervalMillis = heartbeatInterval.toMillis();
        heartbeatExecutor.scheduleAtFixedRate(this::sendHeartbeats, intervalMillis, intervalMillis,
                                              TimeUnit.MILLISECONDS);
        logger.info("Distribution server on {} (epoch {}, revision {}, heartbeat every {} ms)", address(),
                    store.epoch(), store.latestRevision(), intervalMillis);
        return address();
    }

    /** Returns the bound address; valid after {@link #start(InetSocketAddress)}. */
    public synchronized InetSocketAddress address() {
        return (InetSocketAddress) server.getListenSockets().get(0);
    }

    public AccessPointRegistry registry() {
        return registry;
    }

    /** Returns the counts of rejected handshakes and streams, which the manager publishes as metrics. */
    public StreamRejections rejections() {
        return rejections;
    }

    /** Returns the aggregator that receives the health reports of every stream. */
    public HealthAggregator health() {
        return health;
    }

    /** Returns how many heartbeats were sent over all streams. */
    public long heartbeatsSent() {
        return heartbeatsSent.get();
    }

    /** Sends one heartbeat on every open stream; runs on the heartbeat thread. */
    private void sendHeartbeats() {
        if (closed) {
            return;
        }
        final ManagerMessage heartbeat = ManagerMessage.newBuilder()
                .setHeartbeat(Heartbeat.newBuilder().setTimeMs(clock.millis()).setRevision(store.latestRevision()))
                .build();
        for (Session session : sessions) {
            try {
                if (session.sendHeartbeat(heartbeat)) {
                    heartbeatsSent.incrementAndGet();
                }
            } catch (RuntimeException e) {
                // A stream that ends while the heartbeat is written; its cancel handler closes the session.
                logger.debug("Heartbeat on a closing stream failed", e);
            }
        }
    }

    /** Closes every stream and stops the server; access points keep their tables and reconnect. */
    @Override
    public void close() {
        closed = true;
        final Server running;
        synchronized (this) {
            running = server;
        }
        if (running != null) {
            running.shutdownNow();
            try {
                if (!running.awaitTermination(5, TimeUnit.SECONDS)) {
                    logger.warn("Distribution server on {} did not stop within 5 s", running.getListenSockets());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        heartbeatExecutor.shutdownNow();
        flushExecutor.shutdownNow();
        logger.info("Distribution server stopped");
    }

    private void onCommit(RevisionRecord record) {
        if (closed) {
            return;
        }
        for (Session session : sessions) {
            session.onCommit();
        }
    }

    private final class Service extends DistributionGrpc.DistributionImplBase {
        @Override
        public StreamObserver<AccessPointMessage> stream(StreamObserver<ManagerMessage> responses) {
            final ServerCallStreamObserver<ManagerMessage> call = (ServerCallStreamObserver<ManagerMessage>) responses;
            final Session session = new Session(call, SSL_SESSION.get(), REMOTE_ADDRESS.get());
            call.setOnReadyHandler(session::scheduleFlush);
            call.setOnCancelHandler(session::onCancelled);
            return session;
        }
    }

    /** Makes the TLS session and peer address of each call readable when its stream starts. */
    private static final class TransportCapture implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                           ServerCallHandler<Q, R> next) {
            final Context context = Context.current()
                    .withValues(SSL_SESSION, call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION),
                                REMOTE_ADDRESS, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
            return Contexts.interceptCall(context, call, headers, next);
        }
    }

    /**
     * One access point's stream. All fields are guarded by the session's monitor.
     *
     * <p>{@code basis} is the revision the access point has once it has applied
     * everything sent: the revision of its hello, then the end of each message
     * sent, or after a NACK the revision it still serves.
     */
    private final class Session implements StreamObserver<AccessPointMessage> {
        private final ServerCallStreamObserver<ManagerMessage> call;
        // The stream's TLS session and peer address; either may be null.
        private final SSLSession sslSession;
        private final SocketAddress remoteAddress;
        private String id;
        private long basis;
        // Whether the access point has this store's epoch, as its hello or an ACK showed.
        private boolean holdsEpoch;
        private boolean snapshotNeeded;
        // Set when a NACK rejected content of another epoch: the next commit sends a full snapshot.
        private boolean snapshotOnNextCommit;
        // Whether the access point is behind what it should be sent.
        private boolean dirty;
        private boolean flushScheduled;
        private boolean ended;

        Session(ServerCallStreamObserver<ManagerMessage> call, SSLSession sslSession, SocketAddress remoteAddress) {
            this.call = call;
            this.sslSession = sslSession;
            this.remoteAddress = remoteAddress;
        }

        @Override
        public void onNext(AccessPointMessage message) {
            switch (message.getKindCase()) {
                case HELLO -> onHello(message.getHello());
                case ACK -> onAck(message.getAck());
                case NACK -> onNack(message.getNack());
                case HEALTH -> onHealth(message.getHealth());
                default -> logger.warn("Access point {}: ignoring a message with no content", idOrUnknown());
            }
        }

        private void onHello(Hello hello) {
            final String accessPointId = hello.getAccessPointId();
            synchronized (this) {
                if (id != null) {
                    logger.warn("Access point {}: ignoring a second hello on one stream", id);
                    return;
                }
                if (accessPointId.isEmpty()) {
                    end(Status.INVALID_ARGUMENT.withDescription("hello.access_point_id: \"\" (expected: the access"
                                                                + " point id)"));
                    return;
                }
                final DistributionTls settings = tls;
                final DistributionTls.Rejection rejection = settings == null ? null
                        : settings.check(accessPointId, sslSession);
                if (rejection != null) {
                    rejections.count(rejection.metricReason());
                    logger.warn("Access point {} from {}: stream rejected with {}: {}", accessPointId, remoteAddress,
                                rejection.status().getCode(), rejection.status().getDescription());
                    end(rejection.status());
                    return;
                }
                id = accessPointId;
                basis = hello.getRevision();
                holdsEpoch = hello.getEpoch().equals(store.epoch());
                snapshotNeeded = !holdsEpoch || hello.getRevision() > store.latestRevision()
                                 || store.recordsAfter(hello.getRevision()) == null;
                dirty = true;
            }
            sessions.add(this);
            registry.streamOpened(accessPointId, hello.getEpoch(), hello.getRevision());
            logger.info("Access point {}: stream opened (epoch \"{}\", revision {}; store epoch {}, revision {})",
                        accessPointId, hello.getEpoch(), hello.getRevision(), store.epoch(), store.latestRevision());
            scheduleFlush();
        }

        private void onAck(Ack ack) {
            final String accessPointId;
            synchronized (this) {
                if (id == null) {
                    return;
                }
                accessPointId = id;
                holdsEpoch = true;
            }
            final long commitTime = store.commitTimeMillis(ack.getRevision());
            final long commitToAckMillis = commitTime < 0 ? -1 : clock.millis() - commitTime;
            registry.acked(accessPointId, store.epoch(), ack.getRevision(), commitToAckMillis);
            logger.info("Access point {}: ACK revision {} ({} ms after commit)", accessPointId, ack.getRevision(),
                        commitToAckMillis < 0 ? "unknown" : commitToAckMillis);
        }

        private void onNack(Nack nack) {
            final String accessPointId;
            synchronized (this) {
                if (id == null) {
                    return;
                }
                accessPointId = id;
                basis = nack.getServingRevision();
                if (nack.getWantsSnapshot()) {
                    snapshotNeeded = true;
                    dirty = true;
                } else if (!holdsEpoch) {
                    snapshotOnNextCommit = true;
                }
            }
            registry.nacked(accessPointId, nack.getRevision(), nack.getReason());
            logger.warn("Access point {}: NACK revision {}, still serving revision {}{}: {}", accessPointId,
                        nack.getRevision(), nack.getServingRevision(),
                        nack.getWantsSnapshot() ? ", asks for a full snapshot" : "", nack.getReason());
            if (nack.getWantsSnapshot()) {
                scheduleFlush();
            }
        }

        private void onHealth(HealthReport report) {
            final String accessPointId;
            synchronized (this) {
                accessPointId = id;
            }
            if (accessPointId == null) {
                healthBeforeHello.warn("Access point (before hello): ignoring a health report sent before the hello"
                                       + " (expected: hello first)");
                return;
            }
            try {
                health.accept(accessPointId, report);
            } catch (RuntimeException e) {
                // The aggregator drops bad entries itself; this guards the stream against a bug in it.
                logger.error("Access point {}: health report could not be aggregated", accessPointId, e);
            }
        }

        /** Writes {@code heartbeat} when the stream has sent its hello and can take it. Returns whether it did. */
        synchronized boolean sendHeartbeat(ManagerMessage heartbeat) {
            if (id == null || ended || !call.isReady()) {
                return false;
            }
            call.onNext(heartbeat);
            return true;
        }

        void onCommit() {
            synchronized (this) {
                if (id == null || ended) {
                    return;
                }
                if (snapshotOnNextCommit) {
                    snapshotOnNextCommit = false;
                    snapshotNeeded = true;
                }
                dirty = true;
            }
            scheduleFlush();
        }

        void scheduleFlush() {
            synchronized (this) {
                if (flushScheduled || !dirty || ended) {
                    return;
                }
                flushScheduled = true;
            }
            try {
                flushExecutor.execute(this::flush);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // The server is closing; its streams end with it.
                synchronized (this) {
                    flushScheduled = false;
                }
            }
        }

        private void flush() {
            final String accessPointId;
            synchronized (this) {
                flushScheduled = false;
                if (ended || !dirty || !call.isReady()) {
                    return;
                }
                dirty = false;
                final ManagerMessage message = nextMessage();
                if (message == null) {
                    return;
                }
                call.onNext(message);
                accessPointId = id;
            }
            registry.messageSent(accessPointId);
        }

        /** Returns what brings the access point from {@code basis} to the newest revision, or null for nothing. */
        private ManagerMessage nextMessage() {
            if (!snapshotNeeded) {
                final List<RevisionRecord> records = store.recordsAfter(basis);
                if (records != null) {
                    if (records.isEmpty()) {
                        return null;
                    }
                    final List<Delta> deltas = new ArrayList<>(records.size());
                    for (RevisionRecord record : records) {
                        deltas.add(record.getDelta());
                    }
                    final Delta delta = Deltas.coalesce(deltas);
                    basis = delta.getToRevision();
                    return ManagerMessage.newBuilder()
                            .setDelta(DeltaUpdate.newBuilder().setEpoch(store.epoch()).setDelta(delta))
                            .build();
                }
            }
            snapshotNeeded = false;
            final RoutingSnapshot snapshot = store.latestSnapshot();
            basis = snapshot.getRevision();
            return ManagerMessage.newBuilder()
                    .setSnapshot(FullSnapshot.newBuilder().setEpoch(store.epoch()).setSnapshot(snapshot))
                    .build();
        }

        @Override
        public void onError(Throwable error) {
            closeSession("failed: " + Status.fromThrowable(error));
        }

        @Override
        public void onCompleted() {
            synchronized (this) {
                if (!ended) {
                    call.onCompleted();
                }
            }
            closeSession("closed by the access point");
        }

        void onCancelled() {
            closeSession("cancelled");
        }

        private void end(Status status) {
            ended = true;
            call.onError(status.asRuntimeException());
        }

        private void closeSession(String how) {
            final String accessPointId;
            synchronized (this) {
                if (ended && !sessions.contains(this)) {
                    return;
                }
                ended = true;
                accessPointId = id;
            }
            if (accessPointId != null && sessions.remove(this)) {
                registry.streamClosed(accessPointId);
                logger.info("Access point {}: stream {}", accessPointId, how);
            }
        }

        private synchronized String idOrUnknown() {
            return id == null ? "(before hello)" : id;
        }
    }
}
