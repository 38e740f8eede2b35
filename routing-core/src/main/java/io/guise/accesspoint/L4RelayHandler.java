package io.guise.accesspoint;

import io.guise.fault.FaultProfile;
import io.guise.fault.SplitMix64;
import io.guise.metrics.PersonaStats;
import io.guise.metrics.RequestOutcome;
import io.guise.metrics.ShapingStats;
import io.guise.routing.PersonaRoute;
import io.guise.routing.RouteKey;
import io.guise.routing.RoutingTable;
import io.guise.routing.UpstreamTarget;
import io.guise.shaping.AdmissionController;
import io.guise.shaping.TokenBucket;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays one client TCP connection to an endpoint of its persona.
 *
 * <p>On accept it finds the persona and applies shaping: the rate limit, the subset
 * budget and the access point's admission limit, whose slots the connection keeps
 * until it closes. A connection over a limit is closed before any upstream
 * connect, and one that waits for an admission slot is not read meanwhile. Once
 * admitted it waits the simulated latency, then either fails
 * the connection on purpose (reset or close, one draw per connection) or connects
 * to a picked endpoint and copies bytes both ways. Backpressure: each side reads
 * again only after its last read was written to the other side, so neither side
 * buffers more than one read. Not shareable; runs on the client connection's event
 * loop, which also owns the upstream connection.
 */
final class L4RelayHandler extends ChannelInboundHandlerAdapter {

    private static final Logger logger = LoggerFactory.getLogger(L4RelayHandler.class);

    private final AccessPointContext context;
    private final RouteKey key;
    private final SplitMix64 random;
    private Channel clientChannel;
    private Channel upstream;
    // Half-close bookkeeping, touched only on the event loop: each flag is set when that
    // side sent FIN, and the relay closes both connections once both have.
    private boolean clientInputShutdown;
    private boolean upstreamInputShutdown;
    // Shaping state of the connection, touched only on the event loop: the budgeted subset whose
    // slot it took, whether it took an admission slot, and its place in the admission queue.
    private String heldSubset;
    private boolean holdsAdmission;
    private QueuedConnection queuedConnection;

    L4RelayHandler(AccessPointContext context, RouteKey key, SplitMix64 random) {
        this.context = context;
        this.key = key;
        this.random = random;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        clientChannel = ctx.channel();
        final PersonaRoute route = context.routing().current().route(key);
        if (route == null) {
            context.metrics().countNoPersona("l4");
            logger.debug("Access point {}: no persona for destination {}; closing {}", context.accessPointId(), key,
                         ctx.channel());
            ctx.close();
            return;
        }

        final PersonaStats stats = route.stats(false);
        final ShapingStats shaping = context.metrics().shaping(route.id());
        final TokenBucket bucket = context.rateLimiters().bucketFor(route.persona());
        if (bucket != null && bucket.tryAcquire() > 0) {
            shaping.count(ShapingStats.Decision.RATE_LIMITED);
            stats.count(RequestOutcome.RATE_LIMITED);
            logger.debug("Access point {}: persona {} is over its rate limit; closing {}", context.accessPointId(),
                         route.id(), ctx.channel());
            ctx.close();
            return;
        }
        final RoutingTable table = context.routing().current();
        final String subset = table.budgetedSubset(key);
        if (subset != null) {
            final int budget = table.subsetBudget(key);
            if (!context.subsetBudgets().tryAcquire(subset, budget)) {
                shed(ctx, route, stats, shaping, "subset " + subset + " has all " + budget
                                                 + " of its concurrent connections open");
                return;
            }
            heldSubset = subset;
        }

        final AdmissionController admission = context.admission();
        if (admission == null) {
            shaping.count(ShapingStats.Decision.ADMITTED);
            admitted(ctx, route, stats);
        } else {
            final QueuedConnection waiter = new QueuedConnection(ctx, route, stats, shaping);
            switch (admission.acquire(route.priority(), waiter)) {
                case ADMITTED -> {
                    holdsAdmission = true;
                    shaping.count(ShapingStats.Decision.ADMITTED);
                    admitted(ctx, route, stats);
                }
                case QUEUED -> {
                    shaping.count(ShapingStats.Decision.QUEUED);
                    queuedConnection = waiter;
                }
                case SHED -> {
                    shed(ctx, route, stats, shaping, "every admission slot and queue place is taken by"
                                                     + " connections or requests of priority >= "
                                                     + route.priority());
                    return;
                }
            }
        }
        ctx.fireChannelActive();
    }

    /** Closes a connection over a shaping limit; channelInactive frees the slots it took. */
    private void shed(ChannelHandlerContext ctx, PersonaRoute route, PersonaStats stats, ShapingStats shaping,
                      String why) {
        shaping.count(ShapingStats.Decision.SHED);
        stats.count(RequestOutcome.SHED);
        logger.debug("Access point {}: shed {} of persona {}: {}", context.accessPointId(), ctx.channel(), route.id(),
                     why);
        ctx.close();
    }

    /** Frees the subset and admission slots of this connection; safe to call more than once. */
    private void releaseShaping() {
        if (heldSubset != null) {
            context.subsetBudgets().release(heldSubset);
            heldSubset = null;
        }
        if (holdsAdmission) {
            holdsAdmission = false;
            context.admission().release();
        }
    }

