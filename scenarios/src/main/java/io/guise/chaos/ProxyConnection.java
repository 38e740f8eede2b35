package io.guise.chaos;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection through a proxy and its connection to the upstream: an
 * upstream link (client to server) and a downstream link (server to client).
 * Whether each toxic affects this connection is drawn once, from the
 * connection's seed, the toxic's name and its generation, so the same seed and
 * the same order of connections give the same decisions.
 *
 * <p>Not thread-safe: after construction every method runs on the event loop of
 * the client channel, which the upstream channel shares.
 */
final class ProxyConnection {

    private static final Logger logger = LoggerFactory.getLogger(ProxyConnection.class);

    private final ChaosProxy proxy;
    private final long seed;
    private final Channel client;
    private final Link upstream;
    private final Link downstream;
    private Channel server;
    private boolean closed;

    ProxyConnection(ChaosProxy proxy, Channel client, long seed) {
        this.proxy = proxy;
        this.client = client;
        this.seed = seed;
        this.upstream = new Link(this, ToxicStream.UPSTREAM, Mix.mix(seed ^ 0x5555));
        this.downstream = new Link(this, ToxicStream.DOWNSTREAM, Mix.mix(seed ^ 0xAAAA));
    }

    EventLoop eventLoop() {
        return client.eventLoop();
    }

    boolean isClosed() {
        return closed;
    }

    /** Connects to the upstream on the client's event loop; closes the client when that fails. */
    void connect(Bootstrap template, InetSocketAddress upstreamAddress) {
        client.pipeline().addLast(new SideHandler(true));
        template.clone(client.eventLoop())
                .option(ChannelOption.AUTO_READ, false)
                .handler(new SideHandler(false))
                .connect(upstreamAddress)
                .addListener((ChannelFutureListener) future -> {
                    if (!future.isSuccess()) {
                        logger.debug("Proxy {}: connecting to upstream {} failed: {}", proxy.name(), upstreamAddress,
                                future.cause().toString());
                        close(false);
                        return;
                    }
                    server = future.channel();
                    if (closed) {
                        server.close();
                        return;
                    }
                    upstream.bind(client, server);
                    downstream.bind(server, client);
                    applyToxics(proxy.toxics());
                });
    }

    /** Draws which toxics affect this connection and hands each link its own. */
    void applyToxics(List<Toxic> toxics) {
        if (closed || server == null) {
            return;
        }
        final List<Toxic> up = new ArrayList<>();
        final List<Toxic> down = new ArrayList<>();
        for (Toxic toxic : toxics) {
            if (affects(toxic)) {
                (toxic.stream() == ToxicStream.UPSTREAM ? up : down).add(toxic);
            }
        }
        upstream.setToxics(up);
        downstream.setToxics(down);
    }

    /** Returns whether the toxic affects this connection: a draw below its toxicity. */
    boolean affects(Toxic toxic) {
        if (toxic.toxicity() >= 1) {
            return true;
        }
        final long bits = Mix.mix(seed ^ Mix.mix(toxic.name().hashCode()) ^ Mix.mix(toxic.generation() + 1));
        return Mix.unitInterval(bits) < toxic.toxicity();
    }

    /** Closes both sides once what was written has gone out. */
    void closeAfterFlush() {
        if (closed) {
            return;
        }
        closed = true;
        upstream.release();
        downstream.release();
        for (Channel channel : channels()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        proxy.forget(this);
    }

    /** Closes both sides now; with {@code reset}, as a TCP RST. */
    void close(boolean reset) {
        if (closed) {
            return;
        }
        closed = true;
        upstream.release();
        downstream.release();
        for (Channel channel : channels()) {
            if (reset && channel.isActive()) {
                // SO_LINGER 0 makes close() send a TCP RST instead of a FIN.
                channel.config().setOption(ChannelOption.SO_LINGER, 0);
            }
            channel.close();
        }
        proxy.forget(this);
    }

    private List<Channel> channels() {
        return server == null ? List.of(client) : List.of(client, server);
    }

    /** Feeds one side's events into the link it is the source of. */
    private final class SideHandler extends ChannelInboundHandlerAdapter {
        private final boolean clientSide;

        SideHandler(boolean clientSide) {
            this.clientSide = clientSide;
        }

        private Link sourceOf() {
            return clientSide ? upstream : downstream;
        }

        private Link targetOf() {
            return clientSide ? downstream : upstream;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf data) {
                sourceOf().onData(data);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (server == null) {
                close(false);
            } else {
                sourceOf().onSourceEnded();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            targetOf().updateReading();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A reset by either peer is an ordinary end of a proxied connection.
            logger.debug("Proxy {}: connection error: {}", proxy.name(), cause.toString());
            close(false);
        }
    }
}
