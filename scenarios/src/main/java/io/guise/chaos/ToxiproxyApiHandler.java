package io.guise.chaos;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Toxiproxy's HTTP API over {@link ChaosProxyServer}: the same paths, methods,
 * JSON fields and status codes, so Toxiproxy clients drive it unchanged. Errors
 * are {@code {"error": message, "status": code}}, where the message names the
 * field, the value and the rule. A request that fails changes nothing, except
 * that /populate keeps the proxies it made before a listen address failed to
 * bind, as Toxiproxy does.
 *
 * <p>Thread-safe and shared by every API connection: requests run one at a time
 * on the API executor.
 */
@ChannelHandler.Sharable
final class ToxiproxyApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    static final int MAX_BODY_BYTES = 1 << 20;

    private static final Logger logger = LoggerFactory.getLogger(ToxiproxyApiHandler.class);
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<String> PROXY_FIELDS = List.of("name", "listen", "upstream", "enabled");
    private static final List<String> TOXIC_FIELDS = List.of("name", "type", "stream", "toxicity", "attributes");
    private static final String DEFAULT_LISTEN = "127.0.0.1:0";

    private final ChaosProxyServer server;
    private final ExecutorService executor;

    ToxiproxyApiHandler(ChaosProxyServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** A response before encoding: a status and a JSON body, or no body for 204. */
    private record Reply(HttpResponseStatus status, JsonNode body) {
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        final String method = request.method().name();
        final String path = new QueryStringDecoder(request.uri()).path();
        final String body = request.content().toString(StandardCharsets.UTF_8);
        final boolean keepAlive = HttpUtil.isKeepAlive(request);
        try {
            executor.execute(() -> respond(ctx, handle(method, path, body), keepAlive));
        } catch (RejectedExecutionException e) {
            respond(ctx, error(new ChaosException(503, "the fault proxy is stopping")), false);
        }
    }

    private Reply handle(String method, String path, String body) {
        try {
            return route(method, path, body);
        } catch (ChaosException e) {
            return error(e);
        } catch (RuntimeException e) {
            logger.error("Fault proxy API: {} {} failed", method, path, e);
            return error(new ChaosException(500, "internal error: " + e));
        }
    }

    private Reply route(String method, String path, String body) {
        final String[] parts = path.length() > 1 ? path.substring(1).split("/", -1) : new String[0];
        if (parts.length == 1 && parts[0].equals("version")) {
            requireMethod(method, path, "GET");
            final ObjectNode version = NODES.objectNode().put("version", ChaosProxyServer.VERSION);
            return new Reply(HttpResponseStatus.OK, version);
        }
        if (parts.length == 1 && parts[0].equals("reset")) {
            requireMethod(method, path, "POST");
            server.reset();
            return new Reply(HttpResponseStatus.NO_CONTENT, null);
        }
        if (parts.length == 1 && parts[0].equals("populate")) {
            requireMethod(method, path, "POST");
            return populate(body);
        }
        if (parts.length >= 1 && parts[0].equals("proxies")) {
            if (parts.length == 1) {
                requireMethod(method, path, "GET", "POST");
                if (method.equals("GET")) {
                    final ObjectNode all = NODES.objectNode();
                    for (ChaosProxy proxy : server.proxies()) {
                        all.set(proxy.name(), proxyJson(proxy));
                    }
                    return new Reply(HttpResponseStatus.OK, all);
                }
                final ChaosProxy created = server.create(proxySpec(parseObject(body), ""));
                return new Reply(HttpResponseStatus.CREATED, proxyJson(created));
            }
            final String name = parts[1];
            if (parts.length == 2) {
                return proxyResource(method, path, name, body);
            }
            if (parts[2].equals("toxics") && parts.length == 3) {
                requireMethod(method, path, "GET", "POST");
                if (method.equals("GET")) {
                    final ArrayNode toxics = NODES.arrayNode();
                    server.proxy(name).toxics().forEach(toxic -> toxics.add(toxicJson(toxic)));
                    return new Reply(HttpResponseStatus.OK, toxics);
                }
                server.proxy(name);
                return new Reply(HttpResponseStatus.OK, toxicJson(server.addToxic(name, newToxic(parseObject(body)))));
            }
            if (parts[2].equals("toxics") && parts.length == 4) {
                return toxicResource(method, path, name, parts[3], body);
            }
        }
        throw ChaosException.notFound("path: " + Toxic.quote(path) + " (expected: /version, /reset, /populate, "
                + "/proxies, /proxies/{proxy}, /proxies/{proxy}/toxics or /proxies/{proxy}/toxics/{toxic})");
    }

    private Reply proxyResource(String method, String path, String name, String body) {
        requireMethod(method, path, "GET", "POST", "PATCH", "DELETE");
        switch (method) {
            case "GET":
                return new Reply(HttpResponseStatus.OK, proxyJson(server.proxy(name)));
            case "DELETE":
                server.delete(name);
                return new Reply(HttpResponseStatus.NO_CONTENT, null);
            default:
                return new Reply(HttpResponseStatus.OK, proxyJson(updateProxy(name, parseObject(body))));
        }
    }

    private Reply toxicResource(String method, String path, String proxyName, String toxicName, String body) {
        requireMethod(method, path, "GET", "POST", "PATCH", "DELETE");
        switch (method) {
            case "GET":
                return new Reply(HttpResponseStatus.OK, toxicJson(server.toxic(proxyName, toxicName)));
            case "DELETE":
                server.removeToxic(proxyName, toxicName);
                return new Reply(HttpResponseStatus.NO_CONTENT, null);
            default:
                final Toxic current = server.toxic(proxyName, toxicName);
                final Toxic updated = updatedToxic(current, parseObject(body));
                return new Reply(HttpResponseStatus.OK, toxicJson(server.replaceToxic(proxyName, updated)));
        }
    }

    private Reply populate(String body) {
        final JsonNode root = parse(body);
        if (!root.isArray()) {
            throw ChaosException.invalid("body", describe(root), "a JSON array of proxies, each with name, "
                    + "listen and upstream");
        }
        final List<ChaosProxyServer.ProxySpec> specs = new ArrayList<>();
        final Map<String, Integer> seen = new LinkedHashMap<>();
        for (int i = 0; i < root.size(); i++) {
            final ChaosProxyServer.ProxySpec spec = proxySpec(root.get(i), "[" + i + "].");
            final Integer first = seen.putIfAbsent(spec.name(), i);
            if (first != null) {
                throw ChaosException.invalid("[" + i + "].name", Toxic.quote(spec.name()),
                        "a name not used earlier in the list, but [" + first + "] has it");
            }
            specs.add(spec);
        }
        final ArrayNode proxies = NODES.arrayNode();
        server.populate(specs).forEach(proxy -> proxies.add(proxyJson(proxy)));
        final ObjectNode reply = NODES.objectNode();
        reply.set("proxies", proxies);
        return new Reply(HttpResponseStatus.CREATED, reply);
    }

    private static ChaosProxyServer.ProxySpec proxySpec(JsonNode node, String prefix) {
        requireObject(node, prefix.isEmpty() ? "body" : prefix.substring(0, prefix.length() - 1),
                "a proxy object with name, listen and upstream");
        checkFields(node, prefix, PROXY_FIELDS);
        final String name = requiredString(node, prefix, "name", Toxic.NAME_RULE);
        if (!Toxic.NAME.matcher(name).matches()) {
            throw ChaosException.invalid(prefix + "name", Toxic.quote(name), Toxic.NAME_RULE);
        }
        final String listen = optionalString(node, prefix, "listen", DEFAULT_LISTEN);
        final String upstream = requiredString(node, prefix, "upstream", LoopbackAddress.RULE);
        final InetSocketAddress listenAddress = LoopbackAddress.parse(prefix + "listen", listen, 0);
        final InetSocketAddress upstreamAddress = LoopbackAddress.parse(prefix + "upstream", upstream, 1);
        final boolean enabled = optionalBoolean(node, prefix, "enabled", true);
        return new ChaosProxyServer.ProxySpec(name, listenAddress, upstreamAddress, enabled);
    }

    private ChaosProxy updateProxy(String name, JsonNode node) {
        final ChaosProxy proxy = server.proxy(name);
        checkFields(node, "", PROXY_FIELDS);
        final String newName = optionalString(node, "", "name", name);
        if (!newName.equals(name)) {
            throw ChaosException.invalid("name", Toxic.quote(newName), "the proxy's own name " + Toxic.quote(name)
                    + "; to rename a proxy, delete it and create it again");
        }
        final InetSocketAddress listen = node.has("listen")
                ? LoopbackAddress.parse("listen", optionalString(node, "", "listen", ""), 0) : proxy.listen();
        final InetSocketAddress upstream = node.has("upstream")
                ? LoopbackAddress.parse("upstream", optionalString(node, "", "upstream", ""), 1) : proxy.upstream();
        final boolean enabled = optionalBoolean(node, "", "enabled", proxy.enabled());
        synchronized (server) {
            proxy.readdress(listen, upstream);
            if (enabled) {
                proxy.enable();
            } else {
                proxy.disable();
            }
        }
        return proxy;
    }

    private static Toxic newToxic(JsonNode node) {
        checkFields(node, "", TOXIC_FIELDS);
        final String typeName = requiredString(node, "", "type", "one of " + ToxicType.wireNames());
        final ToxicType type = ToxicType.fromWireName(typeName);
        if (type == null) {
            throw ChaosException.invalid("type", Toxic.quote(typeName), "one of " + ToxicType.wireNames());
        }
        final ToxicStream stream = stream(optionalString(node, "", "stream", "downstream"));
        final String name = optionalString(node, "", "name", Toxic.defaultName(type, stream));
        final double toxicity = toxicity(node, 1.0);
        return new Toxic(name, type, stream, toxicity, attributes(node), 0);
    }

    private static Toxic updatedToxic(Toxic current, JsonNode node) {
        checkFields(node, "", TOXIC_FIELDS);
        unchanged(node, "name", current.name(), "the toxic's own name; to rename it, delete it and add it again");
        unchanged(node, "type", current.type().wireName(), "the toxic's own type; to change it, delete the toxic "
                + "and add it again");
        unchanged(node, "stream", current.stream().wireName(), "the toxic's own stream; to change it, delete the "
                + "toxic and add it again");
        return current.updated(toxicity(node, current.toxicity()), attributes(node));
    }

    private static void unchanged(JsonNode node, String field, String current, String rule) {
        if (node.has(field)) {
            final String value = optionalString(node, "", field, current);
            if (!value.equals(current)) {
                throw ChaosException.invalid(field, Toxic.quote(value), rule + " (" + Toxic.quote(current) + ")");
            }
        }
    }

    private static ToxicStream stream(String text) {
        final ToxicStream stream = ToxicStream.fromWireName(text);
        if (stream == null) {
            throw ChaosException.invalid("stream", Toxic.quote(text), "\"upstream\" (client to server) or "
                    + "\"downstream\" (server to client)");
        }
        return stream;
    }

    private static double toxicity(JsonNode node, double fallback) {
        final JsonNode value = node.get("toxicity");
        if (value == null) {
            return fallback;
        }
        if (!value.isNumber() || !(value.doubleValue() >= 0 && value.doubleValue() <= 1)) {
            throw ChaosException.invalid("toxicity", describe(value),
                    "a number from 0 to 1, the probability that the toxic affects a connection");
        }
        return value.doubleValue();
    }

    private static Map<String, Long> attributes(JsonNode node) {
        final JsonNode value = node.get("attributes");
        final Map<String, Long> attributes = new LinkedHashMap<>();
        if (value == null) {
            return attributes;
        }
        requireObject(value, "attributes", "an object of whole-number attributes");
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            final Map.Entry<String, JsonNode> entry = it.next();
            final JsonNode number = entry.getValue();
            final boolean whole = number.isIntegralNumber()
                    || (number.isFloatingPointNumber() && number.doubleValue() == Math.rint(number.doubleValue()));
            if (!whole || !number.canConvertToLong() || number.asLong() < 0 || number.asLong() > ToxicType.MAX_ATTRIBUTE) {
                throw ChaosException.invalid("attributes." + entry.getKey(), describe(number),
                        "a whole number from 0 to " + ToxicType.MAX_ATTRIBUTE);
            }
            attributes.put(entry.getKey(), number.asLong());
        }
        return attributes;
    }

    private static JsonNode parse(String body) {
        if (body.isBlank()) {
            throw ChaosException.invalid("body", "empty", "a JSON document");
        }
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ChaosException.invalid("body", "invalid JSON (" + e.getOriginalMessage() + ")", "a JSON document");
        }
    }

    private static JsonNode parseObject(String body) {
        final JsonNode node = parse(body);
        requireObject(node, "body", "a JSON object");
        return node;
    }

    private static void requireObject(JsonNode node, String field, String rule) {
        if (node == null || !node.isObject()) {
            throw ChaosException.invalid(field, node == null ? "missing" : describe(node), rule);
        }
    }

    private static void checkFields(JsonNode node, String prefix, List<String> known) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            final String name = names.next();
            if (!known.contains(name)) {
                throw ChaosException.invalid(prefix + name, "unknown field", "one of " + String.join(", ", known));
            }
        }
    }

    private static String requiredString(JsonNode node, String prefix, String field, String rule) {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw ChaosException.invalid(prefix + field, "missing", rule);
        }
        if (!value.isTextual() || value.textValue().isEmpty()) {
            throw ChaosException.invalid(prefix + field, describe(value), "a non-empty string: " + rule);
        }
        return value.textValue();
    }

    private static String optionalString(JsonNode node, String prefix, String field, String fallback) {
        final JsonNode value = node.get(field);
        if (value == null) {
            return fallback;
        }
        if (!value.isTextual()) {
            throw ChaosException.invalid(prefix + field, describe(value), "a string");
        }
        return value.textValue();
    }

    private static boolean optionalBoolean(JsonNode node, String prefix, String field, boolean fallback) {
        final JsonNode value = node.get(field);
        if (value == null) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw ChaosException.invalid(prefix + field, describe(value), "true or false");
        }
        return value.booleanValue();
    }

    private static void requireMethod(String method, String path, String... allowed) {
        for (String candidate : allowed) {
            if (candidate.equals(method)) {
                return;
            }
        }
        throw new ChaosException(405, "method: " + method + " on " + path + " (expected: "
                + String.join(" or ", allowed) + ")");
    }

    private static String describe(JsonNode value) {
        if (value.isTextual()) {
            return Toxic.quote(value.textValue());
        }
        if (value.isArray()) {
            return "a list";
        }
        if (value.isObject()) {
            return "an object";
        }
        return value.toString();
    }

    static ObjectNode proxyJson(ChaosProxy proxy) {
        final ObjectNode node = NODES.objectNode()
                .put("name", proxy.name())
                .put("listen", LoopbackAddress.format(proxy.listen()))
                .put("upstream", LoopbackAddress.format(proxy.upstream()))
                .put("enabled", proxy.enabled());
        final ArrayNode toxics = node.putArray("toxics");
        proxy.toxics().forEach(toxic -> toxics.add(toxicJson(toxic)));
        return node;
    }

    static ObjectNode toxicJson(Toxic toxic) {
        final ObjectNode node = NODES.objectNode()
                .put("name", toxic.name())
                .put("type", toxic.type().wireName())
                .put("stream", toxic.stream().wireName())
                .put("toxicity", toxic.toxicity());
        final ObjectNode attributes = node.putObject("attributes");
        toxic.attributes().forEach(attributes::put);
        return node;
    }

    private static Reply error(ChaosException e) {
        final ObjectNode body = NODES.objectNode().put("error", e.getMessage()).put("status", e.status());
        return new Reply(HttpResponseStatus.valueOf(e.status()), body);
    }

    private static void respond(ChannelHandlerContext ctx, Reply reply, boolean keepAlive) {
        final byte[] bytes;
        try {
            bytes = reply.body() == null ? new byte[0] : JSON.writeValueAsBytes(reply.body());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing a JSON tree failed", e);
        }
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, reply.status(),
                Unpooled.wrappedBuffer(bytes));
        if (reply.body() != null) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        }
        HttpUtil.setContentLength(response, bytes.length);
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        logger.debug("Fault proxy API connection error: {}", cause.toString());
        ctx.close();
    }
}
