package io.guise.load;

import io.guise.fault.SplitMix64;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run of one client group: paces open-loop requests on the pacer's event loop,
 * starts closed-loop connections, and counts issued and completed requests to
 * detect when the group is done.
 *
 * <p>Thread-safe only in these methods: {@link #tryIssue()}, {@link #complete} and
 * {@link #stopGenerating()} run on any client's event loop. Open-loop pacing state is
 * confined to {@link #pacerLoop}.
 */
final class GroupRun {

    private static final Logger logger = LoggerFactory.getLogger(GroupRun.class);

    final ClientGroupSpec spec;
    final long runStartNanos;
    final CompletableFuture<Void> done = new CompletableFuture<>();

    private final LoadObserver observer;
    private final LongSupplier nanoClock;
    private final EventLoop pacerLoop;
    private final ClientRun[] clients;
    private final RequestMix mix;
    private final AtomicLong issued = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicBoolean observerFailed = new AtomicBoolean();
    private final AtomicLong connectFailures = new AtomicLong();
    private volatile boolean generating = true;

    // Open-loop pacing state, confined to pacerLoop.
    private final SplitMix64 pacerRandom;
    private long nextIndex;

    GroupRun(ClientGroupSpec spec, List<InetSocketAddress> sources, LoadObserver observer, LongSupplier nanoClock,
             long runStartNanos, EventLoop pacerLoop, io.netty.channel.EventLoopGroup group) {
        this.spec = spec;
        this.observer = observer;
        this.nanoClock = nanoClock;
        this.runStartNanos = runStartNanos;
        this.pacerLoop = pacerLoop;
        this.pacerRandom = SplitMix64.forStream(spec.seed(), -1);
        this.clients = new ClientRun[spec.clients()];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = new ClientRun(this, i, sources.get(i), group.next());
        }
        this.mix = new RequestMix(spec.requests());
    }

    long now() {
        return nanoClock.getAsLong();
    }

    void start() {
        logger.info("load group {}: starting {} clients toward {} with {} for {}", spec.name(), clients.length,
                    spec.target(), spec.model(), spec.duration());
        if (spec.model() instanceof LoadModel.ClosedLoop closedLoop) {
            for (int slot = 0; slot < closedLoop.connections(); slot++) {
                final ClientRun client = clients[slot % clients.length];
                final SplitMix64 slotRandom = SplitMix64.forStream(spec.seed(), slot);
                client.loop.execute(() -> client.startClosedLoop(slotRandom));
            }
            final long endNanos = runStartNanos + spec.duration().toNanos();
            pacerLoop.schedule(this::stopGenerating, endNanos - now(), TimeUnit.NANOSECONDS);
        } else {
            pacerLoop.execute(this::pace);
        }
    }

    /**
     * Issues every open-loop request whose scheduled time has come, then sleeps until the
     * next one. A late wake-up issues the overdue requests at once with their original
     * scheduled times, so a stalled generator still counts the delay as latency.
     */
    private void pace() {
        final LoadModel.OpenLoop openLoop = (LoadModel.OpenLoop) spec.model();
        final double durationSeconds = spec.duration().toNanos() / 1e9;
        final long elapsedNanos = now() - runStartNanos;
        while (generating) {
            final double scheduledSeconds = openLoop.scheduledSeconds(nextIndex, durationSeconds);
            if (scheduledSeconds < 0 || scheduledSeconds >= durationSeconds) {
                stopGenerating();
                return;
            }
            final long scheduledNanos = (long) (scheduledSeconds * 1e9);
            if (scheduledNanos > elapsedNanos) {
                pacerLoop.schedule(this::pace, scheduledNanos - elapsedNanos, TimeUnit.NANOSECONDS);
                return;
            }
            if (!tryIssue()) {
                return;
            }
            final ClientRun client = clients[(int) (nextIndex % clients.length)];
            final PendingRequest request = newRequest(pacerRandom, runStartNanos + scheduledNanos);
            nextIndex++;
            client.loop.execute(() -> client.submit(request));
        }
    }

    /** Picks a template from the mix with {@code random}, which the caller's thread owns. */
    PendingRequest newRequest(SplitMix64 random, long intendedNanos) {
        return new PendingRequest(mix.pick(random), intendedNanos);
    }

    /**
     * Counts one more request unless generation has stopped. Thread-safe: the increment
     * comes before the check, so {@link #checkDone()} cannot finish the group while a
     * request is being issued.
     */
    boolean tryIssue() {
        issued.incrementAndGet();
        if (!generating) {
            issued.decrementAndGet();
            checkDone();
            return false;
        }
        return true;
    }

    /** Stops issuing new requests. The group is done once the outstanding ones complete. Thread-safe. */
    void stopGenerating() {
        generating = false;
        checkDone();
    }

    /** Passes one outcome to the observer and counts it. Thread-safe. */
    void complete(RequestResult result) {
        try {
            observer.onResult(result);
        } catch (RuntimeException e) {
            if (observerFailed.compareAndSet(false, true)) {
                logger.warn("load group {}: observer failed on a result; later failures are not logged",
                            spec.name(), e);
            }
        }
        completed.incrementAndGet();
        checkDone();
    }

    void logConnectFailure(int clientIndex, Throwable cause) {
        // Connects to a killed endpoint fail in bursts, so only every 1000th failure is logged.
        final long count = connectFailures.incrementAndGet();
        if (count % 1000 == 1) {
            logger.info("load group {} client {}: connect to {} failed ({} failures so far): {}", spec.name(),
                        clientIndex, spec.target(), count, cause.toString());
        }
    }

    void logConnectionError(int clientIndex, Throwable cause) {
        if (cause instanceof IOException) {
            logger.debug("load group {} client {}: connection error: {}", spec.name(), clientIndex, cause.toString());
        } else {
            logger.warn("load group {} client {}: closing a connection after an unexpected error", spec.name(),
                        clientIndex, cause);
        }
    }

    private void checkDone() {
        if (generating || done.isDone()) {
            return;
        }
        final long completedCount = completed.get();
        if (completedCount != issued.get()) {
            return;
        }
        for (ClientRun client : clients) {
            client.loop.execute(client::close);
        }
        if (done.complete(null)) {
            logger.info("load group {}: finished after {} requests", spec.name(), completedCount);
        }
    }
}
