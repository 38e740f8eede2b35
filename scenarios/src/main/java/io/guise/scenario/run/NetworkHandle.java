package io.guise.scenario.run;

import io.guise.chaos.ChaosProxyServer;
import io.guise.chaos.LoopbackAddress;
import io.guise.chaos.Toxic;
import io.guise.chaos.ToxiproxyContainerLauncher;
import io.guise.chaos.ToxiproxyHttpClient;
import io.guise.scenario.model.Network;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Toxiproxy that carries a scenario's network links, driven through its
 * HTTP API whichever kind it is: the embedded fault proxy, a running Toxiproxy
 * on loopback, or a Toxiproxy container. Each link becomes a proxy of the same
 * name that listens on 127.0.0.1 with a free port. Closing deletes the proxies
 * it made and stops what it started. Thread-safe.
 */
final class NetworkHandle implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(NetworkHandle.class);

    private final ToxiproxyHttpClient client;
    private final AutoCloseable owned;
    private final List<String> created = new ArrayList<>();

    private NetworkHandle(ToxiproxyHttpClient client, AutoCloseable owned) {
        this.client = client;
        this.owned = owned;
    }

    /**
     * Starts or reaches the Toxiproxy the network names.
     *
     * @throws IOException when it cannot be started or does not respond, with the reason and what to do
     */
    static NetworkHandle start(Network network, long seed) throws IOException {
        final Network.ToxiproxyChoice choice = network.toxiproxy();
        switch (choice.kind()) {
            case EMBEDDED: {
                final ChaosProxyServer server = ChaosProxyServer.start(new InetSocketAddress("127.0.0.1", 0), seed, 1);
                return new NetworkHandle(new ToxiproxyHttpClient(server.apiAddress()), server);
            }
            case TESTCONTAINERS: {
                final ToxiproxyContainerLauncher.Running running = ToxiproxyContainerLauncher.start();
                return new NetworkHandle(new ToxiproxyHttpClient(running.api()), running);
            }
            default: {
                final ToxiproxyHttpClient client =
                        new ToxiproxyHttpClient(LoopbackAddress.parse("network.toxiproxy", choice.address(), 1));
                try {
                    logger.info("Toxiproxy {} at {}", client.version(), choice.address());
                } catch (IOException e) {
                    throw new IOException("network.toxiproxy: no Toxiproxy responds at " + choice.address() + " ("
                            + e.getMessage() + "); start one there, or use toxiproxy: embedded", e);
                }
                return new NetworkHandle(client, null);
            }
        }
    }

    /** Creates the link's proxy to {@code upstream}, adds its declared toxics, and returns where it listens. */
    synchronized InetSocketAddress open(Network.NetworkLink link, InetSocketAddress upstream) throws IOException {
        final InetSocketAddress listen = client.createProxy(link.name(), "127.0.0.1:0",
                LoopbackAddress.format(upstream));
        created.add(link.name());
        for (Toxic toxic : link.toxics()) {
            client.addToxic(link.name(), toxic);
        }
        return listen;
    }

    void addToxic(String link, Toxic toxic) throws IOException {
        client.addToxic(link, toxic);
    }

    void updateToxic(String link, String toxic, Double toxicity, Map<String, Long> attributes) throws IOException {
        client.updateToxic(link, toxic, toxicity, attributes);
    }

    void removeToxic(String link, String toxic) throws IOException {
        client.removeToxic(link, toxic);
    }

    void setEnabled(String link, boolean enabled) throws IOException {
        client.setEnabled(link, enabled);
    }

    @Override
    public synchronized void close() throws Exception {
        if (owned == null) {
            // A shared Toxiproxy keeps running; only this run's proxies go.
            for (String name : created) {
                try {
                    client.deleteProxy(name);
                } catch (IOException e) {
                    logger.warn("Deleting proxy {} from Toxiproxy at {} failed: {}", name,
                            LoopbackAddress.format(client.api()), e.getMessage());
                }
            }
        } else {
            owned.close();
        }
    }
}
