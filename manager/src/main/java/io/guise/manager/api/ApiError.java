package io.guise.manager.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A request the admin API rejects, with the status and the JSON body of the
 * response. The body always has an {@code "error"} message; callers may add fields such
 * as {@code "violations"} or {@code "problems"}.
 */
final class ApiError extends Exception {

    private static final long serialVersionUID = 1L;

    private final HttpResponseStatus status;
    private final transient ObjectNode body;
    private final transient HttpHeaders headers = new DefaultHttpHeaders();

    ApiError(HttpResponseStatus status, String message) {
        super(message, null, false, false);
        this.status = status;
        this.body = JsonNodeFactory.instance.objectNode().put("error", message);
    }

    HttpResponseStatus status() {
        return status;
    }

    /** Adds a response header, such as {@code Allow} for a 405, and returns this error. */
    ApiError withHeader(CharSequence name, String value) {
        headers.add(name, value);
        return this;
    }

    HttpHeaders headers() {
        return headers;
    }

    /** Returns the response body; callers may add fields to it before it is sent. */
    ObjectNode body() {
        return body;
    }
}
