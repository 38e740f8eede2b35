package io.guise.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.proto.AccessPointConfig;
import io.guise.proto.RoutingSnapshot;
import io.guise.validation.RoutingValidator;
import io.guise.validation.TlsCapabilities;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Checks the sample configs under examples/ at the repository root, which users copy. */
class ExampleConfigTest {

    private static Path example(String name) {
        // Surefire sets basedir to the module folder, routing-core.
        return Path.of(System.getProperty("basedir", "."), "..", "examples", name);
    }

    @Test
    void accessPointExample_loads() throws Exception {
        final AccessPointConfig config = ConfigLoader.loadAccessPoint(example("access-point.yaml"));
        assertThat(config.getListenersCount()).isEqualTo(2);
        assertThat(config.getListeners(0).getAddressesList()).containsExactly("127.0.0.1", "127.0.0.2");
        assertThat(config.getAdmin().getPort()).isEqualTo(9901);
        assertThat(config.getPersonas(1).getSimulatedLatencyMs()).isEqualTo(50);
        assertThat(config.getPersonas(1).getErrorRatePercent()).isEqualTo(1.0);
        assertThat(config.getEndpointsCount()).isEqualTo(2);
        assertThat(config.getSubsetsCount()).isEqualTo(2);
    }

    @Test
    void accessPointExample_validates() throws Exception {
        final AccessPointConfig config = ConfigLoader.loadAccessPoint(example("access-point.yaml"));
        assertThat(new RoutingValidator(TlsCapabilities.jdk()).validate(config)).isEmpty();
    }

    @Test
    void routingExample_matchesAccessPointExample() throws Exception {
        final RoutingSnapshot routing = ConfigLoader.loadSnapshot(example("routing.yaml"));
        final AccessPointConfig config = ConfigLoader.loadAccessPoint(example("access-point.yaml"));

        assertThat(routing.getPersonasList()).isEqualTo(config.getPersonasList());
        assertThat(routing.getEndpointsList()).isEqualTo(config.getEndpointsList());
        assertThat(routing.getSubsetsList()).isEqualTo(config.getSubsetsList());
        assertThat(new RoutingValidator(TlsCapabilities.jdk()).validate(routing)).isEmpty();
    }
}
