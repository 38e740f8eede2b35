package io.guise.manager.cli;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Calls the manager's admin API with {@link HttpClient}. Thread-safe.
 */
final class ManagerClient {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** A response: the status and the JSON body, or a body with only "error" when it was not JSON. */
    record Response(int status, JsonNode body) {
        boolean isSuccess() {
            return status >= 200 && status < 300;
        }
    }

    private final URI base;
    private final String token;
    private final HttpClient client;

    /**
     * Creates a client.
     *
     * @param token the bearer token, or null to send none
     */
    ManagerClient(URI base, String token) {
        final String text = requireNonNull(base, "base").toString();
        this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.token = token;
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    URI base() {
        return base;
    }

    /**
     * Sends a request and reads the JSON response.
     *
     * @param body the request body, or null for none
     * @param contentType the body's media type, or null for none
     * @param ifMatch the {@code If-Match} revision, or null for none
     * @throws IOException when the manager cannot be reached
     */
    Response send(String method, String path, String body, String contentType, Long ifMatch)
            throws IOException, InterruptedException {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                                             : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (ifMatch != null) {
            request.header("If-Match", "\"" + ifMatch + "\"");
        }
        final HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json;
        try {
            json = MAPPER.readTree(response.body());
        } catch (IOException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            json = JsonNodeFactory.instance.objectNode()
                    .put("error", "HTTP " + response.statusCode() + " with a body that is not JSON: "
                                  + abbreviate(response.body()));
        }
        return new Response(response.statusCode(), json);
    }

    /** Percent-encodes a resource key for a path; the API decodes it, so a subset prefix may keep its slash. */
    static String encodeKey(String key) {
        return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
