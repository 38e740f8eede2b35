package io.guise.accesspoint;

import io.guise.fault.FaultProfile;
import io.guise.fault.SplitMix64;
import io.guise.metrics.PersonaStats;
import io.guise.metrics.RequestOutcome;
import io.guise.metrics.RetryStats;
import io.guise.metrics.ShapingStats;
import io.guise.routing.PersonaRoute;
import io.guise.routing.RouteKey;
import io.guise.routing.RoutingTable;
import io.guise.retry.Retries;
import io.guise.shaping.AdmissionController;
import io.guise.shaping.TokenBucket;
import io.guise.routing.UpstreamTarget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the HTTP/1.1 requests of one client connection: finds the persona for the
 * connection's destination, applies the persona's simulated latency and errors,
 * picks an endpoint and forwards the request over a pooled keep-alive connection.
 *
 * <p>Not shareable; every method runs on the connection's event loop, which also
 * owns the upstream connections it uses. Requests are served one at a time in
 * arrival order: reading stops while a request is in flight, and requests that a
 * client pipelined into the same read wait in a short queue.
 *
 * <p>With a retry policy, an idempotent request that an endpoint fails (connect
 * error, reset before the response, or a 5xx response) is sent again to an
 * endpoint of the same persona that it has not tried, while the persona's retry
 * budget allows. Response timeouts and injected errors are not retried.
 */
final class L7ProxyHandler extends ChannelInboundHandlerAdapter {

    private static final Logger logger = LoggerFactory.getLogger(L7ProxyHandler.class);
    private static final int MAX_QUEUED_REQUESTS = 16;
    private static final int DEFAULT_ERROR_STATUS = 503;

    private final AccessPointContext context;
    private final RouteKey key;
    private final SplitMix64 random;
    private final ArrayDeque<FullHttpRequest> queued = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean busy;
    // The endpoint whose failure the next local response reports, or null.
    private String failedEndpoint;
    // Shaping state of the request being served: the budgeted subset whose slot it took,
    // whether it took an admission slot, and its place in the admission queue.
    private String heldSubset;
    private boolean holdsAdmission;
    private QueuedRequest queuedRequest;

