package io.guise.manager.replica;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.grpc.stub.StreamObserver;
import io.guise.manager.health.HealthAggregator;
import io.guise.manager.health.RateLimitedWarning;
import io.guise.manager.store.EtcdRevisionStore;
import io.guise.proto.HealthReport;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coordinates the health loops of manager replicas that share an etcd store:
 * elects the one replica whose health loop decides, and shares every replica's
 * access point health reports with all of them.
 *
 * <h2>Election</h2>
 * Each replica holds an etcd lease that it keeps alive. Every campaign interval it
 * runs one transaction: if {@code P/meta/health-leader} does not exist, put its
 * replica id there with its lease; otherwise read it. The replica whose id the key
 * contains leads. A leader that closes revokes its lease, so the key goes at once.
 * When a leader dies, the key goes when its lease expires, and the next campaign of
 * another replica takes it.
 *
 * <p>NOTE: a leader learns that it lost the lead only at its next campaign, so for up
 * to one campaign interval two replicas may both decide. Their writes still go
 * through the store's revision check, so at worst one window's decision is written
 * twice.
 *
 * <h2>Reports</h2>
 * Every report an access point sends to this replica is also put under
 * {@code P/health/<replica id>/<access point id>} with this replica's lease. Each
 * replica watches {@code P/health/} and adds the reports other replicas put there
 * to its own aggregator, so the leader judges reports from every access point.
 * Each report costs one etcd write.
 *
 * <p>Thread-safe. Campaigns, lease renewal and watch restarts run on the
 * coordinator's own thread; {@link #isLeader()} reads a volatile flag.
 */
