package io.guise.manager.api;

import static java.util.Objects.requireNonNull;

import io.guise.manager.config.ConfigService;
import io.guise.manager.health.HealthLoop;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.EventExecutorGroup;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The manager's admin API over HTTP/1.1: CRUD on personas, endpoints and subsets,
 * whole-document apply, the routing snapshot, health, metrics, the access point
 * list and the health loop's decisions and endpoint figures. {@link RequestHandler} documents the routes.
 *
 * <p>When a bearer token is configured, every route except {@code GET /healthz}
 * requires {@code Authorization: Bearer TOKEN}. The API responds to a request body
 * larger than {@code maxRequestBytes} with 413 and never parses it.
 *
 * <p>Thread-safe. The handler runs on the request executor passed to
 * {@link #initializer}, not on the event loop, because a write blocks until the
 * store has made it durable.
 */
public final class AdminApi {

    /** Default maximum request body size: 4 MiB. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

    private final ConfigService service;
    private final AccessPointStatusSource accessPoints;
    private final HealthLoop health;
    private final ManagerMetrics metrics;
    private final byte[] tokenDigest;
    private final int maxRequestBytes;
    private final RequestHandler handler;

    /**
     * Creates the API.
     *
     * @param health the health loop whose decisions and endpoint figures the API serves
     * @param bearerToken the token that requests must present, or null to serve
     *     without authentication (only safe on a loopback address)
     * @param maxRequestBytes maximum request body size in bytes, at least 1
     */
    public AdminApi(ConfigService service, AccessPointStatusSource accessPoints, HealthLoop health,
                    String bearerToken, int maxRequestBytes) {
        this.service = requireNonNull(service, "service");
        this.accessPoints = requireNonNull(accessPoints, "accessPoints");
        this.health = requireNonNull(health, "health");
        if (maxRequestBytes < 1) {
            throw new IllegalArgumentException("maxRequestBytes: " + maxRequestBytes + " (expected: 1 or more)");
        }
        if (bearerToken != null && bearerToken.isBlank()) {
            throw new IllegalArgumentException("bearerToken: blank (expected: a non-blank token, or null for none)");
        }
        this.maxRequestBytes = maxRequestBytes;
        this.tokenDigest = bearerToken == null ? null : sha256(bearerToken);
        this.metrics = new ManagerMetrics(() -> service.current().getRevision());
        this.handler = new RequestHandler(this);
    }

    public ConfigService service() {
        return service;
    }

    public ManagerMetrics metrics() {
        return metrics;
    }

    AccessPointStatusSource accessPoints() {
        return accessPoints;
    }

    HealthLoop health() {
        return health;
    }

    public boolean requiresToken() {
        return tokenDigest != null;
    }

    public int maxRequestBytes() {
        return maxRequestBytes;
    }

    /**
     * Returns the channel initializer for accepted connections: the HTTP codec, the
     * body aggregator with the size limit and the request handler, which runs on
     * {@code requestExecutor}.
     */
    public ChannelInitializer<Channel> initializer(EventExecutorGroup requestExecutor) {
        return initializer(requestExecutor, null);
    }

    /**
     * Returns the channel initializer as {@link #initializer(EventExecutorGroup)} does,
     * with TLS from {@code tls} in front of the HTTP codec; null serves plain HTTP.
     */
    public ChannelInitializer<Channel> initializer(EventExecutorGroup requestExecutor, SslContext tls) {
        requireNonNull(requestExecutor, "requestExecutor");
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (tls != null) {
                    ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                }
                ch.pipeline().addLast(new HttpServerCodec(), new LimitedAggregator(maxRequestBytes));
                ch.pipeline().addLast(requestExecutor, handler);
            }
        };
    }

    /**
     * Returns whether an {@code Authorization} header value carries the configured
     * token. Both sides are hashed first, so the comparison takes the same time
     * whatever the length or content of the presented token.
     */
    boolean isAuthorized(String authorization) {
        if (tokenDigest == null) {
            return true;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(tokenDigest, sha256(authorization.substring(7).strip()));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing, but every Java platform must provide it", e);
        }
    }

    /**
     * The body aggregator, which responds to an oversized body with a JSON 413. Like Netty's
     * own handling, it keeps a keep-alive connection open and drops the rest of the
     * body, so the client can read the response; otherwise it closes the connection.
     */
    private final class LimitedAggregator extends HttpObjectAggregator {

        LimitedAggregator(int maxContentLength) {
            super(maxContentLength);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            metrics.countWrite("malformed");
            final ApiError error = new ApiError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                                                "request body larger than " + maxRequestBytes
                                                + " bytes (expected: at most " + maxRequestBytes + " bytes)");
            final FullHttpResponse response = JsonResponses.error(error);
            final boolean keepAlive = !(oversized instanceof FullHttpMessage)
                                      && (HttpUtil.is100ContinueExpected(oversized) || HttpUtil.isKeepAlive(oversized));
            HttpUtil.setKeepAlive(response, keepAlive);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            final var written = ctx.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
