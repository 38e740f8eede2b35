package io.guise.manager.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guise.manager.ManagerServer;
import io.guise.manager.health.DecisionRecord;
import io.guise.manager.health.DemotionSettings;
import io.guise.manager.store.InMemoryRevisionStore;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class AdminApiTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String WEB = "{\"id\": \"web\", \"address_family\": \"IPv4\", \"address\": \"web\","
                                      + " \"port\": 8081, \"priority\": 100}";

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ManagerServer server;
    private String base;
    private String token;

    @BeforeEach
    void setUp() throws Exception {
        start(ManagerServer.Options.builder()
                      .listen(new InetSocketAddress("127.0.0.1", 0))
                      .maxRequestBytes(16 * 1024)
                      .accessPoints(() -> List.of(Map.of("id", "ap-1", "acked_revision", 3))));
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
    }

    private void start(ManagerServer.Options.Builder options) throws Exception {
        if (server != null) {
            server.close();
        }
        final ManagerServer.Options built = options.build();
        server = ManagerServer.start(built, new InMemoryRevisionStore(100));
        base = "http://127.0.0.1:" + server.boundAddress().getPort();
        token = built.bearerToken();
    }

    private HttpResponse<String> send(String method, String path, String body, String... headers)
            throws Exception {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.setHeader(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return MAPPER.readTree(response.body());
    }

    private long revision() {
        return server.service().current().getRevision();
    }

    @Test
    void personaCrudRoundTrip() throws Exception {
        final HttpResponse<String> created = send("PUT", "/personas/web", WEB);
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(json(created).get("revision").asLong()).isEqualTo(1);
        assertThat(json(created).get("changed").asBoolean()).isTrue();
        assertThat(created.headers().firstValue("ETag")).hasValue("\"1\"");

        final HttpResponse<String> read = send("GET", "/personas/web", null);
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(json(read).at("/persona/port").asInt()).isEqualTo(8081);
        assertThat(json(read).get("revision").asLong()).isEqualTo(1);
        assertThat(read.headers().firstValue("ETag")).hasValue("\"1\"");

        final HttpResponse<String> replaced = send("PUT", "/personas/web", WEB.replace("100", "7"));
        assertThat(replaced.statusCode()).isEqualTo(200);
        assertThat(json(replaced).get("revision").asLong()).isEqualTo(2);

        final HttpResponse<String> same = send("PUT", "/personas/web", WEB.replace("100", "7"));
        assertThat(json(same).get("changed").asBoolean()).isFalse();
        assertThat(json(same).get("revision").asLong()).isEqualTo(2);

        final HttpResponse<String> listed = send("GET", "/personas", null);
        assertThat(json(listed).get("personas")).hasSize(1);
        assertThat(json(listed).at("/personas/0/priority").asInt()).isEqualTo(7);

        final HttpResponse<String> posted = send("POST", "/personas", WEB.replace("\"web\",", "\"api\","));
        assertThat(posted.statusCode()).isEqualTo(201);
        assertThat(send("POST", "/personas", WEB).statusCode()).isEqualTo(409);

        final HttpResponse<String> deleted = send("DELETE", "/personas/api", null);
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(json(deleted).get("revision").asLong()).isEqualTo(4);
        assertThat(send("GET", "/personas/api", null).statusCode()).isEqualTo(404);
    }

    @Test
    void endpointCrudRoundTrip() throws Exception {
        final String body = "{\"address\": \"127.0.0.1\", \"port\": 8081, \"pool\": \"web\"}";

        assertThat(send("PUT", "/endpoints/web-1", body).statusCode()).isEqualTo(201);
        final JsonNode read = json(send("GET", "/endpoints/web-1", null));
        assertThat(read.at("/endpoint/id").asText()).isEqualTo("web-1");
        assertThat(read.at("/endpoint/pool").asText()).isEqualTo("web");

        assertThat(json(send("GET", "/endpoints", null)).get("endpoints")).hasSize(1);
        assertThat(send("DELETE", "/endpoints/web-1", null).statusCode()).isEqualTo(200);
        assertThat(json(send("GET", "/endpoints", null)).get("endpoints")).isEmpty();
    }

    @Test
    void subsetCrudUsesCanonicalPrefix() throws Exception {
        send("PUT", "/personas/web", WEB);

        assertThat(send("PUT", "/subsets/10.0.0.0/8", "{\"persona\": \"web\"}").statusCode()).isEqualTo(201);
        assertThat(send("PUT", "/subsets/::1/128", "{\"prefix\": \"::1/128\", \"persona\": \"web\"}").statusCode())
                .isEqualTo(201);

        assertThat(json(send("GET", "/subsets/10.0.0.0/8", null)).at("/subset/persona").asText()).isEqualTo("web");
        assertThat(send("GET", "/subsets/0:0:0:0:0:0:0:1/128", null).statusCode()).isEqualTo(200);
        assertThat(json(send("GET", "/subsets", null)).get("subsets")).hasSize(2);

        final HttpResponse<String> mismatch = send("PUT", "/subsets/10.0.0.0/8",
                                                   "{\"prefix\": \"10.1.0.0/16\", \"persona\": \"web\"}");
        assertThat(mismatch.statusCode()).isEqualTo(400);
        assertThat(json(mismatch).get("error").asText()).contains("10.1.0.0/16");

        assertThat(send("DELETE", "/subsets/::1/128", null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/subsets/::1/128", null).statusCode()).isEqualTo(404);
    }

    @Test
    void putRejectsMismatchedId() throws Exception {
        final HttpResponse<String> response = send("PUT", "/personas/other", WEB);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("error").asText()).contains("\"web\"").contains("\"other\"");
        assertThat(revision()).isZero();
    }

    @Test
    void invalidBodyListsEveryViolation() throws Exception {
        final String bad = WEB.replace("8081", "70000").replace("100", "5000");

        final HttpResponse<String> response = send("PUT", "/personas/web", bad);

        assertThat(response.statusCode()).isEqualTo(400);
        final JsonNode body = json(response);
        assertThat(body.get("error").asText()).contains("violations");
        assertThat(body.get("violations").findValuesAsText("path")).contains("port", "priority");
        assertThat(body.get("violations").findValuesAsText("value")).contains("70000", "5000");
        assertThat(body.at("/violations/0/rule").asText()).isNotEmpty();
        assertThat(body.at("/violations/0/message").asText()).contains("(expected: ");
        assertThat(revision()).isZero();
    }

    @Test
    void unknownFieldNamed() throws Exception {
        final HttpResponse<String> response = send("PUT", "/personas/web", WEB.replace("}", ", \"colour\": 1}"));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("problems").toString()).contains("colour");
        assertThat(revision()).isZero();
    }

    @Test
    void unknownPathAndIdAreNotFound() throws Exception {
        final HttpResponse<String> path = send("GET", "/nothing-here", null);
        final HttpResponse<String> id = send("GET", "/personas/missing", null);
        final HttpResponse<String> delete = send("DELETE", "/endpoints/missing", null);

        assertThat(path.statusCode()).isEqualTo(404);
        assertThat(json(path).get("error").asText()).contains("/nothing-here");
        assertThat(id.statusCode()).isEqualTo(404);
        assertThat(json(id).get("error").asText()).contains("missing");
        assertThat(delete.statusCode()).isEqualTo(404);
    }

    @Test
    void wrongMethodNamesAllowed() throws Exception {
        final HttpResponse<String> response = send("DELETE", "/personas", null);

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).hasValue("GET, POST");
        assertThat(send("GET", "/apply", null).headers().firstValue("Allow")).hasValue("POST");
    }

    @Test
    void staleIfMatchConflicts() throws Exception {
        send("PUT", "/personas/web", WEB);
        send("PUT", "/personas/api", WEB.replace("\"web\",", "\"api\","));

        final HttpResponse<String> stale = send("DELETE", "/personas/api", null, "If-Match", "\"1\"");
        final HttpResponse<String> fresh = send("DELETE", "/personas/api", null, "If-Match", "2");

        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(json(stale).get("error").asText()).contains("expected revision 1");
        assertThat(fresh.statusCode()).isEqualTo(200);
        assertThat(send("PUT", "/personas/web", WEB, "If-Match", "soon").statusCode()).isEqualTo(400);
    }

    @Test
    void referencedPersonaDeleteConflicts() throws Exception {
        send("PUT", "/personas/web", WEB);
        send("PUT", "/subsets/10.0.0.0/8", "{\"persona\": \"web\"}");

        final HttpResponse<String> response = send("DELETE", "/personas/web", null);

        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(json(response).get("error").asText()).contains("10.0.0.0/8");
        assertThat(revision()).isEqualTo(2);
    }

    @Test
    void oversizedBodyRejected() throws Exception {
        final String huge = "{\"id\": \"" + "x".repeat(32 * 1024) + "\"}";

        final HttpResponse<String> response = send("PUT", "/personas/web", huge);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(json(response).get("error").asText()).contains("16384");
        assertThat(revision()).isZero();
        assertThat(send("GET", "/healthz", null).statusCode()).isEqualTo(200);
    }

    @Test
    void malformedBodiesChangeNothing() throws Exception {
        final List<String> bodies = List.of("{\"id\": ", "", "   ", "[1, 2]", "\u0000\u0001\u00ff\ufffe junk",
                                            "{\"id\": \"web\"} {\"id\": \"api\"}", "port: [");
        for (String body : bodies) {
            final HttpResponse<String> response = send("PUT", "/personas/web", body);
            assertThat(response.statusCode()).as("status for %s", body).isEqualTo(400);
            assertThat(json(response).get("error").asText()).as("error for %s", body).isNotBlank();
        }
        final HttpRequest binary = HttpRequest.newBuilder(URI.create(base + "/apply"))
                .timeout(Duration.ofSeconds(10))
                .POST(BodyPublishers.ofByteArray(new byte[] {(byte) 0xc3, 0x28, (byte) 0xff, 0, 1, 2}))
                .build();
        assertThat(client.send(binary, BodyHandlers.ofString()).statusCode()).isEqualTo(400);

        assertThat(revision()).isZero();
        assertThat(server.api().metrics().writeCount("malformed")).isEqualTo(bodies.size() + 1);
        assertThat(send("GET", "/healthz", null).statusCode()).isEqualTo(200);
    }

    @Test
    void applyYamlWithPrune() throws Exception {
        final String yaml = """
                personas:
                  - {id: web, address_family: IPv4, address: web, port: 8081, priority: 100}
                  - {id: old, address_family: IPv4, address: web, port: 8081, priority: 1}
                endpoints:
                  - {id: web-1, address: 127.0.0.1, port: 8081, pool: web}
                subsets:
                  - {prefix: 10.0.0.0/8, persona: web}
                """;
        final HttpResponse<String> applied = send("POST", "/apply", yaml, "Content-Type", "application/yaml");
        assertThat(applied.statusCode()).isEqualTo(200);
        assertThat(json(applied).get("revision").asLong()).isEqualTo(1);

        final String smaller = yaml.replaceAll("(?m)^  - \\{id: old.*\\n", "");
        final HttpResponse<String> pruned = send("POST", "/apply?prune=true", smaller,
                                                 "Content-Type", "application/yaml");
        assertThat(pruned.statusCode()).isEqualTo(200);
        assertThat(json(pruned).get("revision").asLong()).isEqualTo(2);

        final JsonNode snapshot = json(send("GET", "/snapshot", null));
        assertThat(snapshot.get("revision").asLong()).isEqualTo(2);
        assertThat(snapshot.get("epoch").asText()).isEqualTo(server.service().epoch());
        assertThat(snapshot.get("personas").findValuesAsText("id")).containsExactly("web");
        assertThat(snapshot.get("subsets")).hasSize(1);
    }

    @Test
    void applyRejectsAllOnOneViolation() throws Exception {
        final String document = "{\"personas\": [" + WEB + ", " + WEB.replace("\"web\",", "\"api\",")
                .replace("8081", "0") + "]}";

        final HttpResponse<String> response = send("POST", "/apply", document);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("violations").findValuesAsText("path")).contains("personas[1].port");
        assertThat(revision()).isZero();
    }

    @Test
    void metricsHealthAndAccessPoints() throws Exception {
        send("PUT", "/personas/web", WEB);

        final HttpResponse<String> metrics = send("GET", "/metrics", null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("guise_manager_revision 1");
        assertThat(metrics.body()).contains("guise_manager_writes_total{result=\"changed\"} 1");

        assertThat(json(send("GET", "/healthz", null)).get("status").asText()).isEqualTo("ok");
        final JsonNode accessPoints = json(send("GET", "/access-points", null));
        assertThat(accessPoints.at("/access_points/0/id").asText()).isEqualTo("ap-1");
    }

    @Test
    void tokenRequiredWhenSet() throws Exception {
        start(ManagerServer.Options.builder().listen(new InetSocketAddress("127.0.0.1", 0)).bearerToken("s3cret"));

        final HttpResponse<String> withToken = send("GET", "/personas", null);
        token = null;
        final HttpResponse<String> missing = send("GET", "/personas", null);
        final HttpResponse<String> wrong = send("PUT", "/personas/web", WEB, "Authorization", "Bearer guess");
        final HttpResponse<String> health = send("GET", "/healthz", null);

        assertThat(withToken.statusCode()).isEqualTo(200);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                value -> assertThat(value).startsWith("Bearer"));
        assertThat(json(missing).get("error").asText()).contains("missing bearer token");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(json(wrong).get("error").asText()).contains("invalid bearer token");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(revision()).isZero();
    }

    @Test
    void nonLoopbackWithoutTokenRefused() {
        final ManagerServer.Options options = ManagerServer.Options.builder()
                .listen(new InetSocketAddress("0.0.0.0", 0))
                .build();

        assertThatThrownBy(() -> ManagerServer.start(options, new InMemoryRevisionStore(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0.0.0.0")
                .hasMessageContaining("token");
    }

    @Test
    void healthDecisions_newestFirstWithRecordedValues() throws Exception {
        final DecisionRecord demotion = new DecisionRecord(
                1_000, DecisionRecord.Action.DEMOTE, "failure share 50.0% over 100 requests exceeds 20.0%",
                DecisionRecord.Outcome.WRITTEN, 7, "",
                new DecisionRecord.EndpointEvidence("web-2", "web", 0, 1, 100, 50, 50.0, 5.0, 4.0,
                                                    List.of("ap-1", "ap-2"), List.of("ap-2"),
                                                    DemotionSettings.defaults()),
                null);
        final DecisionRecord stop = new DecisionRecord(
                2_000, DecisionRecord.Action.CANARY_STOP, "failure share of canary exceeds stable's",
                DecisionRecord.Outcome.WRITTEN, 8, "", null,
                new DecisionRecord.CanaryEvidence("10.0.0.0/8", "canary", "stable", 10, 0,
                                                  new DecisionRecord.ArmFigures(60, 40, 0, 100, 40.0, 9.0, 12.0, 3),
                                                  new DecisionRecord.ArmFigures(995, 5, 0, 1000, 0.5, 2.0, 4.0, 0),
                                                  1e-9, 0.25));
        server.health().decisions().add(demotion);
        server.health().decisions().add(stop);

        final JsonNode all = json(send("GET", "/health/decisions", null));
        assertThat(all.get("decisions")).hasSize(2);
        final JsonNode canary = all.at("/decisions/0");
        assertThat(canary.get("action").asText()).isEqualTo("canary_stop");
        assertThat(canary.get("time_ms").asLong()).isEqualTo(2_000);
        assertThat(canary.get("revision").asLong()).isEqualTo(8);
        assertThat(canary.get("prefix").asText()).isEqualTo("10.0.0.0/8");
        assertThat(canary.get("arm").asText()).isEqualTo("canary");
        assertThat(canary.get("control").asText()).isEqualTo("stable");
        assertThat(canary.get("from_weight").asInt()).isEqualTo(10);
        assertThat(canary.get("to_weight").asInt()).isZero();
        assertThat(canary.at("/evidence/arm/failure_percent").asDouble()).isEqualTo(40.0);
        assertThat(canary.at("/evidence/arm/p50_ms").asDouble()).isEqualTo(9.0);
        assertThat(canary.at("/evidence/arm/injected_faults").asLong()).isEqualTo(3);
        assertThat(canary.at("/evidence/control/requests").asLong()).isEqualTo(1000);
        assertThat(canary.at("/evidence/error_p_value").asDouble()).isEqualTo(1e-9);
        assertThat(canary.at("/evidence/latency_p_value").asDouble()).isEqualTo(0.25);
        assertThat(canary.has("endpoint_id")).isFalse();
        final JsonNode endpoint = all.at("/decisions/1");
        assertThat(endpoint.get("action").asText()).isEqualTo("demote");
        assertThat(endpoint.get("endpoint_id").asText()).isEqualTo("web-2");
        assertThat(endpoint.get("to_tier").asInt()).isEqualTo(1);
        assertThat(endpoint.at("/evidence/pool_median_p99_ms").asDouble()).isEqualTo(4.0);
        assertThat(endpoint.at("/evidence/reporters").toString()).isEqualTo("[\"ap-1\",\"ap-2\"]");
        assertThat(endpoint.at("/evidence/ejected_by").toString()).isEqualTo("[\"ap-2\"]");
        assertThat(endpoint.at("/evidence/thresholds/latency_outlier_factor").asDouble()).isEqualTo(3.0);

        final JsonNode newest = json(send("GET", "/health/decisions?limit=1", null));
        assertThat(newest.get("decisions")).hasSize(1);
        assertThat(newest.at("/decisions/0/action").asText()).isEqualTo("canary_stop");
    }

    @Test
    void healthDecisions_badLimitRejectedNamingParameter() throws Exception {
        for (String limit : List.of("abc", "0", "1001", "-3")) {
            final HttpResponse<String> response = send("GET", "/health/decisions?limit=" + limit, null);
            assertThat(response.statusCode()).as(limit).isEqualTo(400);
            assertThat(json(response).get("error").asText()).as(limit)
                    .isEqualTo("limit: \"" + limit + "\" (expected: an integer from 1 to 1000)");
        }
        assertThat(send("POST", "/health/decisions", "{}").statusCode()).isEqualTo(405);
    }

    @Test
    void healthEndpoints_listsEveryEndpointWithThresholds() throws Exception {
        send("PUT", "/endpoints/web-1", "{\"address\": \"127.0.0.1\", \"port\": 8081, \"pool\": \"web\"}");
        final JsonNode body = json(send("GET", "/health/endpoints", null));
        assertThat(body.get("revision").asLong()).isEqualTo(1);
        assertThat(body.at("/thresholds/min_requests").asLong()).isEqualTo(20);
        assertThat(body.at("/thresholds/max_demoted_percent").asDouble()).isEqualTo(50.0);
        assertThat(body.has("window")).isTrue();
        assertThat(body.has("window_end_ms")).isTrue();
        assertThat(body.get("endpoints").isArray()).isTrue();
    }
}
