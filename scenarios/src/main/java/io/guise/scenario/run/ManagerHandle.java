package io.guise.scenario.run;

import io.guise.manager.ManagerServer;
import io.guise.manager.config.ConfigService;
import io.guise.manager.health.DecisionLog;
import io.guise.manager.health.DecisionRecord;
import io.guise.proto.RoutingSnapshot;
import io.guise.scenario.model.ManagerSettings;
import io.guise.manager.store.RevisionStore;
import io.guise.scenario.report.RunReport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The scenario's manager, which the timeline can stop and start again on the same
 * data directory and distribution port. Commit-to-ACK figures of every manager
 * instance add up in {@link #commitToAckMillis()}, and the health decisions of
 * every instance in {@link #decisions()}. Thread-safe.
 */
final class ManagerHandle implements AutoCloseable {

    private final Path dataDir;
    private final ManagerSettings settings;
    // Decisions of the manager instances stopped so far, oldest first.
    private final List<DecisionRecord> pastDecisions = new ArrayList<>();
    // The routing state when the last instance stopped; null until one did.
    private RoutingSnapshot lastRouting;
    private final Histogram pastCommitToAck = new Histogram(3);
    private Histogram baseline = new Histogram(3);
    // Guarded by perRevision itself; commit-to-ACK times in milliseconds by revision.
    private final Map<Long, Histogram> perRevision = new TreeMap<>();
    private ManagerServer server;
    private int distributionPort;

    ManagerHandle(Path dataDir, ManagerSettings settings) {
        this.dataDir = dataDir;
        this.settings = settings;
    }

    synchronized void start() throws IOException, InterruptedException {
        if (server != null) {
            return;
        }
        final ManagerServer.Options options = ManagerServer.Options.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .grpcListen(new InetSocketAddress("127.0.0.1", distributionPort))
                .dataDir(dataDir)
                .demotionSettings(settings.demotion())
                .healthWindow(settings.healthWindow())
                .heartbeatInterval(settings.heartbeatInterval())
                .build();
        final RevisionStore store = ManagerServer.openStore(options);
        try {
            server = ManagerServer.start(options, store);
        } catch (RuntimeException | InterruptedException e) {
            store.close();
            throw e;
        }
        distributionPort = server.distributionAddress().getPort();
        server.distribution().registry().addAckListener((accessPoint, revision, millis) -> {
            synchronized (perRevision) {
                perRevision.computeIfAbsent(revision, key -> new Histogram(3)).recordValue(millis);
            }
        });
    }

    /** Returns, per revision acknowledged since the baseline, the spread of its commit-to-ACK times. */
    List<RunReport.RevisionPropagation> revisionPropagation() {
        final List<RunReport.RevisionPropagation> revisions = new ArrayList<>();
        synchronized (perRevision) {
            perRevision.forEach((revision, millis) -> revisions.add(new RunReport.RevisionPropagation(
                    revision, millis.getTotalCount(), millis.getValueAtPercentile(50),
                    millis.getValueAtPercentile(99), millis.getMaxValue())));
        }
        return revisions;
    }

    synchronized void stop() throws IOException {
        if (server == null) {
            return;
        }
        pastCommitToAck.add(server.distribution().registry().totalCommitToAck());
        pastDecisions.addAll(oldestFirst(server.health().decisions()));
        lastRouting = server.service().current();
        final ManagerServer stopping = server;
        server = null;
        stopping.close();
    }

    /**
     * Returns the health decisions of every manager instance of the run, oldest first. Each instance keeps its
     * newest {@link DecisionLog#DEFAULT_CAPACITY} decisions.
     */
    synchronized List<DecisionRecord> decisions() {
        final List<DecisionRecord> all = new ArrayList<>(pastDecisions);
        if (server != null) {
            all.addAll(oldestFirst(server.health().decisions()));
        }
        return all;
    }

    /** Returns the running manager's routing state, or the state when it last stopped; null before a start. */
    synchronized RoutingSnapshot routing() {
        return server != null ? server.service().current() : lastRouting;
    }

    private static List<DecisionRecord> oldestFirst(DecisionLog log) {
        final List<DecisionRecord> newest = new ArrayList<>(log.newest(log.capacity()));
        java.util.Collections.reverse(newest);
        return newest;
    }

    synchronized boolean isRunning() {
        return server != null;
    }

    /** Returns the write path of the running manager; throws when it is stopped. */
    synchronized ConfigService service() {
        if (server == null) {
            throw new IllegalStateException("the manager is stopped");
        }
        return server.service();
    }

    synchronized String distributionAddress() {
        return "127.0.0.1:" + distributionPort;
    }

    /**
     * Waits until {@code accessPoints} access points have acknowledged
     * {@code revision} to this manager, so that their ACKs are counted before a
     * baseline is taken.
     *
     * @return whether they did within {@code timeoutMillis}
     */
    boolean awaitAcks(long revision, int accessPoints, long timeoutMillis) throws InterruptedException {
        final long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (System.nanoTime() < deadline) {
            final ManagerServer running;
            synchronized (this) {
                running = server;
            }
            if (running != null && running.distribution().registry().statuses().stream()
                    .filter(status -> status.appliedRevision() >= revision).count() >= accessPoints) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }

    /**
     * Leaves the ACKs counted so far out of {@link #commitToAckMillis()}, so that the
     * setup's initial snapshot does not count as propagation during the run.
     */
    synchronized void markBaseline() {
        baseline = allCommitToAck();
        synchronized (perRevision) {
            perRevision.clear();
        }
    }

    /** Returns commit-to-ACK times in milliseconds since the baseline, over every manager instance. */
    synchronized Histogram commitToAckMillis() {
        final Histogram total = allCommitToAck();
        total.subtract(baseline);
        return total;
    }

    private Histogram allCommitToAck() {
        final Histogram total = pastCommitToAck.copy();
        if (server != null) {
            total.add(server.distribution().registry().totalCommitToAck());
        }
        return total;
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