    /** Continues a connection that passed shaping: draws its faults and opens the upstream connection. */
    private void admitted(ChannelHandlerContext ctx, PersonaRoute route, PersonaStats stats) {
        final FaultProfile faults = route.faults();
        final long delayNanos = faults.drawDelayNanos(random);
        final boolean fail = faults.drawError(random);
        if (delayNanos <= 0) {
            openUpstream(ctx, route, stats, fail);
        } else {
            stats.countInjectedLatency();
            ctx.executor().schedule(() -> openUpstream(ctx, route, stats, fail), delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void openUpstream(ChannelHandlerContext ctx, PersonaRoute route, PersonaStats stats, boolean fail) {
        final Channel client = ctx.channel();
        if (!client.isActive()) {
            return;
        }
        if (fail) {
            stats.countInjectedError();
            stats.count(RequestOutcome.INJECTED_ERROR);
            if (route.faults().l4ErrorAction() == FaultProfile.L4ErrorAction.RESET) {
                // SO_LINGER 0 makes close() send a TCP RST instead of a FIN.
                client.config().setOption(ChannelOption.SO_LINGER, 0);
            }
            client.close();
            return;
        }
        final UpstreamTarget target = route.pick(random);
        if (target == null) {
            stats.count(RequestOutcome.NO_ENDPOINT);
            client.close();
            return;
        }
        if (route.pool().panic()) {
            stats.countPanicPick();
        }
        final long startNanos = System.nanoTime();
        target.dispatched();
        final Bootstrap bootstrap = new Bootstrap()
                .group(client.eventLoop())
                .channel(context.transport().channelType())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, context.upstream().connectTimeoutMillis())
                .handler(new Backend());
        bootstrap.connect(target.address()).addListener((ChannelFuture future) -> {
            if (!future.isSuccess()) {
                target.completed();
                target.stats().recordFailure();
                target.health().recordFailure();
                stats.count(RequestOutcome.UPSTREAM_ERROR);
                logger.debug("Access point {}: connect to endpoint {} failed: {}", context.accessPointId(), target,
                             future.cause().toString());
                client.close();
                return;
            }
            upstream = future.channel();
            context.channels().add(upstream);
            // For P2C the connection is outstanding while it is open, and its connect time is the latency.
            upstream.closeFuture().addListener(closed -> target.completed());
            final long connectNanos = System.nanoTime() - startNanos;
            target.recordLatency(connectNanos);
            target.stats().recordResponse(connectNanos, false);
            target.health().recordSuccess();
            stats.count(RequestOutcome.FORWARDED);
            if (!client.isActive()) {
                upstream.close();
                return;
            }
            client.read();
            upstream.read();
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (upstream == null || !upstream.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        forward(msg, upstream, ctx.channel());
    }

    /** Writes one read to {@code target} and reads from {@code source} again once it is written. */
    private static void forward(Object msg, Channel target, Channel source) {
        target.writeAndFlush(msg).addListener((ChannelFuture future) -> {
            if (future.isSuccess()) {
                source.read();
            } else {
                target.close();
                source.close();
            }
        });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
            // The client sent FIN: pass it on once earlier writes are out, and keep relaying the other way.
            clientInputShutdown = true;
            if (upstream == null) {
                ctx.close();
            } else {
                shutdownOutputAfterFlush(upstream, ctx.channel());
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (queuedConnection != null) {
            // When the waiter was already admitted or shed, its callback frees what it took.
            context.admission().cancel(queuedConnection);
            queuedConnection = null;
        }
        releaseShaping();
        if (upstream != null) {
            closeOnFlush(upstream);
        }
        ctx.fireChannelInactive();
    }

    /** Half-closes {@code target} after its pending writes; closes both once both sides sent FIN. */
    private void shutdownOutputAfterFlush(Channel target, Channel other) {
        target.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFuture future) -> {
            if (!future.isSuccess() || (clientInputShutdown && upstreamInputShutdown)) {
                target.close();
                other.close();
            } else if (target instanceof DuplexChannel) {
                ((DuplexChannel) target).shutdownOutput();
            } else {
                target.close();
            }
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        logger.debug("Client connection {} failed", ctx.channel(), cause);
        closeOnFlush(ctx.channel());
    }

    private static void closeOnFlush(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * A connection waiting in the admission queue. The controller calls it on the
     * thread that freed a slot or shed it; both callbacks hand the work to this
     * connection's event loop.
     */
    private final class QueuedConnection implements AdmissionController.Waiter {

        private final ChannelHandlerContext ctx;
        private final PersonaRoute route;
        private final PersonaStats stats;
        private final ShapingStats shaping;

        QueuedConnection(ChannelHandlerContext ctx, PersonaRoute route, PersonaStats stats, ShapingStats shaping) {
            this.ctx = ctx;
            this.route = route;
            this.stats = stats;
            this.shaping = shaping;
        }

        @Override
        public void admitted() {
            ctx.executor().execute(() -> {
                if (queuedConnection == this) {
                    queuedConnection = null;
                }
                holdsAdmission = true;
                if (!ctx.channel().isActive()) {
                    releaseShaping();
                    return;
                }
                L4RelayHandler.this.admitted(ctx, route, stats);
            });
        }

        @Override
        public void shed() {
            ctx.executor().execute(() -> {
                if (queuedConnection == this) {
                    queuedConnection = null;
                }
                if (!ctx.channel().isActive()) {
                    releaseShaping();
                    return;
                }
                L4RelayHandler.this.shed(ctx, route, stats, shaping,
                                         "a connection or request of higher priority took this one's place in the"
                                         + " admission queue");
            });
        }
    }

    /** The endpoint side of the relay; shares the relay's event loop and state. */
    private final class Backend extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent) {
                upstreamInputShutdown = true;
                shutdownOutputAfterFlush(clientChannel, ctx.channel());
                return;
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            forward(msg, clientChannel, ctx.channel());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeOnFlush(clientChannel);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            logger.debug("Upstream connection {} failed", ctx.channel(), cause);
            closeOnFlush(ctx.channel());
        }
    }
}
