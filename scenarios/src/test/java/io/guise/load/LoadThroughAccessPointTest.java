package io.guise.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.accesspoint.AccessPoint;
import io.guise.fleet.Behaviour;
import io.guise.fleet.Fleet;
import io.guise.fleet.FleetEndpoint;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.AdminListener;
import io.guise.proto.Endpoint;
import io.guise.proto.Listener;
import io.guise.proto.Persona;
import io.guise.proto.SubsetEntry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Load through a real access point: the destination address picks the persona, and response headers are read. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoadThroughAccessPointTest {

    private final EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final Fleet fleet = Fleet.create(11, 1);
    private AccessPoint accessPoint;

    @AfterEach
    void closeAll() {
        if (accessPoint != null) {
            accessPoint.close();
        }
        fleet.close();
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private static Persona persona(String id, double errorRatePercent) {
        return Persona.newBuilder().setId(id).setAddressFamily("IPv4").setAddress("web").setPort(80)
                      .setPriority(100).setErrorRatePercent(errorRatePercent).build();
    }

    private static Endpoint endpoint(FleetEndpoint fleetEndpoint) {
        return Endpoint.newBuilder().setId(fleetEndpoint.id()).setPool("web")
                       .setAddress(fleetEndpoint.address().getAddress().getHostAddress())
                       .setPort(fleetEndpoint.address().getPort()).build();
    }

    @Test
    void recorder_splitsByPersonaAndEndpoint() throws Exception {
        final InetSocketAddress anyPort = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        final FleetEndpoint first = fleet.start("web-1", anyPort, Behaviour.HEALTHY);
        final FleetEndpoint second = fleet.start("web-2", anyPort, Behaviour.HEALTHY);
        final AccessPointConfig config = AccessPointConfig.newBuilder()
                .setId("load-test-ap")
                .setSeed(42)
                .setAdmin(AdminListener.newBuilder().setAddress("127.0.0.1"))
                .addListeners(Listener.newBuilder().setName("web").setMode("L7")
                                      .addAddresses("127.0.0.1").addAddresses("127.0.0.2"))
                .addPersonas(persona("blue", 0))
                .addPersonas(persona("green", 20))
                .addEndpoints(endpoint(first))
                .addEndpoints(endpoint(second))
                .addSubsets(SubsetEntry.newBuilder().setPrefix("127.0.0.1/32").setPersona("blue"))
                .addSubsets(SubsetEntry.newBuilder().setPrefix("127.0.0.2/32").setPersona("green"))
                .build();
        accessPoint = AccessPoint.start(config, 1);
        final List<InetSocketAddress> listeners = accessPoint.listenerAddresses("web");
        final InetSocketAddress blueAddress = pick(listeners, "127.0.0.1");
        final InetSocketAddress greenAddress = pick(listeners, "127.0.0.2");
        final LoadRecorder recorder = new LoadRecorder();

        new LoadGenerator(clientGroup, List.of(
                ClientGroupSpec.builder("to-blue", blueAddress).clients(3).model(LoadModel.constantRate(200))
                               .duration(Duration.ofSeconds(1)).build(),
                ClientGroupSpec.builder("to-green", greenAddress).clients(3).model(LoadModel.constantRate(200))
                               .duration(Duration.ofSeconds(1)).seed(2).build()), recorder).run();

        final LoadSnapshot snapshot = recorder.snapshot();
        assertThat(snapshot.personas()).containsOnlyKeys("blue", "green");
        assertThat(snapshot.personas().get("blue").requests()).isEqualTo(200);
        assertThat(snapshot.personas().get("blue").injected()).isZero();
        assertThat(snapshot.personas().get("green").requests()).isEqualTo(200);
        // Four standard deviations of Binomial(200, 0.2) is about 23 around the mean of 40.
        assertThat(snapshot.personas().get("green").injected()).isBetween(17L, 63L);
        assertThat(snapshot.personas().get("green").failures()).isEqualTo(snapshot.personas().get("green").injected());
        assertThat(snapshot.endpoints()).containsOnlyKeys("web-1", "web-2");
        final long forwarded = snapshot.endpoints().values().stream().mapToLong(RequestStats::requests).sum();
        assertThat(forwarded + snapshot.total().injected()).isEqualTo(400);
        assertThat(first.requestCount() + second.requestCount()).isEqualTo(forwarded);
        assertThat(snapshot.personaTimeline().get("green").stream().mapToLong(TimeBucket::requests).sum())
                .isEqualTo(200);
    }

    private static InetSocketAddress pick(List<InetSocketAddress> addresses, String host) {
        return addresses.stream()
                        .filter(address -> address.getAddress().getHostAddress().equals(host))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no listener on " + host + " in " + addresses));
    }
}
