package io.guise.scenario.model;

import static java.util.Objects.requireNonNull;

/**
 * One kind of request in a client group's mix.
 *
 * @param method the HTTP method, such as GET
 * @param path the request target, starting with "/"
 * @param weight the relative share of requests of this kind, 0-10000
 */
public record RequestMix(String method, String path, int weight) {

    public RequestMix {
        requireNonNull(method, "method");
        requireNonNull(path, "path");
    }
}
