package io.guise.manager.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Builds the admin API's JSON responses. Stateless and thread-safe. */
final class JsonResponses {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames();

    private JsonResponses() {
    }

    /** Converts a proto message to a JSON tree with the proto field names (snake_case). */
    static JsonNode toJson(MessageOrBuilder message) {
        try {
            return MAPPER.readTree(PRINTER.print(message));
        } catch (InvalidProtocolBufferException | JsonProcessingException e) {
            // Routing messages have no Any fields, and the printer writes valid JSON.
            throw new IllegalStateException("printing a " + message.getDescriptorForType().getName()
                                            + " as JSON failed", e);
        }
    }

    static FullHttpResponse json(HttpResponseStatus status, JsonNode body) {
        final byte[] bytes;
        try {
            bytes = (MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(body) + "\n")
                    .getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing a JSON tree failed", e);
        }
        return bytes(status, bytes, "application/json");
    }

    /** Returns a JSON response whose {@code ETag} is the revision the body describes. */
    static FullHttpResponse json(HttpResponseStatus status, JsonNode body, long revision) {
        final FullHttpResponse response = json(status, body);
        response.headers().set(HttpHeaderNames.ETAG, "\"" + revision + "\"");
        return response;
    }

    static FullHttpResponse bytes(HttpResponseStatus status, byte[] body, String contentType) {
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                                                                      Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return response;
    }

    static FullHttpResponse error(ApiError error) {
        final FullHttpResponse response = json(error.status(), error.body());
        response.headers().add(error.headers());
        return response;
    }
}
