package io.guise.load;

import static java.util.Objects.requireNonNull;

import io.netty.channel.EventLoopGroup;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.LongSupplier;

/**
 * Drives HTTP/1.1 load from client groups over real loopback sockets and reports every
 * request's outcome to a {@link LoadObserver}.
 *
 * <p>Open-loop groups schedule each request at its time from the rate and count latency
 * from that scheduled time, not from the send, so time spent waiting for a busy
 * connection counts (the correction for coordinated omission). A client opens another
 * connection when all of its connections are busy, up to its cap, and queues requests
 * beyond that. Closed-loop groups keep a fixed number of connections, each sending its
 * next request when the previous response ends, and count latency from the send. A
 * connection that closes or resets is replaced. Each group stops issuing after its
 * duration and is done when every issued request has an outcome, which takes at most
 * its request timeout longer.
 *
 * <p>Client {@code c} of group {@code g} connects from {@link #sourceAddress(int, int)}
 * so access points can tell the clients apart. All channels run on the event loop
 * group passed in, which must use the NIO transport ({@code NioIoHandler}) and which
 * the caller owns. Thread-safe.
 */
public final class LoadGenerator {

    /** The max groups of one run, because the group index is the second octet of the source address. */
    public static final int MAX_GROUPS = 254;

    private final EventLoopGroup group;
    private final List<ClientGroupSpec> specs;
    private final LoadObserver observer;
    private final LongSupplier nanoClock;

    // Guarded by this.
    private List<GroupRun> runs;
    private CompletableFuture<Void> done;
    private long runStartNanos;

    /**
     * Creates a generator for {@code specs}, which run side by side.
     *
     * @param nanoClock the time source of scheduled, send and end times, such as
     *     {@code System::nanoTime}. Timers still wait on the event loop's own clock
     * @throws IllegalArgumentException when there are no groups, too many, or two share a name
     */
    public LoadGenerator(EventLoopGroup group, List<ClientGroupSpec> specs, LoadObserver observer,
                         LongSupplier nanoClock) {
        this.group = requireNonNull(group, "group");
        this.specs = List.copyOf(requireNonNull(specs, "specs"));
        this.observer = requireNonNull(observer, "observer");
        this.nanoClock = requireNonNull(nanoClock, "nanoClock");
        if (this.specs.isEmpty() || this.specs.size() > MAX_GROUPS) {
            throw new IllegalArgumentException("specs: " + this.specs.size() + " groups (expected: 1-"
                                               + MAX_GROUPS + ")");
        }
        final Set<String> names = new HashSet<>();
        for (ClientGroupSpec spec : this.specs) {
            if (!names.add(spec.name())) {
                throw new IllegalArgumentException("name: " + spec.name()
                                                   + " (expected: a group name used only once in a run)");
            }
        }
    }

    /** Creates a generator on the system's {@code nanoTime}. */
    public LoadGenerator(EventLoopGroup group, List<ClientGroupSpec> specs, LoadObserver observer) {
        this(group, specs, observer, System::nanoTime);
    }

    /**
     * Returns the source address of client {@code clientIndex} in group {@code groupIndex}:
     * {@code 127.(1 + groupIndex).(clientIndex / 250).(1 + clientIndex % 250)}. Linux
     * routes all of 127.0.0.0/8 to the loopback interface, so any of them can be bound.
     * NOTE: macOS configures only 127.0.0.1 by default, so there every connect fails
     * as {@link ErrorKind#CONNECT_FAILED} unless the aliases are added.
     */
    public static InetAddress sourceAddress(int groupIndex, int clientIndex) {
        if (groupIndex < 0 || groupIndex >= MAX_GROUPS) {
            throw new IllegalArgumentException("groupIndex: " + groupIndex + " (expected: 0-" + (MAX_GROUPS - 1)
                                               + ")");
        }
        if (clientIndex < 0 || clientIndex >= ClientGroupSpec.MAX_CLIENTS) {
            throw new IllegalArgumentException("clientIndex: " + clientIndex + " (expected: 0-"
                                               + (ClientGroupSpec.MAX_CLIENTS - 1) + ")");
        }
        final byte[] octets = {127, (byte) (1 + groupIndex), (byte) (clientIndex / 250),
                               (byte) (1 + clientIndex % 250)};
        try {
            return InetAddress.getByAddress(octets);
        } catch (UnknownHostException e) {
            throw new AssertionError("a 4-byte address is always valid", e);
        }
    }

    /**
     * Starts every group and returns a future that completes when all are done.
     *
     * @throws IllegalStateException when already started
     */
    public synchronized CompletableFuture<Void> start() {
        if (done != null) {
            throw new IllegalStateException("load generator: already started (expected: one start per generator)");
        }
        runStartNanos = nanoClock.getAsLong();
        runs = new ArrayList<>();
        for (int g = 0; g < specs.size(); g++) {
            final ClientGroupSpec spec = specs.get(g);
            final List<InetSocketAddress> sources = new ArrayList<>();
            for (int c = 0; c < spec.clients(); c++) {
                // NOTE: an IPv6 target gets no bound source, so clients of such a group share ::1.
                sources.add(spec.target().getAddress() instanceof Inet4Address
                            ? new InetSocketAddress(sourceAddress(g, c), 0) : null);
            }
            runs.add(new GroupRun(spec, sources, observer, nanoClock, runStartNanos, group.next(), group));
        }
        runs.forEach(GroupRun::start);
        done = CompletableFuture.allOf(runs.stream().map(run -> run.done).toArray(CompletableFuture[]::new));
        return done;
    }

    /**
     * Starts the run and waits until it is done.
     *
     * @throws IllegalStateException when already started
     */
    public void run() throws InterruptedException {
        try {
            start().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("load run failed", e.getCause());
        }
    }

    /** Stops issuing new requests in every group. Requests already issued still complete or time out. */
    public synchronized void stop() {
        if (runs != null) {
            runs.forEach(GroupRun::stopGenerating);
        }
    }

    /**
     * Returns the clock value at {@link #start()}, to which all result times are relative.
     *
     * @throws IllegalStateException when not started
     */
    public synchronized long runStartNanos() {
        if (done == null) {
            throw new IllegalStateException("load generator: not started (expected: start() first)");
        }
        return runStartNanos;
    }
}
