package io.guise.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guise.manager.ManagerServer;
import io.guise.manager.health.DemotionSettings;
import io.guise.manager.health.HealthLoop;
import io.guise.manager.store.RevisionStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A persona manager on loopback with a file store, which a scenario can stop and
 * start again on the same data directory and distribution port, plus a client of
 * its admin API. Not thread-safe: steps drive it from one thread.
 */
final class RunningManager implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final boolean distribution;
    private Path dataDir;
    private int distributionPort;
    private ManagerServer server;
    private Duration healthWindow = HealthLoop.DEFAULT_WINDOW;
    private DemotionSettings demotionSettings = DemotionSettings.defaults();

    RunningManager(Path dataDir, boolean distribution, HttpClient http) {
        this.dataDir = dataDir;
        this.distribution = distribution;
        this.http = http;
    }

    /** Sets the health window and demotion settings that the next start uses. */
    void healthSettings(Duration window, DemotionSettings settings) {
        healthWindow = window;
        demotionSettings = settings;
    }

    /** Starts the manager; the distribution server takes the port it had before, or a free one the first time. */
    void start() throws IOException, InterruptedException {
        if (server != null) {
            return;
        }
        final ManagerServer.Options.Builder options = ManagerServer.Options.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .dataDir(dataDir)
                .healthWindow(healthWindow)
                .demotionSettings(demotionSettings);
        if (distribution) {
            options.grpcListen(new InetSocketAddress("127.0.0.1", distributionPort));
        }
        final ManagerServer.Options built = options.build();
        final RevisionStore store = ManagerServer.openStore(built);
        try {
            server = ManagerServer.start(built, store);
        } catch (RuntimeException | InterruptedException e) {
            store.close();
            throw e;
        }
        if (distribution) {
            distributionPort = server.distributionAddress().getPort();
        }
    }

    void stop() throws IOException {
        if (server != null) {
            final ManagerServer stopping = server;
            server = null;
            stopping.close();
        }
    }

    /** Stops the manager and makes the next start use {@code newDataDir}, a store with a new epoch. */
    void replaceDataDir(Path newDataDir) throws IOException {
        stop();
        dataDir = newDataDir;
    }

    ManagerServer server() {
        if (server == null) {
            throw new IllegalStateException("the manager is stopped (expected: a running manager)");
        }
        return server;
    }

    /** Returns the distribution address that access points connect to. */
    String distributionAddress() {
        return "127.0.0.1:" + distributionPort;
    }

    /** Sends one admin API request; {@code headers} alternate names and values. */
    ApiResponse send(String method, String path, String body, String... headers)
            throws IOException, InterruptedException {
        final InetSocketAddress api = server().boundAddress();
        final HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + api.getPort() + path))
                .timeout(SpecWorld.WAIT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                                             : HttpRequest.BodyPublishers.ofString(body))
                .header("content-type", "application/json");
        if (headers.length > 0) {
            request.headers(headers);
        }
        final HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        final JsonNode json = response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
        return new ApiResponse(response.statusCode(), response.headers(), json);
    }

    @Override
    public void close() throws IOException {
        stop();
    }

    /** One admin API response with its JSON body. */
    record ApiResponse(int status, HttpHeaders headers, JsonNode body) {

        String etag() {
            return headers.firstValue("etag").orElse(null);
        }
    }
}
