package io.guise.load;

import static java.util.Objects.requireNonNull;

/**
 * One entry of a request mix: a method and path, sent with probability proportional
 * to {@code weight} among the entries of its group. Immutable.
 */
public record RequestTemplate(String method, String path, int weight) {

    public RequestTemplate {
        requireNonNull(method, "method");
        requireNonNull(path, "path");
        if (method.isEmpty() || !method.chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
            throw new IllegalArgumentException("method: '" + method + "' (expected: an HTTP method such as GET)");
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path: '" + path + "' (expected: an origin-form path starting with /)");
        }
        if (weight < 1) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: >= 1)");
        }
    }

    /** Returns a GET of {@code path} with weight 1. */
    public static RequestTemplate get(String path) {
        return new RequestTemplate("GET", path, 1);
    }
}
