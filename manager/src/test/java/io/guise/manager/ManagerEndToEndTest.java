package io.guise.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.guise.accesspoint.AccessPoint;
import io.guise.manager.store.RevisionStore;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.Listener;
import io.guise.proto.ManagerLink;
import io.guise.testing.LoopbackEndpoints;
import io.guise.testing.LoopbackEndpoints.HttpEndpoint;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole control loop through public interfaces: a write to the admin API of a
 * manager with a file store reaches a real access point over the distribution
 * stream, and survives a manager restart on the same data directory.
 */
@Timeout(60)
class ManagerEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private final LoopbackEndpoints endpoints = new LoopbackEndpoints();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private ManagerServer manager;
    private AccessPoint accessPoint;

    @TempDir
    Path dataDir;

    @AfterEach
    void stop() throws Exception {
        if (accessPoint != null) {
            accessPoint.close();
        }
        if (manager != null) {
            manager.close();
        }
        endpoints.close();
    }

    private ManagerServer startManager(int grpcPort) throws Exception {
        final ManagerServer.Options options = ManagerServer.Options.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .grpcListen(new InetSocketAddress("127.0.0.1", grpcPort))
                .dataDir(dataDir)
                .build();
        final RevisionStore store = ManagerServer.openStore(options);
        return ManagerServer.start(options, store);
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        final InetSocketAddress api = manager.boundAddress();
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.getPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                                             : HttpRequest.BodyPublishers.ofString(body))
                .header("content-type", "application/json")
                .timeout(WAIT)
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private String servedBy(InetSocketAddress listener) throws Exception {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener.getPort() + "/"))
                .timeout(WAIT)
                .build();
        final HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.headers().firstValue("x-guise-persona").orElse("-");
    }

    @Test
    void apiWrite_servedAcrossManagerRestart() throws Exception {
        final HttpEndpoint backend = endpoints.http("web-1", "127.0.0.1");
        manager = startManager(0);
        final int grpcPort = manager.distributionAddress().getPort();
        accessPoint = AccessPoint.start(AccessPointConfig.newBuilder()
                .setId("ap-e2e")
                .addListeners(Listener.newBuilder().setName("web").setMode("L7").addAddresses("127.0.0.1"))
                .setManager(ManagerLink.newBuilder().setAddress("127.0.0.1:" + grpcPort)
                                    .setReconnectInitialMs(50).setReconnectMaxMs(200))
                .build(), 1);
        final InetSocketAddress listener = accessPoint.listenerAddresses("web").get(0);

        final String document = "{\"personas\": [{\"id\": \"web\", \"address_family\": \"IPv4\", \"address\": \"web\","
                                + " \"port\": " + backend.port() + ", \"priority\": 10}],"
                                + " \"endpoints\": [{\"id\": \"web-1\", \"address\": \"127.0.0.1\", \"pool\": \"web\"}],"
                                + " \"subsets\": [{\"prefix\": \"127.0.0.0/8\", \"persona\": \"web\"}]}";
        assertThat(send("POST", "/apply", document).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> servedBy(listener).equals("200 web"));

        manager.close();
        manager = null;
        // Static stability: the access point keeps its last table while the manager is away.
        assertThat(servedBy(listener)).isEqualTo("200 web");

        manager = startManager(grpcPort);
        assertThat(manager.service().current().getRevision()).isEqualTo(1);
        final String canary = "{\"id\": \"canary\", \"address_family\": \"IPv4\", \"address\": \"web\", \"port\": "
                              + backend.port() + ", \"priority\": 20}";
        assertThat(send("PUT", "/personas/canary", canary).statusCode()).isEqualTo(201);
        assertThat(send("PUT", "/subsets/127.0.0.0/8", "{\"prefix\": \"127.0.0.0/8\", \"persona\": \"canary\"}")
                           .statusCode()).isEqualTo(200);

        await().atMost(WAIT).until(() -> servedBy(listener).equals("200 canary"));
        assertThat(accessPoint.routing().current().revision()).isEqualTo(3);
        final HttpResponse<String> statuses = send("GET", "/access-points", null);
        assertThat(statuses.body()).contains("\"id\" : \"ap-e2e\"").contains("\"applied_revision\" : 3");
    }
}
