package io.guise.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Testcontainers path to a real Toxiproxy. With a Docker engine, the same
 * client as for the embedded proxy drives the real server. Without one, the
 * start fails with the reason and points to the embedded proxy, and the test
 * that needs Docker is skipped with that reason.
 */
@Timeout(180)
class ToxiproxyContainerTest {

    private static String dockerMissing;

    @BeforeAll
    static void checkDocker() {
        dockerMissing = ToxiproxyContainerLauncher.dockerUnavailableReason();
    }

    @Test
    void start_withDocker_servesJavaClient() throws Exception {
        assumeTrue(dockerMissing == null, () -> "skipped: " + dockerMissing);
        try (ToxiproxyContainerLauncher.Running running = ToxiproxyContainerLauncher.start()) {
            assertThat(running.api().getAddress().isLoopbackAddress()).isTrue();
            final ToxiproxyClient client = new ToxiproxyClient("127.0.0.1", running.api().getPort());
            final Proxy proxy = client.createProxy("probe", "127.0.0.1:0", "127.0.0.1:9");
            assertThat(proxy.getListen()).startsWith("127.0.0.1:");
            proxy.delete();
        }
    }

    @Test
    void start_withoutDocker_namesReason() {
        assumeTrue(dockerMissing != null, "Docker is available, so the start does not fail");
        assertThatThrownBy(ToxiproxyContainerLauncher::start)
                .isInstanceOf(ChaosException.class)
                .hasMessageContaining("network.toxiproxy: \"testcontainers\"")
                .hasMessageContaining("Docker")
                .hasMessageContaining("--toxiproxy embedded");
    }
}