public final class EtcdReplicaCoordinator implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(EtcdReplicaCoordinator.class);

    /** Default lease time: how long a dead leader keeps the lead. */
    public static final Duration DEFAULT_LEASE_TIME = Duration.ofSeconds(5);

    private final Client client;
    private final String replicaId;
    private final Duration leaseTime;
    private final Duration requestTimeout;
    private final ByteSequence leaderKey;
    private final String reportPrefix;
    private final HealthAggregator aggregator;
    private final ScheduledExecutorService executor;
    private final RateLimitedWarning forwardFailures;

    private volatile boolean leader;
    private volatile boolean closed;
    // Confined to the executor thread, apart from the volatile lease id that forwards read.
    private volatile long leaseId;
    private CloseableClient keepAlive;
    private volatile boolean leaseLost;
    private Watch.Watcher reportWatcher;

    private EtcdReplicaCoordinator(EtcdRevisionStore.Options store, String replicaId, Duration leaseTime,
                                   HealthAggregator aggregator) {
        this.client = Client.builder().endpoints(store.endpoints().toArray(new URI[0])).build();
        this.replicaId = replicaId;
        this.leaseTime = leaseTime;
        this.requestTimeout = store.requestTimeout();
        this.leaderKey = bytes(store.prefix() + "/meta/health-leader");
        this.reportPrefix = store.prefix() + "/health/";
        this.aggregator = aggregator;
        this.forwardFailures = new RateLimitedWarning(logger, Clock.systemUTC(), Duration.ofSeconds(10));
        this.executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            final Thread thread = new Thread(runnable, "replica-coordinator");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Connects to the etcd cluster of {@code store}, takes a lease, starts sharing
     * the reports of {@code aggregator} and campaigns every fifth of the lease time.
     *
     * @throws IOException when etcd grants no lease within the store's request timeout
     */
    public static EtcdReplicaCoordinator start(EtcdRevisionStore.Options store, String replicaId,
                                               Duration leaseTime, HealthAggregator aggregator) throws IOException {
        requireNonNull(store, "store");
        requireNonNull(replicaId, "replicaId");
        requireNonNull(leaseTime, "leaseTime");
        requireNonNull(aggregator, "aggregator");
        if (leaseTime.toSeconds() < 1) {
            throw new IllegalArgumentException("leaseTime: " + leaseTime.toMillis()
                                               + " ms (expected: 1 s or more, since etcd leases count whole seconds)");
        }
        final EtcdReplicaCoordinator coordinator = new EtcdReplicaCoordinator(store, replicaId, leaseTime,
                                                                              aggregator);
        try {
            coordinator.grantLease();
        } catch (IOException | RuntimeException e) {
            coordinator.client.close();
            coordinator.executor.shutdownNow();
            throw e;
        }
        aggregator.addReportListener(coordinator::forward);
        coordinator.executor.execute(coordinator::watchReports);
        final long intervalMillis = Math.max(200, leaseTime.toMillis() / 5);
        coordinator.executor.scheduleWithFixedDelay(coordinator::campaign, 0, intervalMillis, TimeUnit.MILLISECONDS);
        logger.info("Replica {}: coordinating health through {} (lease {} s, campaign every {} ms)", replicaId,
                    store.prefix(), leaseTime.toSeconds(), intervalMillis);
        return coordinator;
    }

    /** Returns whether this replica's health loop decides, as of the last campaign. */
    public boolean isLeader() {
        return leader && !closed;
    }

    public String replicaId() {
        return replicaId;
    }

    /** Takes a new lease and keeps it alive; runs on the executor thread or before it starts. */
    private void grantLease() throws IOException {
        try {
            leaseId = client.getLeaseClient().grant(leaseTime.toSeconds())
                    .get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS).getID();
        } catch (ExecutionException e) {
            throw new IOException("etcd granted no lease: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("etcd lease grant timed out after " + requestTimeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while taking an etcd lease", e);
        }
        leaseLost = false;
        keepAlive = client.getLeaseClient().keepAlive(leaseId, new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse response) {
            }

            @Override
            public void onError(Throwable error) {
                leaseLost = true;
                logger.warn("Replica {}: keeping lease {} alive failed ({}); taking a new one at the next campaign",
                            replicaId, Long.toHexString(leaseId), error.toString());
            }

            @Override
            public void onCompleted() {
                leaseLost = true;
            }
        });
    }

    /** Runs one round of the election and records whether this replica leads. */
    private void campaign() {
        if (closed) {
            return;
        }
        boolean leads = false;
        String holder = "unknown";
        try {
            if (leaseLost) {
                keepAlive.close();
                grantLease();
            }
            final TxnResponse response = client.getKVClient().txn()
                    .If(new Cmp(leaderKey, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                    .Then(Op.put(leaderKey, bytes(replicaId), PutOption.builder().withLeaseId(leaseId).build()))
                    .Else(Op.get(leaderKey, GetOption.DEFAULT))
                    .commit()
                    .get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
            if (response.isSucceeded()) {
                leads = true;
                holder = replicaId;
            } else {
                final List<KeyValue> current = response.getGetResponses().get(0).getKvs();
                if (!current.isEmpty()) {
                    holder = current.get(0).getValue().toString(StandardCharsets.UTF_8);
                    leads = holder.equals(replicaId) && current.get(0).getLease() == leaseId;
                }
            }
        } catch (ExecutionException | TimeoutException | IOException e) {
            // Without a response from etcd this replica cannot know that it still leads, so it stops deciding.
            if (leader) {
                logger.warn("Replica {}: campaign failed ({}); no longer deciding health until etcd responds",
                            replicaId, e.toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (leads != leader) {
            logger.info("Replica {}: {} health decisions (leader: {})", replicaId, leads ? "now makes" : "stops making",
                        holder);
        }
        leader = leads;
    }

    /** Puts a report this replica received where the other replicas watch, without waiting for etcd. */
    private void forward(String accessPointId, HealthReport report) {
        if (closed) {
            return;
        }
        client.getKVClient()
                .put(bytes(reportPrefix + replicaId + "/" + accessPointId), ByteSequence.from(report.toByteArray()),
                     PutOption.builder().withLeaseId(leaseId).build())
                .whenComplete((response, error) -> {
                    if (error != null && !closed) {
                        forwardFailures.warn("Replica " + replicaId + ": sharing a health report of access point "
                                             + accessPointId + " failed (" + error + "); other replicas miss it");
                    }
                });
    }

    /** Watches the reports of the other replicas from now on; runs on the executor thread. */
    private void watchReports() {
        if (closed) {
            return;
        }
        reportWatcher = client.getWatchClient().watch(
                bytes(reportPrefix), WatchOption.builder().isPrefix(true).build(),
                Watch.listener(this::onReports, error -> {
                    if (closed) {
                        return;
                    }
                    logger.warn("Replica {}: watch of shared health reports failed ({}); watching again in 1 s",
                                replicaId, error.toString());
                    executor.schedule(() -> {
                        reportWatcher.close();
                        watchReports();
                    }, 1, TimeUnit.SECONDS);
                }));
    }

    private void onReports(WatchResponse response) {
        for (WatchEvent event : response.getEvents()) {
            if (event.getEventType() != WatchEvent.EventType.PUT) {
                continue;
            }
            final String key = event.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
            final String rest = key.substring(reportPrefix.length());
            final int slash = rest.indexOf('/');
            if (slash <= 0 || rest.substring(0, slash).equals(replicaId)) {
                continue;
            }
            try {
                aggregator.acceptFromReplica(rest.substring(slash + 1),
                                             HealthReport.parseFrom(event.getKeyValue().getValue().getBytes()));
            } catch (InvalidProtocolBufferException e) {
                logger.warn("Replica {}: ignoring shared health report {}, which does not parse ({})", replicaId, key,
                            e.getMessage());
            }
        }
    }

    /** Stops campaigning and sharing, and revokes the lease, so another replica can lead at once. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        executor.shutdownNow();
        try {
            executor.awaitTermination(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (reportWatcher != null) {
            reportWatcher.close();
        }
        if (keepAlive != null) {
            keepAlive.close();
        }
        try {
            client.getLeaseClient().revoke(leaseId).get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            logger.warn("Replica {}: revoking lease {} failed ({}); the lead passes on when it expires in {} s",
                        replicaId, Long.toHexString(leaseId), e.toString(), leaseTime.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
        logger.info("Replica {}: stopped coordinating health", replicaId);
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
