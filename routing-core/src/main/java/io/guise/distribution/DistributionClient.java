package io.guise.distribution;

import static java.util.Objects.requireNonNull;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.guise.accesspoint.InvalidConfigException;
import io.guise.proto.Ack;
import io.guise.proto.AccessPointMessage;
import io.guise.proto.DeltaUpdate;
import io.guise.proto.DistributionGrpc;
import io.guise.proto.FullSnapshot;
import io.guise.proto.HealthReport;
import io.guise.proto.Hello;
import io.guise.proto.ManagerMessage;
import io.guise.proto.Nack;
import io.guise.proto.RoutingSnapshot;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access point's end of the distribution stream. It sends a hello with the epoch
 * and revision it serves, applies full snapshots and deltas through a
 * {@link RoutingApplier}, and acknowledges each with an ACK after the swap or a NACK
 * with the reason. When the stream fails it reconnects with exponential backoff
 * and full jitter, and the last good table stays in force meanwhile. Health
 * reports go out on the same stream while it is connected; heartbeats from the
 * manager are not acknowledged.
 * With replica addresses, each new attempt goes to the next address in turn (the
 * manager's, then the replicas', wrapping around), starting from the epoch and
 * revision held.
 *
 * <p>Thread-safe. All stream callbacks, applies and reconnect timers run on one
 * thread that the client owns, so the held state needs no lock. The accessors read
 * volatile copies of it.
 */