    L7ProxyHandler(AccessPointContext context, RouteKey key, SplitMix64 random) {
        this.context = context;
        this.key = key;
        this.random = random;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        final FullHttpRequest request = (FullHttpRequest) msg;
        ctx.channel().config().setAutoRead(false);
        if (busy) {
            if (queued.size() >= MAX_QUEUED_REQUESTS) {
                request.release();
                logger.debug("Closing {}: more than {} pipelined requests", ctx.channel(), MAX_QUEUED_REQUESTS);
                ctx.close();
                return;
            }
            queued.addLast(request);
            return;
        }
        busy = true;
        serve(request);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (queuedRequest != null && context.admission().cancel(queuedRequest)) {
            queuedRequest.request.release();
            queuedRequest = null;
            releaseShaping();
        }
        FullHttpRequest request;
        while ((request = queued.pollFirst()) != null) {
            request.release();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        logger.debug("Client connection {} failed", ctx.channel(), cause);
        ctx.close();
    }

    private void serve(FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            respondLocally(request, HttpResponseStatus.BAD_REQUEST,
                           "malformed request: " + request.decoderResult().cause().getMessage(), null, false);
            return;
        }
        if (request.protocolVersion().equals(HttpVersion.HTTP_1_1) && !request.headers().contains(HttpHeaderNames.HOST)) {
            respondLocally(request, HttpResponseStatus.BAD_REQUEST,
                           "missing Host header (required in HTTP/1.1 requests)", null, false);
            return;
        }
        final PersonaRoute route = context.routing().current().route(key);
        if (route == null) {
            context.metrics().countNoPersona("l7");
            respondLocally(request, HttpResponseStatus.MISDIRECTED_REQUEST,
                           "no persona for destination " + key, null, HttpUtil.isKeepAlive(request));
            return;
        }

        final PersonaStats stats = route.stats(true);
        final ShapingStats shaping = context.metrics().shaping(route.id());
        final TokenBucket bucket = context.rateLimiters().bucketFor(route.persona());
        final long waitNanos = bucket == null ? 0 : bucket.tryAcquire();
        if (waitNanos > 0) {
            shaping.count(ShapingStats.Decision.RATE_LIMITED);
            stats.count(RequestOutcome.RATE_LIMITED);
            respondLocally(request, HttpResponseStatus.TOO_MANY_REQUESTS,
                           "rate limited: persona " + route.id() + " allows " + bucket.ratePerSecond()
                           + " requests per second with a burst of " + bucket.burst(), route.id(),
                           HttpUtil.isKeepAlive(request), TokenBucket.retryAfterSeconds(waitNanos));
            return;
        }

        final RoutingTable table = context.routing().current();
        final String subset = table.budgetedSubset(key);
        if (subset != null) {
            final int budget = table.subsetBudget(key);
            if (!context.subsetBudgets().tryAcquire(subset, budget)) {
                shed(request, route, stats, shaping, "subset " + subset + " has all " + budget
                                                     + " of its concurrent requests in flight");
                return;
            }
            heldSubset = subset;
        }

        final AdmissionController admission = context.admission();
        if (admission == null) {
            shaping.count(ShapingStats.Decision.ADMITTED);
            admitted(request, route, stats);
            return;
        }
        final QueuedRequest waiter = new QueuedRequest(request, route, stats, shaping);
        switch (admission.acquire(route.priority(), waiter)) {
            case ADMITTED -> {
                holdsAdmission = true;
                shaping.count(ShapingStats.Decision.ADMITTED);
                admitted(request, route, stats);
            }
            case QUEUED -> {
                shaping.count(ShapingStats.Decision.QUEUED);
                queuedRequest = waiter;
            }
            case SHED -> shed(request, route, stats, shaping, "every admission slot and queue place is taken"
                                                               + " by requests of priority >= " + route.priority());
        }
    }

    /** Sheds a request with 503 and Retry-After: 1, and frees the shaping slots it took. */
    private void shed(FullHttpRequest request, PersonaRoute route, PersonaStats stats, ShapingStats shaping,
                      String why) {
        shaping.count(ShapingStats.Decision.SHED);
        stats.count(RequestOutcome.SHED);
        releaseShaping();
        respondLocally(request, HttpResponseStatus.SERVICE_UNAVAILABLE, "shed: " + why, route.id(),
                       HttpUtil.isKeepAlive(request), 1);
    }

    /** Frees the subset and admission slots of the current request; safe to call more than once. */
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

