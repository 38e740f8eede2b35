package io.guise.features;

import io.cucumber.datatable.DataTable;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.When;
import io.guise.fleet.Behaviour;
import io.guise.fleet.LatencyDistribution;
import io.guise.proto.Admission;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SubsetEntry;
import java.util.List;
import java.util.Map;

/** Endpoints, personas, subsets and static access points that serve them. */
public final class RoutingSteps {

    private final SpecWorld world;

    public RoutingSteps(SpecWorld world) {
        this.world = world;
    }

    @Given("the endpoint pools:")
    public void endpointPools(DataTable table) throws Exception {
        for (Map<String, String> row : table.asMaps()) {
            final String pool = row.get("pool");
            final int count = Tables.intOf(row.get("endpoints"));
            final String address = row.getOrDefault("address", "127.0.0.1");
            final Behaviour behaviour = Behaviour.HEALTHY.withLatency(
                    LatencyDistribution.fixed(Tables.intOf(row.get("latency_ms"))));
            for (int n = 1; n <= count; n++) {
                world.startHttpEndpoint(pool + "-" + n, pool, address, behaviour, 0, null, null);
            }
        }
    }

    @Given("the endpoints:")
    public void endpoints(DataTable table) throws Exception {
        for (Map<String, String> row : table.asMaps()) {
            final String weight = row.get("weight");
            world.startHttpEndpoint(row.get("endpoint"), row.get("pool"), "127.0.0.1", Behaviour.HEALTHY,
                                    Tables.intOf(row.get("tier")),
                                    weight == null ? null : Tables.intOf(weight),
                                    Tables.yesNo(row.get("healthy")));
        }
    }

    @Given("a TCP endpoint {string} in pool {string}")
    public void tcpEndpoint(String id, String pool) throws Exception {
        world.startTcpEndpoint(id, pool);
    }

    @Given("the personas:")
    public void personas(DataTable table) {
        for (Map<String, String> row : table.asMaps()) {
            world.personas.put(row.get("id"), Tables.persona(row));
        }
    }

    @Given("the subsets:")
    public void subsets(DataTable table) {
        for (Map<String, String> row : table.asMaps()) {
            final SubsetEntry entry = Tables.subset(row);
            world.subsets.put(entry.getPrefix(), entry);
        }
    }

    @Given("the access point admits {int} requests at once and queues {int}")
    public void admission(int maxConcurrent, int queueLimit) {
        world.settings.setAdmission(Admission.newBuilder().setMaxConcurrentRequests(maxConcurrent)
                                            .setQueueLimit(queueLimit));
    }

    @Given("an {word} access point on {addresses}")
    public void accessPoint(String mode, List<String> addresses) throws Exception {
        world.startStaticAccessPoint("ap-1", mode, addresses, 42);
    }

    @Given("an L7 access point {string} on {addresses}")
    public void namedAccessPoint(String id, List<String> addresses) throws Exception {
        world.startStaticAccessPoint(id, "L7", addresses, 42);
    }

    @Given("an L7 access point {string} on {addresses} with seed {long}")
    public void seededAccessPoint(String id, List<String> addresses, long seed) throws Exception {
        world.startStaticAccessPoint(id, "L7", addresses, seed);
    }

    @When("subset {prefix} is removed from the access point's table")
    public void removeSubset(String prefix) throws Exception {
        world.subsets.remove(prefix);
        replaceTable();
    }

    @When("the split of {prefix} changes to {arms}")
    public void changeSplit(String prefix, String arms) throws Exception {
        final SubsetEntry old = world.subsets.get(prefix);
        world.subsets.put(prefix, old.toBuilder()
                .setSplit(Tables.split(arms, old.getSplit().getHashSeed()))
                .build());
        replaceTable();
    }

    @When("endpoint {word} stops answering")
    public void endpointStops(String id) {
        world.fleet().get(id).kill();
    }

    /** Swaps the routing data gathered so far into the only access point, as a new revision would. */
    private void replaceTable() throws Exception {
        final RoutingSnapshot next = world.routing().toBuilder()
                .setRevision(world.accessPoint().routing().current().revision() + 1)
                .build();
        world.accessPoint().replaceRouting(next);
    }
}
