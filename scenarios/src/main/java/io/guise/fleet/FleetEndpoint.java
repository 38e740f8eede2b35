package io.guise.fleet;

import static java.util.Objects.requireNonNull;

import io.guise.fault.SplitMix64;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP/1.1 keep-alive endpoint on a loopback address whose latency, error rate and
 * body size follow a {@link Behaviour} that can change while it runs. It can be killed
 * (listener and every open connection reset) and restarted on the same port, to play
 * endpoint failures in a scenario.
 *
 * <p>Thread-safe. The behaviour is an immutable value published by a volatile write
 * and read once per request. {@link #kill()}, {@link #restart()} and {@link #close()}
 * serialize on this object. The seeded random source is shared by all connections
 * under its own lock, so the same seed gives the same sequence of latencies and error
 * decisions in the order requests arrive. Responses wait on a timer of the
 * connection's event loop, so a slow response does not hold up the thread.
 */
public final class FleetEndpoint implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(FleetEndpoint.class);

    private static final int MAX_REQUEST_BYTES = 1 << 20;

    private final String id;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final SplitMix64 random;
    private final AtomicLong requests = new AtomicLong();
    // System.nanoTime() when the last request arrived; -1 before the first.
    private volatile long lastRequestNanos = -1;
    private final Set<InetAddress> remoteAddresses = ConcurrentHashMap.newKeySet();
    private final InetSocketAddress address;
    private volatile Profile profile;
    /** False from the start of {@link #kill()} until {@link #restart()}, so a connection accepted meanwhile is reset. */
    private volatile boolean accepting = true;

    // Guarded by this.
    private Channel listener;
    private boolean closed;

    private FleetEndpoint(String id, EventLoopGroup group, boolean ownsGroup, Behaviour behaviour, long seed,
                          InetSocketAddress requested) throws InterruptedException {
        this.id = id;
        this.group = group;
        this.ownsGroup = ownsGroup;
        this.random = new SplitMix64(seed);
        this.profile = new Profile(behaviour);
        this.listener = bind(requested);
        this.address = (InetSocketAddress) listener.localAddress();
    }

    /**
     * Starts an endpoint on {@code address} (port 0 picks a free port) with its own
     * one-thread event loop group, which {@link #close()} shuts down.
     *
     * @throws IllegalArgumentException when {@code address} is not a loopback address
     */
    public static FleetEndpoint start(String id, InetSocketAddress address, Behaviour behaviour, long seed)
            throws InterruptedException {
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            return start(id, address, behaviour, seed, group, true);
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * Starts an endpoint on {@code address} (port 0 picks a free port) whose channels
     * run on {@code group}, which must use the NIO transport ({@code NioIoHandler}). The
     * caller owns the group and shuts it down after closing every endpoint on it.
     *
     * @throws IllegalArgumentException when {@code address} is not a loopback address
     */
    public static FleetEndpoint start(String id, InetSocketAddress address, Behaviour behaviour, long seed,
                                      EventLoopGroup group) throws InterruptedException {
        return start(id, address, behaviour, seed, group, false);
    }

    private static FleetEndpoint start(String id, InetSocketAddress address, Behaviour behaviour, long seed,
                                       EventLoopGroup group, boolean ownsGroup) throws InterruptedException {
        requireNonNull(id, "id");
        requireNonNull(address, "address");
        requireNonNull(behaviour, "behaviour");
        requireNonNull(group, "group");
        if (address.isUnresolved() || !address.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("address: " + address
                                               + " (expected: a loopback address in 127.0.0.0/8 or ::1)");
        }
        final FleetEndpoint endpoint = new FleetEndpoint(id, group, ownsGroup, behaviour, seed, address);
        logger.info("endpoint {}: listening on {}", id, endpoint.address);
        return endpoint;
    }

    public String id() {
        return id;
    }

    /** Returns the bound address, which a restart binds again with the same port. */
    public InetSocketAddress address() {
        return address;
    }

    /** Returns the current behaviour. */
    public Behaviour behaviour() {
        return profile.behaviour;
    }

    /** Replaces the behaviour for requests that arrive afterwards. Responses already waiting keep the old one. */
    public void setBehaviour(Behaviour behaviour) {
        requireNonNull(behaviour, "behaviour");
        profile = new Profile(behaviour);
        logger.info("endpoint {}: behaviour changed to {}", id, behaviour);
    }

    /** Returns the {@link System#nanoTime()} at which the last request arrived, or -1 before the first. */
    public long lastRequestNanos() {
        return lastRequestNanos;
    }

    /** Returns how many requests this endpoint has received since it started, across restarts. */
    public long requestCount() {
        return requests.get();
    }

    /**
     * Returns the distinct client addresses that have sent requests. The set grows with
     * each new client address and is never trimmed.
     */
    public Set<InetAddress> remoteAddresses() {
        return Set.copyOf(remoteAddresses);
    }

    /** Returns true while the listener accepts connections. */
    public synchronized boolean isUp() {
        return listener != null && listener.isOpen();
    }

    /**
     * Closes the listener and resets every open connection (SO_LINGER 0), so new
     * connections are refused and clients with open connections see a reset. Responses
     * still waiting for their latency are dropped. Does nothing when already down. Blocks
     * until the channels are closed, so do not call it from an event loop thread.
     */
    public synchronized void kill() {
        if (listener == null) {
            return;
        }
        accepting = false;
        listener.close().awaitUninterruptibly();
        listener = null;
        awaitListenerGone();
        final int open = connections.size();
        for (Channel connection : connections) {
            setLingerZero(connection);
        }
        connections.close().awaitUninterruptibly();
        logger.info("endpoint {}: killed, reset {} connections", id, open);
    }

    /**
     * Binds the same address and port again after {@link #kill()}. Does nothing when
     * already up.
     *
     * @throws IllegalStateException when the endpoint is closed
     * @throws io.netty.channel.ChannelException or another exception of the bind when the port is taken
     */
    public synchronized void restart() throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("endpoint " + id + ": closed (expected: a running or killed endpoint)");
        }
        if (listener != null) {
            return;
        }
        accepting = true;
        listener = bind(address);
        logger.info("endpoint {}: restarted on {}", id, address);
    }

    /**
     * Waits until a connect to the address is refused. JDK 17 NIO closes a listening
     * socket that is registered with a selector only when that selector next runs, so
     * connects can still succeed for a moment after Netty's close future completes.
     * A probe that gets through is reset, and the wait gives up after one second.
     */
    private void awaitListenerGone() {
        final long deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (System.nanoTime() < deadlineNanos) {
            try (Socket probe = new Socket()) {
                probe.setSoLinger(true, 0);
                probe.connect(address, 100);
            } catch (ConnectException e) {
                return;
            } catch (IOException e) {
                logger.debug("endpoint {}: probe after kill failed: {}", id, e.toString());
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        logger.warn("endpoint {}: {} still accepted connections 1 s after kill", id, address);
    }

    /** Kills the endpoint for good and shuts down its event loop group if it owns one. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        kill();
        closed = true;
        if (ownsGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    @Override
    public String toString() {
        return "FleetEndpoint{id=" + id + ", address=" + address + '}';
    }

    private Channel bind(InetSocketAddress bindAddress) throws InterruptedException {
        return new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        // kill() sets the flag before it walks the group, so each new channel meets one of the two.
                        if (!accepting) {
                            setLingerZero(ch);
                            ch.close();
                            return;
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST_BYTES),
                                              new Responder());
                    }
                })
                .bind(bindAddress).sync().channel();
    }

    /** Makes the next close of {@code connection} send a reset instead of a FIN. */
    private static void setLingerZero(Channel connection) {
        try {
            connection.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (ChannelException e) {
            // The peer closed the connection meanwhile, so there is nothing left to reset.
            logger.debug("connection {} closed before SO_LINGER could be set: {}", connection, e.toString());
        }
    }

    /** Draws the latency and status of one request under the generator's lock. */
    private Decision decide(Behaviour behaviour) {
        synchronized (random) {
            final long delayNanos = behaviour.latency().sampleNanos(random);
            HttpResponseStatus status = HttpResponseStatus.OK;
            if (behaviour.errorRatePercent() > 0 && random.nextDouble() * 100.0 < behaviour.errorRatePercent()) {
                final var codes = behaviour.errorStatusCodes();
                status = HttpResponseStatus.valueOf(codes.get((int) random.nextLong(codes.size())));
            }
            return new Decision(delayNanos, status);
        }
    }

    private record Decision(long delayNanos, HttpResponseStatus status) {
    }

    /** A behaviour with its response body, built once per {@link #setBehaviour} call. */
    private static final class Profile {
        final Behaviour behaviour;
        final byte[] body;

        Profile(Behaviour behaviour) {
            this.behaviour = behaviour;
            this.body = new byte[behaviour.responseSizeBytes()];
            Arrays.fill(body, (byte) 'x');
        }
    }

    /**
     * Responds to each request of one connection after its sampled latency. Responses
     * leave in request order even for pipelined requests, because each is due no
     * earlier than the one before it. Runs on the connection's event loop only.
     */
    private final class Responder extends SimpleChannelInboundHandler<FullHttpRequest> {
        private long lastDueNanos;

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            final var remote = (InetSocketAddress) ctx.channel().remoteAddress();
            if (remote != null) {
                remoteAddresses.add(remote.getAddress());
            }
            super.channelActive(ctx);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            requests.incrementAndGet();
            lastRequestNanos = System.nanoTime();
            final Profile current = profile;
            final Decision decision = decide(current.behaviour);
            final boolean keepAlive = HttpUtil.isKeepAlive(request);
            final HttpVersion version = request.protocolVersion();

            final long now = System.nanoTime();
            final long dueNanos = Math.max(now + decision.delayNanos(), lastDueNanos);
            lastDueNanos = dueNanos;
            final long delayNanos = dueNanos - now;
            if (delayNanos <= 0) {
                respond(ctx, version, keepAlive, decision.status(), current.body);
            } else {
                ctx.executor().schedule(() -> respond(ctx, version, keepAlive, decision.status(), current.body),
                                        delayNanos, TimeUnit.NANOSECONDS);
            }
        }

        private void respond(ChannelHandlerContext ctx, HttpVersion version, boolean keepAlive,
                             HttpResponseStatus status, byte[] body) {
            if (!ctx.channel().isActive()) {
                return;
            }
            // The body array is never written after construction, so responses can share it.
            final FullHttpResponse response = new DefaultFullHttpResponse(version, status,
                                                                          Unpooled.wrappedBuffer(body));
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream")
                    .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                    .set(HttpEndpointServer.ENDPOINT_ID, id);
            HttpUtil.setKeepAlive(response, keepAlive);
            final var written = ctx.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            logger.debug("endpoint {}: closing connection from {} after an error", id,
                         ctx.channel().remoteAddress(), cause);
            ctx.close();
        }
    }
}