    /** Continues a request that passed shaping: draws its faults and serves it. */
    private void admitted(FullHttpRequest request, PersonaRoute route, PersonaStats stats) {
        final FaultProfile faults = route.faults();
        // Both draws happen on arrival, in a fixed order, so decisions do not depend on timing.
        final long delayNanos = faults.drawDelayNanos(random);
        final boolean fail = faults.drawError(random);
        if (delayNanos <= 0) {
            afterDelay(request, route, stats, fail);
            return;
        }
        stats.countInjectedLatency();
        ctx.executor().schedule(() -> afterDelay(request, route, stats, fail), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void afterDelay(FullHttpRequest request, PersonaRoute route, PersonaStats stats, boolean fail) {
        if (!ctx.channel().isActive()) {
            request.release();
            releaseShaping();
            return;
        }
        if (fail) {
            stats.countInjectedError();
            stats.count(RequestOutcome.INJECTED_ERROR);
            final int status = route.faults().errorStatus() == 0 ? DEFAULT_ERROR_STATUS : route.faults().errorStatus();
            respondLocally(request, HttpResponseStatus.valueOf(status),
                           "error injected by persona " + route.id(), route.id(), HttpUtil.isKeepAlive(request));
            return;
        }
        final UpstreamTarget target = route.pick(random);
        if (target == null) {
            stats.count(RequestOutcome.NO_ENDPOINT);
            respondLocally(request, HttpResponseStatus.SERVICE_UNAVAILABLE,
                           "persona " + route.id() + " has no endpoint", route.id(), HttpUtil.isKeepAlive(request));
            return;
        }
        if (route.pool().panic()) {
            stats.countPanicPick();
        }
        final boolean keepAlive = prepareUpstreamRequest(request);
        final Retries retries = context.retries();
        if (retries != null) {
            retries.budget(route.id()).recordRequest();
        }
        new Exchange(request, route, stats, target, keepAlive, 1, null).start();
    }

    /** Rewrites the headers for the upstream hop and returns whether the client wants keep-alive. */
    private boolean prepareUpstreamRequest(FullHttpRequest request) {
        final boolean keepAlive = HttpUtil.isKeepAlive(request);
        GuiseHeaders.stripHopByHop(request.headers());
        if (!HttpUtil.isContentLengthSet(request) && request.content().isReadable()) {
            HttpUtil.setContentLength(request, request.content().readableBytes());
        }
        final InetSocketAddress client = (InetSocketAddress) ctx.channel().remoteAddress();
        final String clientIp = client.getAddress().getHostAddress();
        final String forwarded = request.headers().get(GuiseHeaders.X_FORWARDED_FOR);
        request.headers().set(GuiseHeaders.X_FORWARDED_FOR,
                              forwarded == null ? clientIp : forwarded + ", " + clientIp);
        return keepAlive;
    }

    /**
     * Responds without an endpoint: a malformed request, no persona, an injected
     * error or an empty pool. Releases the request.
     */
    private void respondLocally(FullHttpRequest request, HttpResponseStatus status, String reason, String personaId,
                                boolean keepAlive) {
        respondLocally(request, status, reason, personaId, keepAlive, 0);
    }

    /** Responds locally; a positive {@code retryAfterSeconds} adds a Retry-After header. */
    private void respondLocally(FullHttpRequest request, HttpResponseStatus status, String reason, String personaId,
                                boolean keepAlive, long retryAfterSeconds) {
        final ByteBuf body = Unpooled.copiedBuffer(reason + "\n", StandardCharsets.UTF_8);
        final FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), status, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(GuiseHeaders.REASON, reason);
        if (personaId != null) {
            response.headers().set(GuiseHeaders.PERSONA, personaId);
        }
        if (retryAfterSeconds > 0) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
        }
        if (failedEndpoint != null) {
            // A 502 or 504 names the endpoint that failed, so clients can tell which one it was.
            response.headers().set(GuiseHeaders.ENDPOINT, failedEndpoint);
            failedEndpoint = null;
        }
        if (reason.startsWith("error injected")) {
            response.headers().set(GuiseHeaders.FAULT, "injected");
        }
        request.release();
        writeResponse(response, keepAlive);
    }

    private void writeResponse(FullHttpResponse response, boolean keepAlive) {
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.writeAndFlush(response).addListener((ChannelFuture future) -> {
            // The request stops counting against the shaping limits once its response is written.
            releaseShaping();
            finishRequest(keepAlive && future.isSuccess());
        });
    }

    /** Moves on to the next queued request, resumes reading, or closes. */
    private void finishRequest(boolean keepAlive) {
        busy = false;
        if (!keepAlive) {
            ctx.close();
            return;
        }
        final FullHttpRequest next = queued.pollFirst();
        if (next != null) {
            busy = true;
            serve(next);
            return;
        }
        ctx.channel().config().setAutoRead(true);
    }

    /**
     * A request waiting in the admission queue. The controller calls it on the thread
     * that freed a slot or shed it; both callbacks hand the work to this connection's
     * event loop.
     */
    private final class QueuedRequest implements AdmissionController.Waiter {

        private final FullHttpRequest request;
        private final PersonaRoute route;
        private final PersonaStats stats;
        private final ShapingStats shaping;

