package io.guise.features;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cucumber.datatable.DataTable;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import io.guise.features.RunningManager.ApiResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The manager's admin API as an operator uses it: writes, reads, revisions and rejections. */
public final class ManagerSteps {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SpecWorld world;
    private ApiResponse last;

    public ManagerSteps(SpecWorld world) {
        this.world = world;
    }

    private RunningManager manager() {
        assertThat(world.manager).as("a persona manager started by an earlier step").isNotNull();
        return world.manager;
    }

    /** Builds a valid persona of {@code id} on port 8080, as JSON. */
    static ObjectNode persona(String id) {
        return JSON.createObjectNode()
                .put("id", id)
                .put("address_family", "IPv4")
                .put("address", "web")
                .put("port", 8080)
                .put("priority", 100);
    }

    @Given("a persona manager with an empty store")
    public void emptyManager() throws Exception {
        world.manager = new RunningManager(world.folder().resolve("manager"), false, world.http());
        world.manager.start();
    }

    @Given("a persona manager with a data directory and a distribution server")
    public void distributingManager() throws Exception {
        world.manager = new RunningManager(world.folder().resolve("manager"), true, world.http());
        world.manager.start();
    }

    @When("an operator creates persona {string} with {word} set to {}")
    public void createWithField(String id, String field, String jsonValue) throws Exception {
        final ObjectNode persona = persona(id);
        persona.set(field, JSON.readTree(jsonValue));
        last = manager().send("POST", "/personas", persona.toString());
    }

    @When("an operator creates a persona from this document:")
    public void createFromDocument(String document) throws Exception {
        last = manager().send("POST", "/personas", document);
    }

    @When("an operator applies this document:")
    public void applyDocument(String document) throws Exception {
        last = manager().send("POST", "/apply", document);
    }

    @When("an operator creates persona {string} with port {int}")
    public void create(String id, int port) throws Exception {
        last = manager().send("POST", "/personas", persona(id).put("port", port).toString());
    }

    @When("an operator replaces persona {string} with port {int}")
    public void replace(String id, int port) throws Exception {
        last = manager().send("PUT", "/personas/" + id, persona(id).put("port", port).toString());
    }

    @When("an operator deletes persona {string}")
    public void delete(String id) throws Exception {
        last = manager().send("DELETE", "/personas/" + id, null);
    }

    @When("an operator deletes persona {string} with If-Match {}")
    public void deleteIfMatch(String id, String ifMatch) throws Exception {
        last = manager().send("DELETE", "/personas/" + id, null, "If-Match", ifMatch);
    }

    @Given("the manager has persona {string} at revision {int}")
    public void hasPersona(String id, int revision) throws Exception {
        create(id, 8080);
        assertThat(last.status()).as("creating %s: %s", id, last.body()).isEqualTo(201);
        assertThat(last.body().get("revision").asLong()).isEqualTo(revision);
    }

    @Given("the manager has personas {string} and {string} at revision {int}")
    public void hasPersonas(String first, String second, int revision) throws Exception {
        hasPersona(first, revision - 1);
        hasPersona(second, revision);
    }

    @Given("subset {prefix} routes to persona {string} at revision {int}")
    public void hasSubset(String prefix, String persona, int revision) throws Exception {
        last = manager().send("PUT", "/subsets/" + prefix, JSON.createObjectNode().put("persona", persona)
                .toString());
        assertThat(last.status()).as("creating subset %s: %s", prefix, last.body()).isEqualTo(201);
        assertThat(last.body().get("revision").asLong()).isEqualTo(revision);
    }

