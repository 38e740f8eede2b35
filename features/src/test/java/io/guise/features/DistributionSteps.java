package io.guise.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cucumber.datatable.DataTable;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import io.guise.accesspoint.AccessPoint;
import io.guise.distribution.DistributionClient;
import io.guise.features.RunningManager.ApiResponse;
import io.guise.manager.distribution.AccessPointStatus;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.Endpoint;
import io.guise.proto.ManagerLink;
import io.guise.validation.TlsCapabilities;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Access points that follow the manager over the distribution stream: revisions,
 * ACKs and NACKs, lost links, restarts and state files.
 */
public final class DistributionSteps {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SpecWorld world;
    // How each following access point was started, so that it can be restarted the same way.
    private final Map<String, AccessPointConfig> configs = new LinkedHashMap<>();
    private final Map<String, TlsCapabilities> tlsProviders = new HashMap<>();
    // Full snapshots each access point's stream client had received when it first served a revision.
    private final Map<String, Long> firstSnapshots = new HashMap<>();
    private final Map<String, DistributionClient> firstClients = new HashMap<>();

    public DistributionSteps(SpecWorld world) {
        this.world = world;
    }

    private ApiResponse write(String method, String path, String body) throws Exception {
        final ApiResponse response = world.manager.send(method, path, body);
        assertThat(response.status()).as("%s %s: %s", method, path, response.body()).isIn(200, 201);
        return response;
    }

    @Given("an operator applies the personas, endpoints and subsets:")
    public void apply(DataTable table) throws Exception {
        final ObjectNode document = JSON.createObjectNode();
        final ArrayNode personas = document.putArray("personas");
        final ArrayNode subsets = document.putArray("subsets");
        for (Map<String, String> row : table.asMaps()) {
            personas.add(ManagerSteps.persona(row.get("persona")).put("address", row.get("pool")));
            subsets.addObject().put("prefix", row.get("prefix")).put("persona", row.get("persona"));
        }
        final ArrayNode endpoints = document.putArray("endpoints");
        for (Endpoint endpoint : world.endpoints.values()) {
            endpoints.addObject().put("id", endpoint.getId()).put("pool", endpoint.getPool())
                    .put("address", endpoint.getAddress()).put("port", endpoint.getPort());
        }
        write("POST", "/apply", document.toString());
    }

    @Given("access points {string} and {string} on {addresses} follow the manager")
    public void twoFollow(String first, String second, List<String> addresses) throws Exception {
        follow(first, addresses, null, TlsCapabilities.jdk());
        follow(second, addresses, null, TlsCapabilities.jdk());
    }

    @Given("access point {string} on {addresses} follows the manager with a state file")
    public void followWithStateFile(String id, List<String> addresses) throws Exception {
        follow(id, addresses, world.folder().resolve(id + ".state"), TlsCapabilities.jdk());
    }

    @Given("an access point {string} on {addresses} that supports only {word} follows the manager")
    public void followWithLeanTls(String id, List<String> addresses, String suite) throws Exception {
        follow(id, addresses, null, TlsCapabilities.of(Set.of(TlsCapabilities.TLS_1_3), Set.of(suite)));
    }

    private void follow(String id, List<String> addresses, Path stateFile, TlsCapabilities tls) throws Exception {
        final ManagerLink.Builder link = ManagerLink.newBuilder()
                .setAddress(world.manager.distributionAddress())
                .setReconnectInitialMs(20)
                .setReconnectMaxMs(200);
        if (stateFile != null) {
            link.setStateFile(stateFile.toString());
        }
        final AccessPointConfig config = world.accessPointConfig(id, "L7", addresses).setManager(link).build();
        configs.put(id, config);
        tlsProviders.put(id, tls);
        world.startAccessPoint(config, tls);
    }

    @Then("every access point serves revision {long}")
    public void everyServes(long revision) {
        for (String id : world.accessPoints.keySet()) {
            serves(id, revision);
        }
    }

    @Then("access points {string} and {string} serve revision {long}")
    public void twoServe(String first, String second, long revision) {
        serves(first, revision);
        serves(second, revision);
    }

