package io.guise.chaos;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.ToxiproxyContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * Starts a real Toxiproxy in Docker with Testcontainers. The container shares
 * the host's network and its API and proxies listen on 127.0.0.1, so the proxies
 * reach loopback upstreams exactly as the embedded fault proxy does.
 *
 * <p>NOTE: this path has not run on a machine with a Docker engine yet; the
 * machine it was written on has the docker client but no engine.
 */
public final class ToxiproxyContainerLauncher {

    /** The Toxiproxy image started. */
    public static final String IMAGE = "ghcr.io/shopify/toxiproxy:2.12.0";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private ToxiproxyContainerLauncher() {}

    /** A running container and its API. Closing stops the container. */
    public record Running(InetSocketAddress api, ToxiproxyContainer container) implements AutoCloseable {
        @Override
        public void close() {
            container.stop();
        }
    }

    /** Returns why Docker cannot run containers here, or null when it can. */
    public static String dockerUnavailableReason() {
        final String dockerHost = System.getenv("DOCKER_HOST");
        final Path socket = Path.of("/var/run/docker.sock");
        final Path userSocket = Path.of(System.getProperty("user.home"), ".docker", "run", "docker.sock");
        if ((dockerHost == null || dockerHost.isBlank()) && !Files.exists(socket) && !Files.exists(userSocket)) {
            return "no Docker engine runs here: DOCKER_HOST is unset and neither " + socket + " nor " + userSocket
                    + " exists (a docker client alone is not enough)";
        }
        try {
            if (DockerClientFactory.instance().isDockerAvailable()) {
                return null;
            }
            DockerClientFactory.instance().client();
            return "Testcontainers found no usable Docker environment";
        } catch (RuntimeException e) {
            return "Testcontainers found no usable Docker environment: " + e.getMessage();
        }
    }

    /**
     * Starts the container and waits until its API responds.
     *
     * @throws ChaosException 503 naming the reason when Docker is not available
     */
    public static Running start() throws IOException {
        final String reason = dockerUnavailableReason();
        if (reason != null) {
            throw new ChaosException(503, "network.toxiproxy: \"testcontainers\" (expected: a Docker engine that "
                    + "Testcontainers can reach; " + reason + "). Run the same scenario on the embedded fault "
                    + "proxy with --toxiproxy embedded, or set network.toxiproxy to embedded");
        }
        final int port = freeLoopbackPort();
        final ToxiproxyContainer container = new ToxiproxyContainer(
                DockerImageName.parse(IMAGE).asCompatibleSubstituteFor("shopify/toxiproxy"));
        container.withNetworkMode("host");
        container.setExposedPorts(List.of());
        container.withCommand("-host=127.0.0.1", "-port=" + port);
        container.waitingFor(Wait.forLogMessage(".*(HTTP server|API).*\\n", 1).withStartupTimeout(START_TIMEOUT));
        container.start();

        final InetSocketAddress api = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        final ToxiproxyHttpClient client = new ToxiproxyHttpClient(api);
        final long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            try {
                client.version();
                return new Running(api, container);
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    container.stop();
                    throw new IOException("the Toxiproxy container's API on " + LoopbackAddress.format(api)
                            + " did not answer within " + START_TIMEOUT.toSeconds() + " s: " + e.getMessage(), e);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    container.stop();
                    throw new IOException("interrupted while waiting for the Toxiproxy container", interrupted);
                }
            }
        }
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
