package io.guise.accesspoint;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a pooled upstream connection: hands each aggregated response
 * to the exchange in flight and reports a connection that closes under one.
 * Not shareable; runs on the pool's event loop.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    private static final Logger logger = LoggerFactory.getLogger(UpstreamHandler.class);

    /** The receiver of one upstream response. */
    interface Exchange {
        void onResponse(FullHttpResponse response);

        /** Called when the connection closes or fails before the response arrived. */
        void onFailure(Throwable cause);
    }

    private final UpstreamConnectionPool pool;
    private Exchange exchange;
    private boolean used;

    UpstreamHandler(UpstreamConnectionPool pool) {
        this.pool = pool;
    }

    /** Starts an exchange; returns whether this connection served an exchange before. */
    boolean begin(Exchange next) {
        final boolean reused = used;
        exchange = next;
        used = true;
        return reused;
    }

    /** Drops the exchange in flight without telling it, for a timeout that closes the connection. */
    void abandon() {
        exchange = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        final Exchange current = exchange;
        exchange = null;
        if (!(msg instanceof FullHttpResponse) || current == null) {
            // A response with no exchange waiting (after a timeout) or a stray object: drop it with the connection.
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        current.onResponse((FullHttpResponse) msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pool.remove(ctx.channel());
        final Exchange current = exchange;
        exchange = null;
        if (current != null) {
            current.onFailure(new UpstreamClosedException("endpoint closed the connection before responding"));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        logger.debug("Upstream connection {} failed", ctx.channel(), cause);
        final Exchange current = exchange;
        exchange = null;
        ctx.close();
        if (current != null) {
            current.onFailure(cause);
        }
    }

    /** The endpoint closed a connection while a request was in flight. */
    static final class UpstreamClosedException extends Exception {
        UpstreamClosedException(String message) {
            super(message, null, false, false);
        }
    }
}