    @Then("access point {string} serves revision {long}")
    public void serves(String id, long revision) {
        final AccessPoint accessPoint = world.accessPoint(id);
        await().atMost(SpecWorld.WAIT).until(() -> accessPoint.routing().current().revision() == revision
                                                   && accessPoint.distribution().heldRevision() == revision);
        if (!firstSnapshots.containsKey(id)) {
            firstSnapshots.put(id, accessPoint.distribution().snapshotsReceived());
            firstClients.put(id, accessPoint.distribution());
        }
    }

    @Then("access point {string} still serves revision {long}")
    public void stillServes(String id, long revision) {
        final AccessPoint accessPoint = world.accessPoint(id);
        assertThat(accessPoint.routing().current().revision()).as("revision served by %s", id).isEqualTo(revision);
    }

    @Then("no access point received a full snapshot after the first one")
    public void noNewSnapshot() {
        firstSnapshots.forEach((id, snapshots) -> {
            final DistributionClient client = world.accessPoint(id).distribution();
            // A link that came back is a new stream client, which counts from 0.
            final long expected = client == firstClients.get(id) ? snapshots : 0;
            assertThat(client.snapshotsReceived()).as("full snapshots received by %s", id).isEqualTo(expected);
        });
    }

    @Then("the manager lists these access points:")
    public void managerLists(DataTable table) throws Exception {
        for (Map<String, String> row : table.asMaps()) {
            final String id = row.get("id");
            await().atMost(SpecWorld.WAIT).untilAsserted(() -> {
                final JsonNode status = accessPointStatus(id);
                assertThat(status).as("status of %s", id).isNotNull();
                assertThat(status.get("connected").asText()).isEqualTo(row.get("connected"));
                assertThat(status.get("applied_revision").asText()).isEqualTo(row.get("applied_revision"));
                assertThat(status.get("last_nack_reason").asText())
                        .isEqualTo(Objects.toString(row.get("last_nack_reason"), ""));
            });
        }
    }

    private JsonNode accessPointStatus(String id) throws Exception {
        for (JsonNode status : world.manager.send("GET", "/access-points", null).body().get("access_points")) {
            if (status.get("id").asText().equals(id)) {
                return status;
            }
        }
        return null;
    }

    @When("an operator points persona {string} at pool {string}")
    public void pointPersona(String id, String pool) throws Exception {
        final ObjectNode persona = (ObjectNode) world.manager.send("GET", "/personas/" + id, null).body()
                .get("persona");
        persona.put("address", pool);
        write("PUT", "/personas/" + id, persona.toString());
    }

    @When("an operator creates a TLSv1.3 persona {string} with suite {word}")
    public void createTlsPersona(String id, String suite) throws Exception {
        final ObjectNode persona = ManagerSteps.persona(id).put("address", "alpha").put("tls_version", "TLSv1.3");
        persona.putArray("cipher_suites").add(suite);
        write("POST", "/personas", persona.toString());
    }

    @When("an operator deletes subset {prefix}")
    public void deleteSubset(String prefix) throws Exception {
        write("DELETE", "/subsets/" + prefix, null);
    }

    @When("an operator points subset {prefix} at a new persona {string} on pool {string}")
    public void newPersonaForSubset(String prefix, String id, String pool) throws Exception {
        write("POST", "/personas", ManagerSteps.persona(id).put("address", pool).toString());
        write("PUT", "/subsets/" + prefix, JSON.createObjectNode().put("persona", id).toString());
    }

    @Then("access point {string} rejects revision {long} with a NACK naming {string} and {string}")
    public void rejectsWithNack(String id, long revision, String first, String second) {
        await().atMost(SpecWorld.WAIT).untilAsserted(() -> {
            final AccessPointStatus status = world.manager.server().distribution().registry().status(id);
            assertThat(status).isNotNull();
            assertThat(status.lastNackRevision()).isEqualTo(revision);
            assertThat(status.lastNackReason()).contains(first).contains(second);
        });
        assertThat(world.accessPoint(id).distribution().nacksSent()).isEqualTo(1);
    }