    @Then("the manager rejects the write with status {int} and these violations:")
    public void rejectedWithViolations(int status, DataTable expected) {
        assertThat(last.status()).as("status of %s", last.body()).isEqualTo(status);
        final List<Map<String, String>> actual = new ArrayList<>();
        for (JsonNode violation : last.body().path("violations")) {
            actual.add(Map.of("path", violation.get("path").asText(), "value", violation.get("value").asText(),
                              "rule", violation.get("rule").asText()));
        }
        final List<Map<String, String>> rows = expected.asMaps();
        assertThat(actual).as("violations in %s", last.body()).hasSameSizeAs(rows);
        for (int i = 0; i < rows.size(); i++) {
            final Map<String, String> row = rows.get(i);
            final Map<String, String> violation = actual.get(i);
            assertThat(violation.get("path")).as("path of violation %d", i).isEqualTo(row.get("path"));
            assertThat(violation.get("value")).as("value of violation %d", i).isEqualTo(row.get("value"));
            final String rule = row.get("rule");
            if (rule.endsWith("...")) {
                assertThat(violation.get("rule")).as("rule of violation %d", i)
                        .startsWith(rule.substring(0, rule.length() - 3));
            } else {
                assertThat(violation.get("rule")).as("rule of violation %d", i).isEqualTo(rule);
            }
        }
        assertThat(last.body().get("error").asText()).contains("invalid configuration");
    }

    @Then("the manager rejects the document with status {int} and a problem naming {string}")
    public void rejectedDocument(int status, String name) {
        assertThat(last.status()).isEqualTo(status);
        assertThat(last.body().path("problems").toString()).contains(name);
    }

    @Then("the manager stores no persona and stays at revision {int}")
    public void nothingStored(int revision) throws Exception {
        final ApiResponse list = manager().send("GET", "/personas", null);
        assertThat(list.body().get("personas")).as("stored personas").isEmpty();
        assertThat(list.body().get("revision").asLong()).isEqualTo(revision);
    }

    @Then("the manager has only persona {string} at revision {int}")
    public void hasOnly(String id, int revision) throws Exception {
        listsPersonas(List.of(id), revision);
    }

    @Then("the manager lists personas {string} and {string} at revision {int}")
    public void listsTwo(String first, String second, int revision) throws Exception {
        listsPersonas(List.of(first, second), revision);
    }

    private void listsPersonas(List<String> ids, int revision) throws Exception {
        final ApiResponse list = manager().send("GET", "/personas", null);
        assertThat(list.body().get("personas").findValuesAsText("id")).containsExactlyElementsOf(ids);
        assertThat(list.body().get("revision").asLong()).isEqualTo(revision);
    }

    @Then("the manager responds {int} at revision {int} with ETag {string}")
    public void respondsWithEtag(int status, int revision, String etag) {
        assertThat(last.status()).as("status of %s", last.body()).isEqualTo(status);
        assertThat(last.body().get("revision").asLong()).isEqualTo(revision);
        assertThat(last.body().get("changed").asBoolean()).as("changed").isTrue();
        assertThat(last.etag()).isEqualTo("\"" + etag + "\"");
    }

    @Then("the manager responds {int} at revision {int} and reports no change")
    public void respondsUnchanged(int status, int revision) {
        assertThat(last.status()).as("status of %s", last.body()).isEqualTo(status);
        assertThat(last.body().get("revision").asLong()).isEqualTo(revision);
        assertThat(last.body().get("changed").asBoolean()).as("changed").isFalse();
    }

    @Then("the manager responds {int} with an error containing {string}")
    public void respondsWithError(int status, String text) {
        assertThat(last.status()).isEqualTo(status);
        assertThat(last.body().get("error").asText()).contains(text);
    }

    @Then("the manager responds {int}")
    public void responds(int status) {
        assertThat(last.status()).as("status of %s", last.body()).isEqualTo(status);
    }

    @Then("the manager is at revision {int}")
    public void atRevision(int revision) throws Exception {
        assertThat(manager().send("GET", "/snapshot", null).body().get("revision").asLong()).isEqualTo(revision);
    }

    @Then("persona {string} reads back with port {int} at revision {int}")
    public void readsBack(String id, int port, int revision) throws Exception {
        final ApiResponse read = manager().send("GET", "/personas/" + id, null);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.body().at("/persona/port").asInt()).isEqualTo(port);
        assertThat(read.body().get("revision").asLong()).isEqualTo(revision);
        assertThat(read.etag()).isEqualTo("\"" + revision + "\"");
    }

    @Then("reading persona {string} returns {int}")
    public void readReturns(String id, int status) throws Exception {
        assertThat(manager().send("GET", "/personas/" + id, null).status()).isEqualTo(status);
    }

    @When("the manager restarts on the same data directory")
    public void restart() throws Exception {
        manager().stop();
        world.manager.start();
    }
}
