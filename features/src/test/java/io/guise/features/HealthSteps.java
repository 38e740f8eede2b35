package io.guise.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cucumber.datatable.DataTable;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import io.guise.accesspoint.AccessPoint;
import io.guise.features.RunningManager.ApiResponse;
import io.guise.fleet.FleetEndpoint;
import io.guise.load.ClientGroupSpec;
import io.guise.load.LoadModel;
import io.guise.manager.health.DemotionSettingsFile;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.Endpoint;
import io.guise.proto.LocalEjection;
import io.guise.proto.ManagerLink;
import io.guise.proto.RetryPolicy;
import io.guise.validation.TlsCapabilities;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Health reports, demotion and restoration: a manager with short health windows,
 * an access point that reports to it, and endpoints that start and stop failing.
 */
public final class HealthSteps {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SpecWorld world;
    private Duration healthWindow;
    // Wall-clock time in epoch milliseconds when the current fault began, the clock of the manager's decisions.
    private long faultStartMillis;
    private Traffic traffic;
    // Requests each endpoint had received before the latest burst.
    private final Map<String, Long> requestCounts = new HashMap<>();

    public HealthSteps(SpecWorld world) {
        this.world = world;
    }

    @Given("a persona manager that judges endpoint health every {int} ms with:")
    public void healthManager(int windowMillis, DataTable table) throws Exception {
        final ObjectNode settings = JSON.createObjectNode();
        for (Map.Entry<String, String> row : table.asMap().entrySet()) {
            settings.set(row.getKey(), JSON.readTree(row.getValue()));
        }
        healthWindow = Duration.ofMillis(windowMillis);
        world.manager = new RunningManager(world.folder().resolve("manager"), true, world.http());
        world.manager.healthSettings(healthWindow, DemotionSettingsFile.parse(settings.toString(), false,
                                                                                "the step's table"));
        world.manager.start();
    }

    @Given("access point {string} on {addresses} follows the manager, reports health every {int} ms, retries "
           + "failed requests and ejects an endpoint for {int} ms after {int} failures in a row")
    public void reportingAccessPoint(String id, List<String> addresses, int intervalMillis, int ejectionMillis,
                                     int failures) throws Exception {
        final AccessPointConfig config = world.accessPointConfig(id, "L7", addresses)
                .setManager(ManagerLink.newBuilder()
                                    .setAddress(world.manager.distributionAddress())
                                    .setReconnectInitialMs(20)
                                    .setReconnectMaxMs(200)
                                    .setHealthIntervalMs(intervalMillis))
                .setRetries(RetryPolicy.newBuilder().setMaxAttempts(3))
                .setLocalEjection(LocalEjection.newBuilder()
                                          .setConsecutiveFailures(failures)
                                          .setBaseEjectionMs(ejectionMillis)
                                          .setMaxEjectionMs(ejectionMillis))
                .build();
        world.startAccessPoint(config, TlsCapabilities.jdk());
    }

    @When("endpoint {word} starts answering every request with {int}")
    public void startsFailing(String id, int status) {
        fail(id, 100, status);
    }

    @When("endpoints {names} start answering half of their requests with {int}")
    public void startFailingHalf(List<String> ids, int status) {
        for (String id : ids) {
            fail(id, 50, status);
        }
    }

    private void fail(String id, double percent, int status) {
        final FleetEndpoint endpoint = world.fleet().get(id);
        endpoint.setBehaviour(endpoint.behaviour().withErrorRate(percent).withErrorStatusCodes(List.of(status)));
        faultStartMillis = System.currentTimeMillis();
    }

    @When("endpoint {word} recovers")
    public void recovers(String id) {
        final FleetEndpoint endpoint = world.fleet().get(id);
        endpoint.setBehaviour(endpoint.behaviour().withErrorRate(0));
    }

    @When("{int} requests are sent to {address} within 100 ms")
    public void burst(int count, String destination) throws Exception {
        for (String id : world.endpoints.keySet()) {
            requestCounts.put(id, world.fleet().get(id).requestCount());
        }
        traffic = sendBurst(world.accessPoint(), count, destination);
    }

    private Traffic sendBurst(AccessPoint accessPoint, int count, String destination) throws Exception {
        final ClientGroupSpec group = ClientGroupSpec.builder("burst",
                                                              SpecWorld.listenerAddress(accessPoint, destination))
                .clients(4)
                .model(LoadModel.constantRate(count * 10.0))
                .duration(Duration.ofMillis(100))
                .requestTimeout(Duration.ofSeconds(10))
                .build();
        return world.runLoad(List.of(group));
    }

    @Then("every one of them is answered 200")
    public void allOk() {
        assertThat(traffic.results()).isNotEmpty()
                .allSatisfy(result -> assertThat(result.status()).as("status of %s", result).isEqualTo(200));
    }

    @Then("each of them gets a response from an endpoint, and some are answered 200")
    public void someOk() {
        assertThat(traffic.results()).isNotEmpty()
                .allSatisfy(result -> assertThat(result.status()).as("status of %s", result).isIn(200, 500));
        assertThat(traffic.results()).anySatisfy(result -> assertThat(result.status()).isEqualTo(200));
    }

