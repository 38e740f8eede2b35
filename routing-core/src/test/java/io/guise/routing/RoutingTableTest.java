package io.guise.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.metrics.AccessPointMetrics;
import io.guise.proto.Endpoint;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.Split;
import io.guise.proto.SplitArm;
import io.guise.proto.SubsetEntry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Routing decisions of a built table: pools by address family, ports, and sticky weighted splits. */
class RoutingTableTest {

    private static Persona persona(String id, String family, String address) {
        return Persona.newBuilder().setId(id).setAddressFamily(family).setAddress(address).setPort(8080)
                .setPriority(1).build();
    }

    private static SubsetEntry split(String prefix, int seed, String... armsAndWeights) {
        final Split.Builder split = Split.newBuilder().setHashSeed(seed);
        for (int i = 0; i < armsAndWeights.length; i += 2) {
            split.addArms(SplitArm.newBuilder().setPersona(armsAndWeights[i])
                                  .setWeight(Integer.parseInt(armsAndWeights[i + 1])));
        }
        return SubsetEntry.newBuilder().setPrefix(prefix).setSplit(split).build();
    }

    private static RoutingTable table(SubsetEntry... subsets) {
        final RoutingSnapshot snapshot = RoutingSnapshot.newBuilder()
                .addPersonas(persona("control", "IPv4", "pool"))
                .addPersonas(persona("canary", "IPv4", "pool"))
                .addPersonas(persona("third", "IPv4", "pool"))
                .addEndpoints(Endpoint.newBuilder().setId("e1").setAddress("127.0.0.1").setPool("pool"))
                .addAllSubsets(List.of(subsets))
                .build();
        return RoutingTable.build(snapshot, null, new AccessPointMetrics());
    }

    private static InetAddress client(int index) throws UnknownHostException {
        return InetAddress.getByAddress(new byte[] {10, (byte) (index >>> 16), (byte) (index >>> 8), (byte) index});
    }

    @ParameterizedTest(name = "weights {0}/{1}")
    @CsvSource({"95, 5", "50, 50", "10, 90", "1, 999"})
    void split_sharesMatchWeights(int controlWeight, int canaryWeight) throws Exception {
        final RoutingTable table = table(split("192.0.2.0/24", 7, "control", String.valueOf(controlWeight),
                                               "canary", String.valueOf(canaryWeight)));
        final InetAddress destination = InetAddress.getByName("192.0.2.10");
        final int clients = 100_000;

        int canary = 0;
        for (int i = 0; i < clients; i++) {
            if (table.route(RouteKey.of(destination, client(i))).id().equals("canary")) {
                canary++;
            }
        }

        final double p = canaryWeight / (double) (controlWeight + canaryWeight);
        final double bound = 5 * Math.sqrt(clients * p * (1 - p));
        assertThat((double) canary).isBetween(clients * p - bound, clients * p + bound);
    }

    @Test
    void split_sameClientSameArm() throws Exception {
        final RoutingTable first = table(split("192.0.2.0/24", 7, "control", "50", "canary", "50"));
        final RoutingTable rebuilt = table(split("192.0.2.0/24", 7, "control", "50", "canary", "50"));
        final InetAddress destination = InetAddress.getByName("192.0.2.10");

        for (int i = 0; i < 1000; i++) {
            final String arm = first.route(RouteKey.of(destination, client(i))).id();
            assertThat(first.route(RouteKey.of(destination, client(i))).id()).isEqualTo(arm);
            assertThat(rebuilt.route(RouteKey.of(destination, client(i))).id()).isEqualTo(arm);
        }
    }

    @Test
    void split_seedChangesAssignment() throws Exception {
        final RoutingTable seven = table(split("192.0.2.0/24", 7, "control", "50", "canary", "50"));
        final RoutingTable eight = table(split("192.0.2.0/24", 8, "control", "50", "canary", "50"));
        final InetAddress destination = InetAddress.getByName("192.0.2.10");

        int moved = 0;
        for (int i = 0; i < 1000; i++) {
            if (!seven.route(RouteKey.of(destination, client(i))).id()
                      .equals(eight.route(RouteKey.of(destination, client(i))).id())) {
                moved++;
            }
        }

        // Independent 50/50 assignments disagree for about half of the clients.
        assertThat(moved).isBetween(400, 600);
    }

    @Test
    void split_zeroWeightArmGetsNoClients() throws Exception {
        final RoutingTable table = table(split("192.0.2.0/24", 1, "control", "3", "canary", "0", "third", "1"));
        final InetAddress destination = InetAddress.getByName("192.0.2.10");

        for (int i = 0; i < 10_000; i++) {
            assertThat(table.route(RouteKey.of(destination, client(i))).id()).isNotEqualTo("canary");
        }
    }

    @Test
    void split_mappedIpv6ClientStaysInIpv4Arm() throws Exception {
        final RoutingTable table = table(split("192.0.2.0/24", 3, "control", "50", "canary", "50"));
        final InetAddress destination = InetAddress.getByName("192.0.2.10");

        for (int i = 0; i < 200; i++) {
            final byte[] v4 = client(i).getAddress();
            final byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xFF;
            mapped[11] = (byte) 0xFF;
            System.arraycopy(v4, 0, mapped, 12, 4);
            final long v4Hash = RouteKey.clientHash(client(i));
            final long mappedHash = RouteKey.clientHash(java.net.Inet6Address.getByAddress(null, mapped, -1));
            assertThat(mappedHash).isEqualTo(v4Hash);
            assertThat(table.route(RouteKey.of(destination, client(i))).id()).isNotNull();
        }
    }

    @Test
    void pool_leavesOutEndpointsOfOtherFamily() {
        final RoutingSnapshot snapshot = RoutingSnapshot.newBuilder()
                .addPersonas(persona("v6", "IPv6", "mixed"))
                .addEndpoints(Endpoint.newBuilder().setId("a4").setAddress("127.0.0.1").setPool("mixed"))
                .addEndpoints(Endpoint.newBuilder().setId("a6").setAddress("::1").setPool("mixed").setPort(9000))
                .build();

        final PersonaRoute route = RoutingTable.build(snapshot, null, new AccessPointMetrics()).persona("v6");

        assertThat(route.targets()).extracting(UpstreamTarget::endpointId).containsExactly("a6");
        assertThat(route.targets().get(0).address().getPort()).isEqualTo(9000);
    }

    @Test
    void pool_byAddressWhenNoPoolNameMatches() {
        final RoutingSnapshot snapshot = RoutingSnapshot.newBuilder()
                .addPersonas(persona("direct", "IPv4", "127.0.0.7"))
                .addEndpoints(Endpoint.newBuilder().setId("seven").setAddress("127.0.0.7"))
                .addEndpoints(Endpoint.newBuilder().setId("eight").setAddress("127.0.0.8"))
                .build();

        final PersonaRoute route = RoutingTable.build(snapshot, null, new AccessPointMetrics()).persona("direct");

        assertThat(route.targets()).extracting(UpstreamTarget::endpointId).containsExactly("seven");
        // The endpoint sets no port, so it takes the persona's.
        assertThat(route.targets().get(0).address().getPort()).isEqualTo(8080);
    }

    @Test
    void route_noMatchingSubsetReturnsNull() throws Exception {
        final RoutingTable table = table(split("192.0.2.0/24", 7, "control", "50", "canary", "50"));

        assertThat(table.route(RouteKey.of(InetAddress.getByName("198.51.100.1"), client(1)))).isNull();
    }
}
