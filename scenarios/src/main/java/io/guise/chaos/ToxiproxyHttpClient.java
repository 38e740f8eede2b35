package io.guise.chaos;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * The harness's client of a Toxiproxy HTTP API, embedded or real, on loopback
 * only. Updates use POST, which every Toxiproxy 2.x accepts. Thread-safe.
 */
public final class ToxiproxyHttpClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final InetSocketAddress api;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    /**
     * @throws ChaosException when the API address is not loopback
     */
    public ToxiproxyHttpClient(InetSocketAddress api) {
        requireNonNull(api, "api");
        if (api.getAddress() == null || !api.getAddress().isLoopbackAddress()) {
            throw ChaosException.invalid("toxiproxy", String.valueOf(api), LoopbackAddress.RULE);
        }
        this.api = api;
    }

    /** Returns the API address. */
    public InetSocketAddress api() {
        return api;
    }

    /** Returns the server's version text. */
    public String version() throws IOException {
        final JsonNode reply = send("GET", "/version", null);
        return reply != null && reply.has("version") ? reply.get("version").asText() : String.valueOf(reply);
    }

    /**
     * Creates an enabled proxy and returns the address it listens on; a listen
     * port of 0 comes back as the port picked.
     */
    public InetSocketAddress createProxy(String name, String listen, String upstream) throws IOException {
        final ObjectNode body = JSON.createObjectNode().put("name", name).put("listen", listen)
                .put("upstream", upstream).put("enabled", true);
        final JsonNode reply = send("POST", "/proxies", body);
        final String listening = reply.path("listen").asText();
        try {
            return LoopbackAddress.parse("listen", listening, 1);
        } catch (ChaosException e) {
            throw new IOException("Toxiproxy at " + LoopbackAddress.format(api) + " created proxy " + name
                    + " listening on " + listening + ", which is not a loopback address: " + e.getMessage(), e);
        }
    }

    /** Deletes a proxy. */
    public void deleteProxy(String name) throws IOException {
        send("DELETE", "/proxies/" + name, null);
    }

    /** Enables or disables a proxy; disabling closes its connections and refuses new ones. */
    public void setEnabled(String proxy, boolean enabled) throws IOException {
        send("POST", "/proxies/" + proxy, JSON.createObjectNode().put("enabled", enabled));
    }

    /** Adds a toxic to a proxy. */
    public void addToxic(String proxy, Toxic toxic) throws IOException {
        final ObjectNode body = JSON.createObjectNode()
                .put("name", toxic.name())
                .put("type", toxic.type().wireName())
                .put("stream", toxic.stream().wireName())
                .put("toxicity", toxic.toxicity());
        final ObjectNode attributes = body.putObject("attributes");
        toxic.attributes().forEach(attributes::put);
        send("POST", "/proxies/" + proxy + "/toxics", body);
    }

    /** Changes a toxic's toxicity, when not null, and the attributes given. */
    public void updateToxic(String proxy, String toxic, Double toxicity, Map<String, Long> attributes)
            throws IOException {
        final ObjectNode body = JSON.createObjectNode();
        if (toxicity != null) {
            body.put("toxicity", toxicity);
        }
        if (!attributes.isEmpty()) {
            final ObjectNode values = body.putObject("attributes");
            attributes.forEach(values::put);
        }
        send("POST", "/proxies/" + proxy + "/toxics/" + toxic, body);
    }

    /** Removes a toxic from a proxy. */
    public void removeToxic(String proxy, String toxic) throws IOException {
        send("DELETE", "/proxies/" + proxy + "/toxics/" + toxic, null);
    }

    private JsonNode send(String method, String path, JsonNode body) throws IOException {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + LoopbackAddress.format(api) + path))
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        final HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while calling Toxiproxy at " + LoopbackAddress.format(api), e);
        }
        if (response.statusCode() / 100 != 2) {
            String message = response.body();
            try {
                final JsonNode error = JSON.readTree(response.body());
                if (error.has("error")) {
                    message = error.get("error").asText();
                }
            } catch (IOException e) {
                // The body is not JSON; the raw text is the message.
            }
            throw new IOException("Toxiproxy at " + LoopbackAddress.format(api) + ": " + method + " " + path
                    + " answered " + response.statusCode() + ": " + message);
        }
        return response.body().isBlank() ? null : JSON.readTree(response.body());
    }
}