    @Given("access point {string} loses its link to the manager")
    public void loseLink(String id) {
        world.accessPoint(id).disconnectManager();
    }

    @When("the link of access point {string} comes back")
    public void linkBack(String id) {
        world.accessPoint(id).reconnectManager();
    }

    @When("the manager restarts with an empty store on the same distribution address")
    public void newStore() throws Exception {
        world.manager.replaceDataDir(world.folder().resolve("manager-replacement"));
        world.manager.start();
    }

    @Then("every access point adopts the new store at revision {long} from a full snapshot")
    public void adoptNewStore(long revision) {
        final String epoch = world.manager.server().service().epoch();
        for (Map.Entry<String, AccessPoint> entry : world.accessPoints.entrySet()) {
            final AccessPoint accessPoint = entry.getValue();
            await().atMost(SpecWorld.WAIT).until(() -> epoch.equals(accessPoint.distribution().heldEpoch())
                                                       && accessPoint.routing().current().revision() == revision);
            assertThat(accessPoint.distribution().snapshotsReceived()).as("full snapshots of %s", entry.getKey())
                    .isGreaterThan(firstSnapshots.get(entry.getKey()));
        }
    }

    @When("the manager stops")
    public void managerStops() throws Exception {
        world.manager.stop();
    }

    @When("the manager starts again on the same data directory")
    public void managerStarts() throws Exception {
        world.manager.start();
    }

    @When("access point {string} restarts")
    public void restart(String id) throws Exception {
        world.accessPoints.remove(id).close();
        world.startAccessPoint(configs.get(id), tlsProviders.get(id));
    }

    @When("access point {string} restarts without its state file")
    public void restartWithoutState(String id) throws Exception {
        world.accessPoints.remove(id).close();
        Files.delete(Path.of(configs.get(id).getManager().getStateFile()));
        world.startAccessPoint(configs.get(id), tlsProviders.get(id));
    }

    @Then("access point {string} serves revision {long} without a link to the manager")
    public void servesAlone(String id, long revision) {
        final AccessPoint accessPoint = world.accessPoint(id);
        assertThat(accessPoint.routing().current().revision()).isEqualTo(revision);
        assertThat(accessPoint.distribution().connected()).as("connected to the manager").isFalse();
    }

    // --- requests through a named access point

    @Then("a request to {address} through each access point is served by endpoint {string}")
    public void eachServedByEndpoint(String destination, String endpoint) throws Exception {
        for (String id : world.accessPoints.keySet()) {
            servedByEndpoint(destination, id, endpoint);
        }
    }

    @Then("a request to {address} through {string} is served by endpoint {string}")
    public void servedByEndpoint(String destination, String id, String endpoint) throws Exception {
        final HttpResponse<String> response = get(destination, id);
        assertThat(response.statusCode()).as("status through %s", id).isEqualTo(200);
        assertThat(response.headers().firstValue("x-guise-endpoint")).as("endpoint through %s", id)
                .hasValue(endpoint);
    }

    @Then("a request to {address} through {string} is served by persona {string}")
    public void servedByPersona(String destination, String id, String persona) throws Exception {
        final HttpResponse<String> response = get(destination, id);
        assertThat(response.statusCode()).as("status through %s", id).isEqualTo(200);
        assertThat(response.headers().firstValue("x-guise-persona")).as("persona through %s", id)
                .hasValue(persona);
    }

    @Then("a request to {address} through {string} gets {int}")
    public void status(String destination, String id, int status) throws Exception {
        assertThat(get(destination, id).statusCode()).as("status through %s", id).isEqualTo(status);
    }

    @Then("a request to {address} through each access point gets {int}")
    public void eachStatus(String destination, int status) throws Exception {
        for (String id : world.accessPoints.keySet()) {
            status(destination, id, status);
        }
    }

    private HttpResponse<String> get(String destination, String id) throws Exception {
        final var address = SpecWorld.listenerAddress(world.accessPoint(id), destination);
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + destination + ":"
                                                                      + address.getPort() + "/"))
                .timeout(SpecWorld.WAIT)
                .build();
        return world.http().send(request, HttpResponse.BodyHandlers.ofString());
    }
}