        QueuedRequest(FullHttpRequest request, PersonaRoute route, PersonaStats stats, ShapingStats shaping) {
            this.request = request;
            this.route = route;
            this.stats = stats;
            this.shaping = shaping;
        }

        @Override
        public void admitted() {
            ctx.executor().execute(() -> {
                queuedRequest = null;
                holdsAdmission = true;
                if (!ctx.channel().isActive()) {
                    request.release();
                    releaseShaping();
                    return;
                }
                L7ProxyHandler.this.admitted(request, route, stats);
            });
        }

        @Override
        public void shed() {
            ctx.executor().execute(() -> {
                queuedRequest = null;
                if (!ctx.channel().isActive()) {
                    request.release();
                    releaseShaping();
                    return;
                }
                L7ProxyHandler.this.shed(request, route, stats, shaping,
                                         "a request of higher priority took this one's place in the admission queue");
            });
        }
    }

    /**
     * One attempt of a request at one endpoint, with at most one resend on a new
     * connection when a stale pooled connection fails under it.
     */
    private final class Exchange implements UpstreamHandler.Exchange {

        private final FullHttpRequest request;
        private final PersonaRoute route;
        private final PersonaStats stats;
        private final UpstreamTarget target;
        private final boolean clientKeepAlive;
        private final UpstreamConnectionPool pool;
        // 1 for the first attempt of the request.
        private final int attempt;
        // The endpoints this request went to, this one included, or null on a first attempt.
        private List<UpstreamTarget> tried;
        private Channel upstream;
        private ScheduledFuture<?> timeout;
        private long startNanos;
        private boolean reused;
        private boolean retried;
        private boolean done;

        Exchange(FullHttpRequest request, PersonaRoute route, PersonaStats stats, UpstreamTarget target,
                 boolean clientKeepAlive, int attempt, List<UpstreamTarget> tried) {
            this.request = request;
            this.route = route;
            this.stats = stats;
            this.target = target;
            this.clientKeepAlive = clientKeepAlive;
            this.attempt = attempt;
            this.tried = tried;
            pool = context.pool(ctx.channel().eventLoop(), target.address());
        }

        void start() {
            startNanos = System.nanoTime();
            target.dispatched();
            timeout = ctx.executor().schedule(this::onTimeout, context.upstream().responseTimeoutMillis(),
                                              TimeUnit.MILLISECONDS);
            final Channel idle = pool.pollIdle();
            if (idle != null) {
                send(idle);
            } else {
                connectAndSend();
            }
        }

        private void connectAndSend() {
            pool.connect().addListener((ChannelFuture future) -> {
                if (done) {
                    if (future.isSuccess()) {
                        pool.release(future.channel());
                    }
                    return;
                }
                if (future.isSuccess()) {
                    send(future.channel());
                } else {
                    fail(future.cause());
                }
            });
        }

        private void send(Channel channel) {
            upstream = channel;
            reused = channel.pipeline().get(UpstreamHandler.class).begin(this);
            // A duplicate has its own read position, so the request can be sent again to another endpoint.
            channel.writeAndFlush(request.retainedDuplicate()).addListener((ChannelFuture future) -> {
                if (!future.isSuccess()) {
                    // Closing fires channelInactive, which reports the failure to onFailure.
                    future.channel().close();
                }
            });
        }