    @Then("the manager demotes {word} from tier {int} to tier {int} within three health intervals")
    public void demotedWithin(String id, int fromTier, int toTier) {
        final JsonNode demotion = awaitDecision("demote", id);
        assertThat(demotion.get("outcome").asText()).isEqualTo("written");
        assertThat(demotion.get("from_tier").asInt()).isEqualTo(fromTier);
        assertThat(demotion.get("to_tier").asInt()).isEqualTo(toTier);
        assertThat(demotion.get("time_ms").asLong() - faultStartMillis)
                .as("milliseconds from the fault to the demotion")
                .isLessThanOrEqualTo(3 * healthWindow.toMillis());
        awaitRevision(demotion.get("revision").asLong());
        assertThat(tierAtAccessPoint(id)).isEqualTo(toTier);
    }

    @Then("the decision log shows why: {word} failed {int}% of at least {int} requests reported by {string}")
    public void demotionEvidence(String id, int percent, int requests, String accessPoint) {
        final JsonNode evidence = awaitDecision("demote", id).get("evidence");
        assertThat(evidence.get("failure_percent").asDouble()).isEqualTo(percent);
        assertThat(evidence.get("requests").asLong()).isGreaterThanOrEqualTo(requests);
        assertThat(evidence.get("failures").asLong()).isEqualTo(evidence.get("requests").asLong());
        assertThat(evidence.get("reporters")).extracting(JsonNode::asText).containsExactly(accessPoint);
        assertThat(evidence.at("/thresholds/max_error_rate_percent").asDouble()).isEqualTo(20);
    }

    @Then("endpoint {word} received none of them")
    public void receivedNone(String id) {
        assertThat(world.fleet().get(id).requestCount()).isEqualTo(requestCounts.get(id));
        assertThat(traffic.byEndpoint()).doesNotContainKey(id);
    }

    @Then("the manager restores {word} to tier {int} after {int} windows without enough requests to judge it")
    public void restored(String id, int tier, int windows) {
        final JsonNode restoration = awaitDecision("restore", id);
        assertThat(restoration.get("outcome").asText()).isEqualTo("written");
        assertThat(restoration.get("to_tier").asInt()).isEqualTo(tier);
        assertThat(restoration.get("reason").asText()).contains("(needed: " + windows + ")");
        awaitRevision(restoration.get("revision").asLong());
        assertThat(tierAtAccessPoint(id)).isEqualTo(tier);
    }

    @Then("requests to {address} reach endpoint {word} again")
    public void reachedAgain(String destination, String id) {
        final long before = world.fleet().get(id).requestCount();
        // The access point probes the endpoint only when its local ejection runs out, so bursts repeat until then.
        await().atMost(SpecWorld.WAIT).until(() -> {
            traffic = sendBurst(world.accessPoint(), 20, destination);
            return traffic.byEndpoint().containsKey(id);
        });
        assertThat(world.fleet().get(id).requestCount()).isGreaterThan(before);
        assertThat(traffic.results()).allSatisfy(result -> assertThat(result.status()).isEqualTo(200));
    }

    @Then("the manager holds {names} as a fleet-wide fault and demotes none of them")
    public void heldFleetWide(List<String> ids) throws Exception {
        for (String id : ids) {
            assertThat(awaitDecision("hold_fleet_wide", id).get("reason").asText()).contains("fleet-wide");
        }
        for (JsonNode decision : decisions()) {
            assertThat(decision.get("action").asText()).as("decision %s", decision).isNotEqualTo("demote");
        }
        for (String id : ids) {
            assertThat(tierAtAccessPoint(id)).isEqualTo(0);
        }
    }

    /** Waits for the newest decision with {@code action} about the endpoint and returns it. */
    private JsonNode awaitDecision(String action, String endpointId) {
        final JsonNode[] found = new JsonNode[1];
        await().atMost(SpecWorld.WAIT).until(() -> {
            for (JsonNode decision : decisions()) {
                if (decision.get("action").asText().equals(action)
                    && decision.path("endpoint_id").asText().equals(endpointId)) {
                    found[0] = decision;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /** Returns the manager's decisions from GET /health/decisions, newest first. */
    private List<JsonNode> decisions() throws Exception {
        final ApiResponse response = world.manager.send("GET", "/health/decisions?limit=1000", null);
        assertThat(response.status()).as("GET /health/decisions: %s", response.body()).isEqualTo(200);
        final List<JsonNode> out = new ArrayList<>();
        response.body().path("decisions").forEach(out::add);
        return out;
    }

    private void awaitRevision(long revision) {
        final AccessPoint accessPoint = world.accessPoint();
        await().atMost(SpecWorld.WAIT).until(() -> accessPoint.routing().current().revision() >= revision);
    }

    /** Returns the endpoint's tier in the routing state that the only access point serves. */
    private int tierAtAccessPoint(String id) {
        for (Endpoint endpoint : world.accessPoint().routing().current().snapshot().getEndpointsList()) {
            if (endpoint.getId().equals(id)) {
                return endpoint.getTier();
            }
        }
        throw new AssertionError("endpoint " + id + " not found in the routing state of access point "
                                 + world.accessPoint().id());
    }
}
