package io.guise.accesspoint;

import io.guise.health.ActiveHealthChecker;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Runs active health checks over real connections: a TCP connect, or an HTTP/1.1
 * GET with {@code Connection: close} whose response status must match. Each
 * check uses a new connection and closes it when its result is known.
 *
 * <p>Every connection, timer and result callback runs on the one event loop given
 * at construction, which is also the checker's thread.
 */
final class NettyHealthProbe implements ActiveHealthChecker.Probe {

    private final EventLoop eventLoop;
    private final Transport transport;

    NettyHealthProbe(EventLoop eventLoop, Transport transport) {
        this.eventLoop = eventLoop;
        this.transport = transport;
    }

    @Override
    public void check(InetSocketAddress address, ActiveHealthChecker.Settings settings,
                      ActiveHealthChecker.Result done) {
        final Check check = new Check(settings, done);
        final boolean http = settings.type() == ActiveHealthChecker.Type.HTTP;
        final Bootstrap bootstrap = new Bootstrap()
                .group(eventLoop)
                .channel(transport.channelType())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                                                                            settings.timeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (http) {
                            ch.pipeline().addLast(new HttpClientCodec(), check);
                        }
                    }
                });
        check.timeout = eventLoop.schedule(() -> check.finish(false), settings.timeout().toMillis(),
                                           TimeUnit.MILLISECONDS);
        bootstrap.connect(address).addListener((ChannelFuture future) -> {
            if (!future.isSuccess()) {
                check.finish(false);
                return;
            }
            check.channel = future.channel();
            if (check.finished) {
                future.channel().close();
            } else if (http) {
                future.channel().writeAndFlush(request(address, settings.path()));
            } else {
                check.finish(true);
            }
        });
    }

    private static FullHttpRequest request(InetSocketAddress address, String path) {
        final FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
        final String host = address.getAddress().getHostAddress();
        request.headers()
                .set(HttpHeaderNames.HOST, (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set(HttpHeaderNames.USER_AGENT, "guise-health-check")
                .set(HttpHeaderNames.CONTENT_LENGTH, 0);
        return request;
    }

    /** One check: its connection, its timer and the handler that reads the status line. */
    private static final class Check extends ChannelInboundHandlerAdapter {
        private final ActiveHealthChecker.Settings settings;
        private final ActiveHealthChecker.Result done;
        private ScheduledFuture<?> timeout;
        private Channel channel;
        private boolean finished;

        Check(ActiveHealthChecker.Settings settings, ActiveHealthChecker.Result done) {
            this.settings = settings;
            this.done = done;
        }

        void finish(boolean passed) {
            if (finished) {
                return;
            }
            finished = true;
            timeout.cancel(false);
            if (channel != null) {
                channel.close();
            }
            done.completed(passed);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpResponse response) {
                    finish(response.status().code() == settings.expectedStatus());
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finish(false);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finish(false);
        }
    }
}