        @Override
        public void onResponse(FullHttpResponse response) {
            if (done) {
                response.release();
                return;
            }

            done = true;
            timeout.cancel(false);
            final long latencyNanos = System.nanoTime() - startNanos;
            final boolean serverError = response.status().code() >= 500;
            target.stats().recordResponse(latencyNanos, serverError);
            target.recordLatency(latencyNanos);
            target.completed();
            if (serverError) {
                target.health().recordFailure();
            } else {
                target.health().recordSuccess();
            }

            if (HttpUtil.isKeepAlive(response)) {
                pool.release(upstream);
            } else {
                upstream.close();
            }
            if (serverError && retry("status " + response.status().code())) {
                response.release();
                return;
            }
            stats.count(RequestOutcome.FORWARDED);
            if (!serverError && attempt > 1) {
                context.metrics().retries(route.id()).countSuccessAfterRetry();
            }
            request.release();

            GuiseHeaders.stripHopByHop(response.headers());
            if (!HttpUtil.isContentLengthSet(response)) {
                HttpUtil.setContentLength(response, response.content().readableBytes());
            }
            response.setProtocolVersion(request.protocolVersion());
            response.headers()
                    .set(GuiseHeaders.PERSONA, route.id())
                    .set(GuiseHeaders.ENDPOINT, target.endpointId());
            writeResponse(response, clientKeepAlive);
        }

        @Override
        public void onFailure(Throwable cause) {
            if (done) {
                return;
            }
            if (reused && !retried && isIdempotent(request.method())) {
                // A pooled connection that the endpoint closed while idle: try once on a new one.
                retried = true;
                connectAndSend();
                return;
            }
            fail(cause);
        }

        private void fail(Throwable cause) {
            done = true;
            timeout.cancel(false);
            target.stats().recordFailure();
            target.health().recordFailure();
            target.completed();
            logger.debug("Access point {}: endpoint {} failed for persona {}: {}", context.accessPointId(), target,
                         route.id(), cause.toString());
            if (retry(cause.toString())) {
                return;
            }
            stats.count(RequestOutcome.UPSTREAM_ERROR);
            failedEndpoint = target.endpointId();
            respondLocally(request, HttpResponseStatus.BAD_GATEWAY,
                           "endpoint " + target + " failed: " + cause.getMessage(), route.id(), clientKeepAlive);
        }

        private void onTimeout() {
            if (done) {
                return;
            }
            done = true;
            if (upstream != null) {
                final UpstreamHandler handler = upstream.pipeline().get(UpstreamHandler.class);
                if (handler != null) {
                    handler.abandon();
                }
                upstream.close();
            }
            target.stats().recordTimeout();
            target.health().recordFailure();
            target.recordLatency(System.nanoTime() - startNanos);
            target.completed();
            stats.count(RequestOutcome.UPSTREAM_ERROR);
            failedEndpoint = target.endpointId();
            respondLocally(request, HttpResponseStatus.GATEWAY_TIMEOUT,
                           "endpoint " + target + " did not respond within "
                           + context.upstream().responseTimeoutMillis() + " ms", route.id(), clientKeepAlive);
        }

        /**
         * Sends the request again to an endpoint it has not tried when the retry
         * policy, the method and the persona's retry budget allow, and returns
         * whether it did. Call it once this attempt's outcome is recorded.
         */
        private boolean retry(String failure) {
            final Retries retries = context.retries();
            if (retries == null || attempt >= retries.maxAttempts() || !isIdempotent(request.method())
                || !ctx.channel().isActive()) {
                return false;
            }
            if (tried == null) {
                tried = new ArrayList<>(retries.maxAttempts());
                tried.add(target);
            }
            final UpstreamTarget next = route.pickRetry(random, tried);
            if (next == null) {
                return false;
            }
            final RetryStats retryStats = context.metrics().retries(route.id());
            if (!retries.budget(route.id()).tryRetry()) {
                retryStats.countBudgetExhausted();
                logger.debug("Access point {}: retry budget of persona {} spent; not retrying after {} failed: {}",
                             context.accessPointId(), route.id(), target, failure);
                return false;
            }
            retryStats.countAttempted();
            tried.add(next);
            logger.debug("Access point {}: retrying a request of persona {} on {} after {} failed: {}",
                         context.accessPointId(), route.id(), next, target, failure);
            new Exchange(request, route, stats, next, clientKeepAlive, attempt + 1, tried).start();
            return true;
        }
    }

    private static boolean isIdempotent(HttpMethod method) {
        return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS
               || method == HttpMethod.TRACE || method == HttpMethod.PUT || method == HttpMethod.DELETE;
    }
}
