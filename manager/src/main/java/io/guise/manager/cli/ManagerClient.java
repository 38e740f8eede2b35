package io.guise.manager.cli;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.guise.tls.PemFiles;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

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
        this(base, token, null);
    }

    /**
     * Creates a client that trusts only the CA certificates in {@code caFile} for an
     * https URL.
     *
     * @param caFile PEM CA certificates, or null to use the system's trust store
     * @throws IllegalArgumentException when {@code caFile} is set for a URL that is
     *     not https, or is missing, unreadable or contains no certificate
     */
    ManagerClient(URI base, String token, Path caFile) {
        final String text = requireNonNull(base, "base").toString();
        this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.token = token;
        final HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (caFile != null) {
            if (!"https".equalsIgnoreCase(base.getScheme())) {
                throw new IllegalArgumentException("--ca-file: set, but --manager " + base + " is not an https URL"
                                                   + " (expected: https://ADDRESS:PORT, or leave out --ca-file)");
            }
            builder.sslContext(trusting(PemFiles.certificates("--ca-file", caFile,
                                                              "the CA certificates of the manager's certificate")));
        }
        this.client = builder.build();
    }

    private static SSLContext trusting(List<X509Certificate> authorities) {
        try {
            final KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < authorities.size(); i++) {
                store.setCertificateEntry("manager-ca-" + i, authorities.get(i));
            }
            final TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("--ca-file: building a trust store from the CA certificates failed: "
                                               + e.getMessage(), e);
        }
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
