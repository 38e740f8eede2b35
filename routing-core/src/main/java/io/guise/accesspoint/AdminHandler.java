package io.guise.accesspoint;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.guise.metrics.AccessPointMetrics;
import io.guise.routing.LiveRoutingTable;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The admin HTTP endpoints of an access point: {@code GET /metrics} (Prometheus
 * text), {@code GET /healthz} and {@code GET /routing} (the routing snapshot in
 * force, as JSON). Stateless, so one instance serves every admin connection.
 */
@Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private final AccessPointMetrics metrics;
    private final LiveRoutingTable routing;

    AdminHandler(AccessPointMetrics metrics, LiveRoutingTable routing) {
        this.metrics = metrics;
        this.routing = routing;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        final String path = new QueryStringDecoder(request.uri()).path();
        final FullHttpResponse response;
        if (!request.method().equals(HttpMethod.GET)) {
            response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET is served here\n");
            response.headers().set(HttpHeaderNames.ALLOW, "GET");
        } else if (path.equals("/metrics")) {
            response = bytes(HttpResponseStatus.OK, metrics.scrapeText(), AccessPointMetrics.contentType());
        } else if (path.equals("/healthz")) {
            response = text(HttpResponseStatus.OK, "ok\n");
        } else if (path.equals("/routing")) {
            response = routingJson();
        } else {
            response = text(HttpResponseStatus.NOT_FOUND,
                            "no such path: " + path + " (expected: /metrics, /healthz or /routing)\n");
        }
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

    private FullHttpResponse routingJson() {
        try {
            final String json = JsonFormat.printer().preservingProtoFieldNames()
                    .print(routing.current().snapshot());
            return bytes(HttpResponseStatus.OK, (json + "\n").getBytes(StandardCharsets.UTF_8), "application/json");
        } catch (InvalidProtocolBufferException e) {
            return text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "printing the routing snapshot failed: "
                                                                  + e.getMessage() + "\n");
        }
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        return bytes(status, body.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
    }

    private static FullHttpResponse bytes(HttpResponseStatus status, byte[] body, String contentType) {
        final FullHttpResponse response = new DefaultFullHttpResponse(
                io.netty.handler.codec.http.HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return response;
    }
}
