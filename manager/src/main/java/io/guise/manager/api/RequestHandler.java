package io.guise.manager.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Message;
import io.guise.config.ConfigException;
import io.guise.config.ConfigLoader;
import io.guise.manager.config.ConfigWriteException;
import io.guise.manager.config.WriteResult;
import io.guise.proto.RoutingSnapshot;
import io.guise.validation.Violation;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes admin API requests. For each of {@code personas}, {@code endpoints} and
 * {@code subsets}:
 * <ul>
 *   <li>{@code GET /personas}: the list and the revision;</li>
 *   <li>{@code POST /personas}: creates one, 409 when it exists;</li>
 *   <li>{@code GET, PUT, DELETE /personas/{id}}: reads, creates or replaces, deletes.
 *       A subset's key is its prefix, slash included, such as {@code /subsets/10.0.0.0/8}.</li>
 * </ul>
 * Also {@code POST /apply[?prune=true]}, {@code GET /snapshot}, {@code GET /healthz},
 * {@code GET /metrics}, {@code GET /access-points}, {@code GET /health/decisions[?limit=N]}
 * (the newest health decisions first: 100, or {@code limit} from 1 to 1000) and
 * {@code GET /health/endpoints} (each endpoint as the last health window saw it).
 *
 * <p>Writes respond with {@code {"revision": N, "changed": true|false}} and reads carry
 * the revision in the body; both set {@code ETag: "N"}. Writes honour
 * {@code If-Match: "N"}. Stateless, so one instance serves every connection.
 */
