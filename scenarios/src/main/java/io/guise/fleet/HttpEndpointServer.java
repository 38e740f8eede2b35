package io.guise.fleet;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
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
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal HTTP/1.1 endpoint that responds to every request with {@code 200} and its
 * id as the body, for trying out an access point and as the base of test fleets.
 * Thread-safe; keep-alive is honoured.
 */
public final class HttpEndpointServer implements AutoCloseable {

    /** Maximum request line length accepted, in bytes. */
    private static final int MAX_INITIAL_LINE_BYTES = 8192;
    /** Largest header block accepted, in bytes; the access point forwards up to 16 KiB of headers. */
    private static final int MAX_HEADER_BYTES = 64 * 1024;

    /** Response header that names the endpoint that responded. */
    public static final AsciiString ENDPOINT_ID = AsciiString.cached("x-endpoint-id");

    private final String id;
    private final EventLoopGroup group;
    private final Channel channel;
    private final AtomicLong requests;

    private HttpEndpointServer(String id, EventLoopGroup group, Channel channel, AtomicLong requests) {
        this.id = id;
        this.group = group;
        this.channel = channel;
        this.requests = requests;
    }

    /** Binds {@code address} (port 0 picks a free port) and starts serving. */
    public static HttpEndpointServer start(String id, InetSocketAddress address) throws InterruptedException {
        requireNonNull(id, "id");
        requireNonNull(address, "address");
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        final AtomicLong requests = new AtomicLong();
        final Responder responder = new Responder(id, requests);
        try {
            final Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(MAX_INITIAL_LINE_BYTES, MAX_HEADER_BYTES,
                                                                      8192),
                                                  new HttpObjectAggregator(1 << 20), responder);
                        }
                    })
                    .bind(address).sync().channel();
            return new HttpEndpointServer(id, group, channel, requests);
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public String id() {
        return id;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Returns how many requests this endpoint has served. */
    public long requestCount() {
        return requests.get();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    @Sharable
    private static final class Responder extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final String id;
        private final byte[] body;
        private final AtomicLong requests;

        Responder(String id, AtomicLong requests) {
            this.id = id;
            this.body = (id + "\n").getBytes(StandardCharsets.UTF_8);
            this.requests = requests;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            requests.incrementAndGet();
            if (request.decoderResult().isFailure()) {
                // The decoder discards the rest of the connection after a failure, so respond and close.
                final byte[] reason = ("malformed request: " + request.decoderResult().cause().getMessage() + "\n")
                        .getBytes(StandardCharsets.UTF_8);
                final FullHttpResponse rejected = new DefaultFullHttpResponse(
                        request.protocolVersion(), HttpResponseStatus.BAD_REQUEST, Unpooled.wrappedBuffer(reason));
                rejected.headers()
                        .set(HttpHeaderNames.CONTENT_LENGTH, reason.length)
                        .set(HttpHeaderNames.CONNECTION, "close")
                        .set(ENDPOINT_ID, id);
                ctx.writeAndFlush(rejected).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            final ByteBuf content = Unpooled.wrappedBuffer(body);
            final FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
                                                                          HttpResponseStatus.OK, content);
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                    .set(ENDPOINT_ID, id);
            final boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            final var written = ctx.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