public final class DistributionClient implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(DistributionClient.class);

    private final String accessPointId;
    // The manager's address first, then its replicas'; attempts rotate through them.
    private final List<InetSocketAddress> managerAddresses;
    private final RoutingApplier applier;
    private final Backoff backoff;
    private final StateFile stateFile;
    private final ScheduledExecutorService executor;
    private final SslContext tls;
    private final AtomicLong messagesReceived = new AtomicLong();
    private final AtomicLong snapshotsReceived = new AtomicLong();
    private final AtomicLong acksSent = new AtomicLong();
    private final AtomicLong nacksSent = new AtomicLong();
    private final AtomicLong heartbeatsReceived = new AtomicLong();
    private final AtomicLong healthReportsSent = new AtomicLong();
    private final Runnable managerListener;
    private final Consumer<Boolean> healthReportListener;

    // Owned by the executor thread.
    private RoutingSnapshot held;
    private ManagedChannel channel;
    private Attempt attempt;
    private int addressIndex;
    // Stream attempts that ended since the last message from a manager; touched only on the client's thread.
    private int failedAttempts;

    private volatile String heldEpoch;
    private volatile long heldRevision;
    private volatile boolean connected;
    private volatile boolean closed;

    private DistributionClient(Builder builder, RoutingApplier applier) {
        this.accessPointId = builder.accessPointId;
        final List<InetSocketAddress> addresses = new ArrayList<>();
        addresses.add(builder.managerAddress);
        addresses.addAll(builder.replicaAddresses);
        this.managerAddresses = List.copyOf(addresses);
        this.applier = requireNonNull(applier, "applier");
        this.backoff = new Backoff(builder.reconnectInitial, builder.reconnectMax, builder.seed);
        this.stateFile = builder.stateFile == null ? null : new StateFile(builder.stateFile);
        this.held = builder.heldSnapshot;
        this.heldEpoch = builder.heldEpoch;
        this.heldRevision = held.getRevision();
        this.managerListener = builder.managerListener;
        this.healthReportListener = builder.healthReportListener;
        this.tls = builder.tls;
        this.executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            final Thread thread = new Thread(runnable, "distribution-" + accessPointId);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Returns a builder for the client of access point {@code accessPointId}. */
    public static Builder builder(String accessPointId, InetSocketAddress managerAddress) {
        return new Builder(accessPointId, managerAddress);
    }

    /** Opens the first stream; later ones follow failures by themselves until {@link #close()}. */
    public void start() {
        executor.execute(this::connect);
    }

    /** Returns the epoch of the routing state in force; empty when it came from no manager. */
    public String heldEpoch() {
        return heldEpoch;
    }

    /** Returns the revision of the routing state in force. */
    public long heldRevision() {
        return heldRevision;
    }

    /** Returns whether a stream is open and has delivered at least one message. */
    public boolean connected() {
        return connected;
    }

    /** Returns the number of snapshots and deltas received over all streams. */
    public long messagesReceived() {
        return messagesReceived.get();
    }

    /** Returns the number of full snapshots received over all streams. */
    public long snapshotsReceived() {
        return snapshotsReceived.get();
    }

    public long acksSent() {
        return acksSent.get();
    }

    public long nacksSent() {
        return nacksSent.get();
    }

    /** Returns the number of heartbeats received over all streams. */
    public long heartbeatsReceived() {
        return heartbeatsReceived.get();
    }

    /** Returns the number of health reports written to a stream. */
    public long healthReportsSent() {
        return healthReportsSent.get();
    }

    /**
     * Hands a health report to the stream and returns true, or returns false and
     * sends nothing when no stream is connected. The report is written on the
     * client's thread after the messages queued before it. It is dropped when the
     * stream has ended or its outbound buffer is full by then. Either way the
     * health report listener then learns whether it was written. Never blocks, and
     * never delays an ACK or NACK by more than the write of one report.
     */
    public boolean sendHealth(HealthReport report) {
        requireNonNull(report, "report");
        if (!connected || closed) {
            return false;
        }
        final AccessPointMessage message = AccessPointMessage.newBuilder().setHealth(report).build();
        try {
            executor.execute(() -> {
                if (attempt != null && connected && attempt.isReady()) {
                    attempt.send(message);
                    healthReportsSent.incrementAndGet();
                    healthReportListener.accept(true);
                } else {
                    healthReportListener.accept(false);
                }
            });
        } catch (RejectedExecutionException e) {
            // The client closed after the check above.
            return false;
        }
        return true;
    }

    /**
     * Returns why a delta cannot apply to the state held, or null when it can: the
     * epoch must match and the delta must start at the revision held.
     */
    static String deltaMismatch(String heldEpoch, long heldRevision, DeltaUpdate update) {
        if (!update.getEpoch().equals(heldEpoch)) {
            return "delta of epoch " + update.getEpoch() + " but epoch \"" + heldEpoch
                   + "\" is held; a full snapshot is needed";
        }
        if (update.getDelta().getFromRevision() != heldRevision) {
            return "delta starts at revision " + update.getDelta().getFromRevision() + " but revision "
                   + heldRevision + " is held; a full snapshot is needed";
        }
        return null;
    }

    private void connect() {
        if (closed) {
            return;
        }
        // A new channel per attempt, so the channel's own reconnect backoff never
        // delays an attempt past the one this client computed.
        final InetSocketAddress managerAddress = managerAddress();
        final NettyChannelBuilder channelBuilder = NettyChannelBuilder.forAddress(managerAddress).executor(executor);
        channel = (tls == null ? channelBuilder.usePlaintext() : channelBuilder.sslContext(tls)).build();
        attempt = new Attempt();
        DistributionGrpc.newStub(channel).stream(attempt);
        if (failedAttempts == 0) {
            logger.info("Access point {}: opening the distribution stream to {} (epoch \"{}\", revision {})",
                        accessPointId, managerAddress, heldEpoch, heldRevision);
        } else {
            logger.debug("Access point {}: opening the distribution stream to {} (epoch \"{}\", revision {}),"
                         + " attempt {}", accessPointId, managerAddress, heldEpoch, heldRevision, failedAttempts + 1);
        }
        attempt.send(AccessPointMessage.newBuilder()
                             .setHello(Hello.newBuilder()
                                               .setAccessPointId(accessPointId)
                                               .setEpoch(heldEpoch)
                                               .setRevision(heldRevision))
                             .build());
    }

    private void onMessage(Attempt from, ManagerMessage message) {
        if (from != attempt || closed) {
            return;
        }
        managerListener.run();
        if (!connected) {
            connected = true;
            backoff.reset();
            if (failedAttempts > 1) {
                logger.info("Access point {}: distribution stream to {} is back after {} failed attempts",
                            accessPointId, managerAddress(), failedAttempts - 1);
            }
            failedAttempts = 0;
        }
        switch (message.getKindCase()) {
            case SNAPSHOT -> {
                messagesReceived.incrementAndGet();
                snapshotsReceived.incrementAndGet();
                applySnapshot(message.getSnapshot());
            }
            case DELTA -> {
                messagesReceived.incrementAndGet();
                applyDelta(message.getDelta());
            }
            case HEARTBEAT -> {
                heartbeatsReceived.incrementAndGet();
                logger.debug("Access point {}: heartbeat from the manager at revision {}", accessPointId,
                             message.getHeartbeat().getRevision());
            }
            default -> logger.warn("Access point {}: ignoring a manager message with no content", accessPointId);
        }
    }

    private void applySnapshot(FullSnapshot full) {
        final RoutingSnapshot snapshot = full.getSnapshot();
        try {
            applier.apply(snapshot);
        } catch (InvalidConfigException e) {
            nack(snapshot.getRevision(), e.getMessage(), false);
            return;
        }
        hold(full.getEpoch(), snapshot);
    }

    private void applyDelta(DeltaUpdate update) {
        final String mismatch = deltaMismatch(heldEpoch, heldRevision, update);
        if (mismatch != null) {
            nack(update.getDelta().getToRevision(), mismatch, true);
            return;
        }
        final RoutingSnapshot next;
        try {
            next = Deltas.apply(held, update.getDelta());
        } catch (Deltas.RevisionGapException e) {
            nack(update.getDelta().getToRevision(), e.getMessage(), true);
            return;
        }
        try {
            applier.apply(next);
        } catch (InvalidConfigException e) {
            nack(next.getRevision(), e.getMessage(), false);
            return;
        }
        hold(update.getEpoch(), next);
    }

    /** Records the state now in force, persists it and acknowledges it. */
    private void hold(String epoch, RoutingSnapshot snapshot) {
        held = snapshot;
        heldEpoch = epoch;
        heldRevision = snapshot.getRevision();
        if (stateFile != null) {
            try {
                stateFile.write(FullSnapshot.newBuilder().setEpoch(epoch).setSnapshot(snapshot).build());
            } catch (IOException e) {
                logger.warn("Access point {}: writing state file {} failed; revision {} is served but not persisted",
                            accessPointId, stateFile.path(), snapshot.getRevision(), e);
            }
        }
        acksSent.incrementAndGet();
        attempt.send(AccessPointMessage.newBuilder()
                             .setAck(Ack.newBuilder().setRevision(snapshot.getRevision()))
                             .build());
    }

    private void nack(long revision, String reason, boolean wantsSnapshot) {
        logger.warn("Access point {}: rejecting revision {} and keeping revision {}: {}", accessPointId, revision,
                    heldRevision, reason);
        nacksSent.incrementAndGet();
        attempt.send(AccessPointMessage.newBuilder()
                             .setNack(Nack.newBuilder()
                                              .setRevision(revision)
                                              .setServingRevision(heldRevision)
                                              .setReason(reason)
                                              .setWantsSnapshot(wantsSnapshot))
                             .build());
    }

    private void onStreamEnd(Attempt from, Throwable error) {
        if (from != attempt || closed) {
            return;
        }
        connected = false;
        attempt = null;
        channel.shutdownNow();
        channel = null;
        final InetSocketAddress failed = managerAddress();
        addressIndex = (addressIndex + 1) % managerAddresses.size();
        final Duration delay = backoff.nextDelay();
        failedAttempts++;
        final String cause = error == null ? "closed by the manager" : error.toString();
        // One WARN per outage, then a reminder every tenth attempt, so a long partition does not flood the log.
        if (failedAttempts == 1) {
            logger.warn("Access point {}: distribution stream to {} ended ({}); serving revision {}, reconnecting"
                        + " to {} in {} ms", accessPointId, failed, cause, heldRevision, managerAddress(),
                        delay.toMillis());
        } else if (failedAttempts % 10 == 1) {
            logger.warn("Access point {}: manager still unreachable after {} attempts (last: {} at {}); serving"
                        + " revision {}, next attempt to {} in {} ms", accessPointId, failedAttempts - 1, cause,
                        failed, heldRevision, managerAddress(), delay.toMillis());
        } else {
            logger.debug("Access point {}: attempt to {} failed ({}); reconnecting to {} in {} ms", accessPointId,
                         failed, cause, managerAddress(), delay.toMillis());
        }
        executor.schedule(this::connect, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Returns the address of the current or next attempt; read on the client's thread. */
    private InetSocketAddress managerAddress() {
        return managerAddresses.get(addressIndex);
    }

    /** Closes the stream and stops reconnecting; the routing state in force stays. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        executor.execute(() -> {
            if (attempt != null) {
                attempt.cancel();
            }
            if (channel != null) {
                channel.shutdownNow();
            }
            connected = false;
        });
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                logger.warn("Access point {}: distribution client did not stop within 5 s", accessPointId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        logger.info("Access point {}: distribution client stopped at revision {}", accessPointId, heldRevision);
    }

    /** One stream: its request side and the callbacks of its response side. */
    private final class Attempt implements ClientResponseObserver<AccessPointMessage, ManagerMessage> {
        private ClientCallStreamObserver<AccessPointMessage> requests;

        @Override
        public void beforeStart(ClientCallStreamObserver<AccessPointMessage> requestStream) {
            this.requests = requestStream;
        }

        void send(AccessPointMessage message) {
            requests.onNext(message);
        }

        boolean isReady() {
            return requests.isReady();
        }

        void cancel() {
            requests.cancel("access point " + accessPointId + " is closing", null);
        }

        @Override
        public void onNext(ManagerMessage message) {
            onMessage(this, message);
        }

        @Override
        public void onError(Throwable error) {
            onStreamEnd(this, error);
        }

        @Override
        public void onCompleted() {
            onStreamEnd(this, null);
        }
    }

    /** Settings of a client; the defaults suit a production access point. */
    public static final class Builder {
        private final String accessPointId;
        private final InetSocketAddress managerAddress;
        private List<InetSocketAddress> replicaAddresses = List.of();
        private Duration reconnectInitial = Backoff.DEFAULT_INITIAL;
        private Duration reconnectMax = Backoff.DEFAULT_MAX;
        private long seed;
        private Path stateFile;
        private String heldEpoch = "";
        private RoutingSnapshot heldSnapshot = RoutingSnapshot.getDefaultInstance();
        private Runnable managerListener = () -> { };
        private Consumer<Boolean> healthReportListener = written -> { };
        private SslContext tls;

        private Builder(String accessPointId, InetSocketAddress managerAddress) {
            this.accessPointId = requireNonNull(accessPointId, "accessPointId");
            this.managerAddress = requireNonNull(managerAddress, "managerAddress");
        }

        /** Sets the addresses of manager replicas tried in turn after the manager's; empty by default. */
        public Builder replicaAddresses(List<InetSocketAddress> replicaAddresses) {
            this.replicaAddresses = List.copyOf(requireNonNull(replicaAddresses, "replicaAddresses"));
            return this;
        }

        /** Sets the first and the maximum reconnect delay; defaults 100 ms and 10 s. */
        public Builder reconnect(Duration initial, Duration max) {
            this.reconnectInitial = requireNonNull(initial, "initial");
            this.reconnectMax = requireNonNull(max, "max");
            return this;
        }

        /** Sets the seed of the reconnect jitter. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Sets the file that keeps each applied state; null (the default) keeps none. */
        public Builder stateFile(Path stateFile) {
            this.stateFile = stateFile;
            return this;
        }

        /** Sets the state the applier serves at start; the default is an empty snapshot at revision 0. */
        public Builder initialState(String epoch, RoutingSnapshot snapshot) {
            this.heldEpoch = requireNonNull(epoch, "epoch");
            this.heldSnapshot = requireNonNull(snapshot, "snapshot");
            return this;
        }

        /**
         * Sets what runs on the client's thread for every message from the manager,
         * heartbeats included, before the message is handled.
         */
        public Builder onManagerMessage(Runnable listener) {
            this.managerListener = requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Sets what runs on the client's thread for each health report that
         * {@link DistributionClient#sendHealth} accepted: true when it was written to
         * the stream, false when it was dropped because the stream ended or was full.
         */
        public Builder onHealthReportOutcome(Consumer<Boolean> listener) {
            this.healthReportListener = requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Sets the client TLS context of the stream, such as {@link ManagerLinkTls#clientContext};
         * null (the default) connects in plaintext.
         */
        public Builder tls(SslContext tls) {
            this.tls = tls;
            return this;
        }

        /** Builds a client that applies through {@code applier}; call {@link DistributionClient#start()}. */
        public DistributionClient build(RoutingApplier applier) {
            return new DistributionClient(this, applier);
        }
    }
}