@Sharable
final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger logger = LoggerFactory.getLogger(RequestHandler.class);

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Decisions {@code GET /health/decisions} returns without a limit. */
    static final int DEFAULT_DECISION_LIMIT = 100;

    private final AdminApi api;

    RequestHandler(AdminApi api) {
        this.api = api;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        FullHttpResponse response;
        try {
            response = route(request);
        } catch (ApiError e) {
            response = JsonResponses.error(e);
        } catch (UncheckedIOException e) {
            api.metrics().countWrite("failed");
            logger.error("Admin API: {} {} failed in the store", request.method(), request.uri(), e);
            response = JsonResponses.error(new ApiError(HttpResponseStatus.SERVICE_UNAVAILABLE,
                                                        "storing the change failed; nothing was changed: "
                                                        + e.getMessage()));
        } catch (RuntimeException e) {
            logger.error("Admin API: {} {} failed unexpectedly", request.method(), request.uri(), e);
            response = JsonResponses.error(new ApiError(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                                                        "internal error: " + e));
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
        logger.debug("Admin API: closing connection from {} after an error", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }

    private FullHttpResponse route(FullHttpRequest request) throws ApiError {
        if (!request.decoderResult().isSuccess()) {
            throw new ApiError(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request: "
                                                               + request.decoderResult().cause());
        }
        final QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        final String path;
        try {
            path = uri.path();
        } catch (IllegalArgumentException e) {
            throw new ApiError(HttpResponseStatus.BAD_REQUEST, "invalid percent-encoding in path " + request.uri()
                                                               + " (expected: %XX with hex digits)");
        }
        final HttpMethod method = request.method();
        if (path.equals("/healthz")) {
            allow(method, "GET");
            final ObjectNode body = NODES.objectNode().put("status", "ok");
            return JsonResponses.json(HttpResponseStatus.OK, body);
        }
        authorize(request);
        final FullHttpResponse fixed = routeFixedPath(request, uri);
        return fixed != null ? fixed : routeResource(request, path);
    }

    /** Routes the paths outside the resource collections; returns null for any other path. */
    private FullHttpResponse routeFixedPath(FullHttpRequest request, QueryStringDecoder uri) throws ApiError {
        final HttpMethod method = request.method();
        switch (uri.path()) {
            case "/metrics":
                allow(method, "GET");
                return JsonResponses.bytes(HttpResponseStatus.OK, api.metrics().scrapeText(),
                                           ManagerMetrics.contentType());
            case "/snapshot":
                allow(method, "GET");
                return snapshot();
            case "/access-points":
                allow(method, "GET");
                return accessPoints();
            case "/apply":
                allow(method, "POST");
                return apply(request, uri);
            case "/health/decisions":
                allow(method, "GET");
                return healthDecisions(uri);
            case "/health/endpoints":
                allow(method, "GET");
                return healthEndpoints();
            default:
                return null;
        }
    }

    /** Routes {@code /personas}, {@code /endpoints}, {@code /subsets} and the resources under them. */
    private FullHttpResponse routeResource(FullHttpRequest request, String path) throws ApiError {
        final HttpMethod method = request.method();
        final int slash = path.indexOf('/', 1);
        final String collection = slash < 0 ? path.substring(1) : path.substring(1, slash);
        final ApiResource resource = ApiResource.ofCollection(collection);
        if (resource == null) {
            throw new ApiError(HttpResponseStatus.NOT_FOUND, "path not found: " + path + " (expected: /personas,"
                               + " /endpoints, /subsets, /apply, /snapshot, /access-points, /health/decisions,"
                               + " /health/endpoints, /healthz or /metrics)");
        }
        if (slash < 0) {
            allow(method, "GET", "POST");
            return method.equals(HttpMethod.GET) ? list(resource) : create(resource, request);
        }
        final String key = path.substring(slash + 1);
        if (key.isEmpty()) {
            throw new ApiError(HttpResponseStatus.NOT_FOUND, "path not found: " + path + " (expected: /"
                               + resource.collection() + "/" + resource.keyField().toUpperCase(Locale.ROOT) + ")");
        }
        allow(method, "GET", "PUT", "DELETE");
        if (method.equals(HttpMethod.GET)) {
            return get(resource, key);
        }
        if (method.equals(HttpMethod.PUT)) {
            return put(resource, key, request);
        }
        return delete(resource, key, request);
    }

    private void authorize(FullHttpRequest request) throws ApiError {
        if (!api.isAuthorized(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
            final boolean presented = request.headers().contains(HttpHeaderNames.AUTHORIZATION);
            logger.warn("Admin API: rejected {} {}: {} bearer token", request.method(), request.uri(),
                        presented ? "wrong" : "missing");
            final ApiError error = new ApiError(HttpResponseStatus.UNAUTHORIZED, presented
                    ? "invalid bearer token (expected: the manager's token in Authorization: Bearer TOKEN)"
                    : "missing bearer token (expected: Authorization: Bearer TOKEN)");
            throw error.withHeader(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"guise-manager\"");
        }
    }

    private static void allow(HttpMethod method, String... allowed) throws ApiError {
        for (String name : allowed) {
            if (method.name().equals(name)) {
                return;
            }
        }
        final String list = String.join(", ", allowed);
        throw new ApiError(HttpResponseStatus.METHOD_NOT_ALLOWED,
                           method.name() + " is not allowed here (expected: " + list + ")")
                .withHeader(HttpHeaderNames.ALLOW, list);
    }

    private FullHttpResponse snapshot() {
        final RoutingSnapshot snapshot = api.service().current();
        final ObjectNode body = NODES.objectNode();
        body.put("revision", snapshot.getRevision());
        body.put("epoch", api.service().epoch());
        final ObjectNode state = (ObjectNode) JsonResponses.toJson(snapshot.toBuilder().clearRevision());
        for (ApiResource resource : ApiResource.values()) {
            body.set(resource.collection(), state.has(resource.collection()) ? state.get(resource.collection())
                                                                              : NODES.arrayNode());
        }
        return JsonResponses.json(HttpResponseStatus.OK, body, snapshot.getRevision());
    }

    private FullHttpResponse accessPoints() {
        final ObjectNode body = NODES.objectNode();
        body.put("revision", api.service().current().getRevision());
        body.set("access_points", JsonResponses.MAPPER.valueToTree(api.accessPoints().accessPointStatuses()));
        return JsonResponses.json(HttpResponseStatus.OK, body);
    }

    private FullHttpResponse healthDecisions(QueryStringDecoder uri) throws ApiError {
        final int limit = intParameter(uri, "limit", DEFAULT_DECISION_LIMIT, 1,
                                       api.health().decisions().capacity());
        final ObjectNode body = NODES.objectNode();
        body.put("revision", api.service().current().getRevision());
        body.set("decisions", HealthJson.decisions(api.health().decisions().newest(limit)));
        return JsonResponses.json(HttpResponseStatus.OK, body);
    }

    private FullHttpResponse healthEndpoints() {
        final ObjectNode body = HealthJson.endpoints(api.health().lastWindow());
        body.put("revision", api.service().current().getRevision());
        body.set("thresholds", HealthJson.thresholds(api.health().settings()));
        return JsonResponses.json(HttpResponseStatus.OK, body);
    }

    private static int intParameter(QueryStringDecoder uri, String name, int defaultValue, int min, int max)
            throws ApiError {
        final List<String> values = uri.parameters().get(name);
        if (values == null || values.isEmpty()) {
            return defaultValue;
        }
        final String value = values.get(values.size() - 1);
        try {
            final int parsed = Integer.parseInt(value.strip());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // Reported below with the value.
        }
        throw new ApiError(HttpResponseStatus.BAD_REQUEST, name + ": \"" + value + "\" (expected: an integer from "
                                                           + min + " to " + max + ")");
    }

    private FullHttpResponse list(ApiResource resource) {
        final RoutingSnapshot snapshot = api.service().current();
        final ArrayNode items = NODES.arrayNode();
        for (Message message : resource.list(snapshot)) {
            items.add(JsonResponses.toJson(message));
        }
        final ObjectNode body = NODES.objectNode().put("revision", snapshot.getRevision());
        body.set(resource.collection(), items);
        return JsonResponses.json(HttpResponseStatus.OK, body, snapshot.getRevision());
    }

    private FullHttpResponse get(ApiResource resource, String key) throws ApiError {
        final RoutingSnapshot snapshot = api.service().current();
        final Message found = resource.find(snapshot, resource.canonicalKey(key));
        if (found == null) {
            throw notFound(resource, key);
        }
        final ObjectNode body = NODES.objectNode().put("revision", snapshot.getRevision());
        body.set(resource.singular(), JsonResponses.toJson(found));
        return JsonResponses.json(HttpResponseStatus.OK, body, snapshot.getRevision());
    }

    private FullHttpResponse create(ApiResource resource, FullHttpRequest request) throws ApiError {
        final OptionalLong ifMatch = ifMatch(request);
        final Message message = parseBody(request, resource.prototype(), resource.singular());
        final String key = resource.keyOf(message);
        final RoutingSnapshot snapshot = api.service().current();
        if (!key.isEmpty() && resource.find(snapshot, key) != null) {
            api.metrics().countWrite("conflict");
            throw new ApiError(HttpResponseStatus.CONFLICT, resource.singular() + " '" + resource.rawKeyOf(message)
                               + "' already exists; use PUT /" + resource.collection() + "/" + key
                               + " to replace it");
        }
        // Pins the write to the revision checked above, so a concurrent create of the same key turns into a 409.
        final OptionalLong expected = ifMatch.isPresent() ? ifMatch : OptionalLong.of(snapshot.getRevision());
        final WriteResult result = write(() -> resource.upsert(api.service(), message, expected));
        return writeResponse(HttpResponseStatus.CREATED, result);
    }

    private FullHttpResponse put(ApiResource resource, String key, FullHttpRequest request) throws ApiError {
        final OptionalLong ifMatch = ifMatch(request);
        Message message = parseBody(request, resource.prototype(), resource.singular());
        final String bodyKey = resource.rawKeyOf(message);
        if (bodyKey.isEmpty()) {
            message = resource.withKey(message, key);
        } else if (!resource.canonicalKey(bodyKey).equals(resource.canonicalKey(key))) {
            api.metrics().countWrite("invalid");
            throw new ApiError(HttpResponseStatus.BAD_REQUEST, resource.keyField() + ": \"" + bodyKey
                               + "\" in the body does not match \"" + key + "\" in the path (expected: the same "
                               + resource.keyField() + ", or none in the body)");
        }
        final boolean exists = resource.find(api.service().current(), resource.canonicalKey(key)) != null;
        final Message submitted = message;
        final WriteResult result = write(() -> resource.upsert(api.service(), submitted, ifMatch));
        return writeResponse(exists ? HttpResponseStatus.OK : HttpResponseStatus.CREATED, result);
    }

    private FullHttpResponse delete(ApiResource resource, String key, FullHttpRequest request) throws ApiError {
        final OptionalLong ifMatch = ifMatch(request);
        final WriteResult result = write(() -> resource.delete(api.service(), key, ifMatch));
        return writeResponse(HttpResponseStatus.OK, result);
    }

    private FullHttpResponse apply(FullHttpRequest request, QueryStringDecoder uri) throws ApiError {
        final OptionalLong ifMatch = ifMatch(request);
        final boolean prune = booleanParameter(uri, "prune");
        final RoutingSnapshot document = parseBody(request, RoutingSnapshot.getDefaultInstance(), "document");
        if (document.getRevision() != 0) {
            api.metrics().countWrite("invalid");
            throw new ApiError(HttpResponseStatus.BAD_REQUEST, "revision: " + document.getRevision()
                               + " (expected: no revision in an applied document; use If-Match to require one)");
        }
        final WriteResult result = write(() -> api.service().apply(document, prune, ifMatch));
        return writeResponse(HttpResponseStatus.OK, result);
    }

    @FunctionalInterface
    private interface Write {
        WriteResult run() throws ConfigWriteException;
    }

    /** Runs a write and turns its rejection into the matching status and body. */
    private WriteResult write(Write write) throws ApiError {
        final WriteResult result;
        try {
            result = write.run();
        } catch (ConfigWriteException e) {
            api.metrics().countWrite(e.reason().name().toLowerCase(Locale.ROOT));
            final ApiError error = new ApiError(HttpResponseStatus.valueOf(e.reason().httpStatus()),
                                                e.getMessage());
            if (!e.violations().isEmpty()) {
                error.body().put("error", "invalid configuration: " + e.getMessage());
                final ArrayNode violations = error.body().putArray("violations");
                for (Violation violation : e.violations()) {
                    violations.addObject()
                            .put("path", violation.path())
                            .put("value", violation.value())
                            .put("rule", violation.rule())
                            .put("message", violation.toString());
                }
            }
            throw error;
        }
        api.metrics().countWrite(result.changed() ? "changed" : "unchanged");
        return result;
    }

    private static FullHttpResponse writeResponse(HttpResponseStatus status, WriteResult result) {
        final ObjectNode body = NODES.objectNode()
                .put("revision", result.revision())
                .put("changed", result.changed());
        return JsonResponses.json(status, body, result.revision());
    }

    /** Parses the body, JSON unless the content type names YAML, into a message of the prototype's type. */
    private <M extends Message> M parseBody(FullHttpRequest request, M prototype, String sourceName)
            throws ApiError {
        final ByteBuf content = request.content();
        if (!content.isReadable()) {
            throw malformed("empty request body (expected: a JSON or YAML " + sourceName + ")");
        }
        final byte[] bytes = new byte[content.readableBytes()];
        content.getBytes(content.readerIndex(), bytes);
        final String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw malformed("request body is not valid UTF-8 (expected: a UTF-8 JSON or YAML " + sourceName + ")");
        }
        if (text.isBlank()) {
            throw malformed("blank request body (expected: a JSON or YAML " + sourceName + ")");
        }
        try {
            return ConfigLoader.parse(text, formatOf(request), prototype, sourceName);
        } catch (ConfigException e) {
            final ApiError error = malformed("invalid request body: " + e.problems().size()
                                             + (e.problems().size() == 1 ? " problem" : " problems"));
            final ArrayNode problems = error.body().putArray("problems");
            e.problems().forEach(problems::add);
            throw error;
        }
    }

    private ApiError malformed(String message) {
        api.metrics().countWrite("malformed");
        return new ApiError(HttpResponseStatus.BAD_REQUEST, message);
    }

    private static ConfigLoader.Format formatOf(FullHttpRequest request) {
        final String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE, "")
                .toLowerCase(Locale.ROOT);
        return contentType.contains("yaml") ? ConfigLoader.Format.YAML : ConfigLoader.Format.JSON;
    }

    /** Reads {@code If-Match: "N"} or a bare {@code N}; {@code *} and no header mean any revision. */
    private OptionalLong ifMatch(FullHttpRequest request) throws ApiError {
        final String value = request.headers().get(HttpHeaderNames.IF_MATCH);
        if (value == null || value.strip().equals("*")) {
            return OptionalLong.empty();
        }
        String text = value.strip();
        if (text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")) {
            text = text.substring(1, text.length() - 1);
        }
        try {
            final long revision = Long.parseLong(text);
            if (revision >= 0) {
                return OptionalLong.of(revision);
            }
        } catch (NumberFormatException e) {
            // Reported below with the header value.
        }
        throw malformed("If-Match: " + value + " (expected: a revision such as \"12\", as an ETag returns it)");
    }

    private static boolean booleanParameter(QueryStringDecoder uri, String name) throws ApiError {
        final List<String> values = uri.parameters().get(name);
        if (values == null || values.isEmpty()) {
            return false;
        }
        final String value = values.get(values.size() - 1);
        if (value.isEmpty() || value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw new ApiError(HttpResponseStatus.BAD_REQUEST, name + ": \"" + value + "\" (expected: true or false)");
    }

    private static ApiError notFound(ApiResource resource, String key) {
        return new ApiError(HttpResponseStatus.NOT_FOUND, resource.singular() + " '" + key + "' not found");
    }
}
