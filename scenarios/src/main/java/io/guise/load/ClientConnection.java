package io.guise.load;

import io.guise.accesspoint.GuiseHeaders;
import io.guise.fault.SplitMix64;
import io.guise.fleet.HttpEndpointServer;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.ConnectException;
import java.net.InetSocketAddress;

/**
 * One keep-alive HTTP/1.1 connection of a client, carrying one request at a time.
 * Response bodies are counted off as they stream in and never buffered. Runs on the
 * client's event loop only.
 */
final class ClientConnection extends SimpleChannelInboundHandler<HttpObject> {

    private final ClientRun client;
    /** The random source of a closed-loop connection's request mix, or null in an open loop. */
    final SplitMix64 slotRandom;

    private Channel channel;
    private boolean connected;
    private boolean closing;
    private boolean lost;
    private PendingRequest current;

    private int status;
    private String persona;
    private String endpoint;
    private boolean injected;
    private boolean keepAlive;

    ClientConnection(ClientRun client, SplitMix64 slotRandom) {
        this.client = client;
        this.slotRandom = slotRandom;
    }

    boolean isIdle() {
        return connected && !closing && current == null && channel.isActive();
    }

    /** Connects and sends {@code request} as the first request. */
    void connect(PendingRequest request) {
        assign(request);
        final GroupRun group = client.group;
        final ClientConnection handler = this;
        final Bootstrap bootstrap = new Bootstrap()
                .group(client.loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, group.spec.requestTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        final SslContext tls = group.spec.tls();
                        if (tls != null) {
                            final InetSocketAddress target = group.spec.target();
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), target.getHostString(),
                                                                 target.getPort()));
                        }
                        ch.pipeline().addLast(new HttpClientCodec(), handler);
                    }
                });
        final InetSocketAddress target = group.spec.target();
        final ChannelFuture connecting = client.source == null
                ? bootstrap.connect(target) : bootstrap.connect(target, client.source);
        channel = connecting.channel();
        connecting.addListener(future -> {
            if (future.isSuccess()) {
                connected = true;
                if (closing) {
                    channel.close();
                    return;
                }
                if (current != null) {
                    write(current);
                } else {
                    client.onIdle(this);
                }
                return;
            }
            final PendingRequest failed = current;
            current = null;
            if (failed != null) {
                final ErrorKind kind = future.cause() instanceof ConnectException
                                       && String.valueOf(future.cause().getMessage()).contains("refused")
                        ? ErrorKind.CONNECT_REFUSED : ErrorKind.CONNECT_FAILED;
                group.logConnectFailure(client.index, future.cause());
                client.fail(failed, kind);
            }
            markLost();
        });
    }

    /** Sends {@code request} on this idle connection. */
    void send(PendingRequest request) {
        assign(request);
        write(request);
    }

    /** Drops the current request without an outcome and closes the connection. */
    void abandon() {
        current = null;
        close();
    }

    void close() {
        closing = true;
        if (channel != null) {
            channel.close();
        }
    }

    private void assign(PendingRequest request) {
        current = request;
        request.connection = this;
    }

    private void write(PendingRequest request) {
        final RequestTemplate template = request.template;
        final FullHttpRequest message = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1, HttpMethod.valueOf(template.method()), template.path(), Unpooled.EMPTY_BUFFER);
        final InetSocketAddress target = client.group.spec.target();
        message.headers().set(HttpHeaderNames.HOST, target.getHostString() + ':' + target.getPort());
        if (!template.method().equals("GET") && !template.method().equals("HEAD")) {
            HttpUtil.setContentLength(message, 0);
        }
        status = 0;
        persona = null;
        endpoint = null;
        injected = false;
        keepAlive = true;
        request.actualNanos = client.group.now();
        // A failed write closes the channel, and channelInactive then fails the request as a reset.
        channel.writeAndFlush(message).addListener(io.netty.channel.ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject message) {
        if (message instanceof HttpResponse response) {
            final HttpHeaders headers = response.headers();
            status = response.status().code();
            persona = headers.get(GuiseHeaders.PERSONA);
            endpoint = headers.get(GuiseHeaders.ENDPOINT);
            if (endpoint == null) {
                endpoint = headers.get(HttpEndpointServer.ENDPOINT_ID);
            }
            injected = "injected".equals(headers.get(GuiseHeaders.FAULT));
            keepAlive = HttpUtil.isKeepAlive(response);
        }
        if (message instanceof LastHttpContent) {
            final PendingRequest finished = current;
            current = null;
            if (finished == null) {
                return;
            }
            client.succeed(finished, status, persona, endpoint, injected);
            if (keepAlive) {
                client.onIdle(this);
            } else {
                close();
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        final PendingRequest failed = current;
        current = null;
        if (failed != null) {
            client.fail(failed, ErrorKind.RESET);
        }
        markLost();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset or a malformed response ends up here, and channelInactive then fails the request as a reset.
        client.group.logConnectionError(client.index, cause);
        ctx.close();
    }

    private void markLost() {
        if (lost) {
            return;
        }
        lost = true;
        closing = true;
        client.onLost(this);
    }
}
