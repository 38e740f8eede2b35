package io.guise.load;

import io.guise.fault.SplitMix64;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One virtual client: its source address, its connections and the requests waiting
 * for a free connection. Every method runs on {@link #loop}, which also carries all
 * of the client's channels, so the state needs no locks.
 */
final class ClientRun {

    /** The wait before a closed-loop connection that failed is replaced, so a dead target is not hammered. */
    static final long CLOSED_LOOP_RECONNECT_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    final GroupRun group;
    final int index;
    /** The local address to bind, or null when the target is IPv6 and the kernel picks one. */
    final InetSocketAddress source;
    final EventLoop loop;

    private final List<ClientConnection> connections = new ArrayList<>();
    private final ArrayDeque<PendingRequest> queue = new ArrayDeque<>();
    private boolean closed;

    ClientRun(GroupRun group, int index, InetSocketAddress source, EventLoop loop) {
        this.group = group;
        this.index = index;
        this.source = source;
        this.loop = loop;
    }

    /** Takes an open-loop request: an idle connection sends it, else a new connection, else it waits. */
    void submit(PendingRequest request) {
        armTimeout(request);
        if (closed) {
            fail(request, ErrorKind.RESET);
            return;
        }
        for (ClientConnection connection : connections) {
            if (connection.isIdle()) {
                connection.send(request);
                return;
            }
        }
        if (connections.size() < group.spec.maxConnectionsPerClient()) {
            open(null).connect(request);
            return;
        }
        queue.add(request);
    }

    /** Opens one closed-loop connection that sends its first request once connected. */
    void startClosedLoop(SplitMix64 slotRandom) {
        if (closed || !group.tryIssue()) {
            return;
        }
        final PendingRequest request = group.newRequest(slotRandom, group.now());
        armTimeout(request);
        open(slotRandom).connect(request);
    }

    /** Gives the connection its next request after a response, or closes it when the run is over. */
    void onIdle(ClientConnection connection) {
        if (closed) {
            connection.close();
            return;
        }
        if (connection.slotRandom != null) {
            if (!group.tryIssue()) {
                connection.close();
                return;
            }
            final PendingRequest request = group.newRequest(connection.slotRandom, group.now());
            armTimeout(request);
            connection.send(request);
            return;
        }
        final PendingRequest next = queue.poll();
        if (next != null) {
            connection.send(next);
        }
    }

    /** Forgets a closed connection and replaces it when requests wait or a closed-loop slot needs one. */
    void onLost(ClientConnection connection) {
        connections.remove(connection);
        if (closed) {
            return;
        }
        if (connection.slotRandom != null) {
            final SplitMix64 slotRandom = connection.slotRandom;
            loop.schedule(() -> startClosedLoop(slotRandom), CLOSED_LOOP_RECONNECT_DELAY_NANOS,
                          TimeUnit.NANOSECONDS);
            return;
        }
        final PendingRequest next = queue.poll();
        if (next != null) {
            open(null).connect(next);
        }
    }

    void succeed(PendingRequest request, int status, String persona, String endpoint, boolean injected) {
        complete(request, status, null, persona, endpoint, injected);
    }

    void fail(PendingRequest request, ErrorKind error) {
        complete(request, 0, error, null, null, false);
    }

    /** Closes every connection at the end of the run. Nothing is sent afterwards. */
    void close() {
        closed = true;
        for (ClientConnection connection : new ArrayList<>(connections)) {
            connection.close();
        }
    }

    private ClientConnection open(SplitMix64 slotRandom) {
        final ClientConnection connection = new ClientConnection(this, slotRandom);
        connections.add(connection);
        return connection;
    }

    private void armTimeout(PendingRequest request) {
        final long deadlineNanos = request.intendedNanos + group.spec.requestTimeout().toNanos();
        request.timeout = loop.schedule(() -> onTimeout(request), deadlineNanos - group.now(),
                                        TimeUnit.NANOSECONDS);
    }

    private void onTimeout(PendingRequest request) {
        if (request.done) {
            return;
        }
        final ClientConnection connection = request.connection;
        if (connection == null) {
            queue.remove(request);
        } else {
            // HTTP/1.1 cannot cancel one request, so the connection goes and a new one serves the queue.
            connection.abandon();
        }
        fail(request, ErrorKind.TIMEOUT);
    }

    private void complete(PendingRequest request, int status, ErrorKind error, String persona, String endpoint,
                          boolean injected) {
        if (request.done) {
            return;
        }
        request.done = true;
        request.connection = null;
        if (request.timeout != null) {
            request.timeout.cancel(false);
        }
        final long start = group.runStartNanos;
        final long actual = request.actualNanos == RequestResult.NOT_SENT
                ? RequestResult.NOT_SENT : request.actualNanos - start;
        group.complete(new RequestResult(group.spec.name(), index, request.intendedNanos - start, actual,
                                         group.now() - start, status, error, persona, endpoint, injected));
    }
}
