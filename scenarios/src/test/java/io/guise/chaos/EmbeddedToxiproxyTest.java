package io.guise.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import eu.rekawek.toxiproxy.model.toxic.Latency;
import eu.rekawek.toxiproxy.model.toxic.Slicer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The embedded fault proxy driven by the official Toxiproxy Java client, with
 * real sockets on 127.0.0.1. Timing bounds leave room for a busy two-core
 * machine: the lower bound is the configured value minus a few milliseconds of
 * timer slack, the upper bound the value plus a stated tolerance.
 */
@Timeout(60)
class EmbeddedToxiproxyTest {

    private static final int SOCKET_TIMEOUT_MS = 10_000;

    private final LoopbackServers servers = new LoopbackServers();
    private ChaosProxyServer server;
    private ToxiproxyClient client;
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() {
        server = ChaosProxyServer.start(new InetSocketAddress("127.0.0.1", 0), 42, 1);
        client = new ToxiproxyClient("127.0.0.1", server.apiAddress().getPort());
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        server.close();
        servers.close();
    }

    private Proxy proxyTo(String name, InetSocketAddress upstream) throws IOException {
        return client.createProxy(name, "127.0.0.1:0", "127.0.0.1:" + upstream.getPort());
    }

    private Socket connect(Proxy proxy) throws IOException {
        final String[] hostPort = proxy.getListen().split(":");
        final Socket socket = new Socket(hostPort[0], Integer.parseInt(hostPort[1]));
        socket.setSoTimeout(SOCKET_TIMEOUT_MS);
        socket.setTcpNoDelay(true);
        sockets.add(socket);
        return socket;
    }

    /** Sends 4 bytes and reads the echo; returns the round trip in milliseconds. */
    private static double roundTripMillis(Socket socket) throws IOException {
        final long start = System.nanoTime();
        socket.getOutputStream().write("ping".getBytes());
        socket.getOutputStream().flush();
        final byte[] echo = socket.getInputStream().readNBytes(4);
        assertThat(new String(echo)).isEqualTo("ping");
        return (System.nanoTime() - start) / 1e6;
    }

    /** Reads until the end of the stream and returns the number of bytes read. */
    private static long drain(Socket socket) throws IOException {
        final InputStream in = socket.getInputStream();
        final byte[] buffer = new byte[8192];
        long total = 0;
        int read;
        while ((read = in.read(buffer)) >= 0) {
            total += read;
        }
        return total;
    }

    @Test
    void latency_delaysOpenConnection() throws Exception {
        final Proxy proxy = proxyTo("echo", servers.echo());
        final Socket socket = connect(proxy);
        assertThat(roundTripMillis(socket)).isLessThan(50);

        // Added while the connection is open: it affects that connection too.
        final Latency latency = proxy.toxics().latency("slow", ToxicDirection.DOWNSTREAM, 150);
        for (int i = 0; i < 5; i++) {
            // 150 ms configured; tolerance -5 ms for timer granularity, +60 ms for scheduling.
            assertThat(roundTripMillis(socket)).isBetween(145.0, 210.0);
        }
        latency.remove();
        assertThat(roundTripMillis(socket)).isLessThan(50);
    }

    @Test
    void latencyJitter_staysWithinBounds() throws Exception {
        final Proxy proxy = proxyTo("echo", servers.echo());
        proxy.toxics().latency("jittery", ToxicDirection.UPSTREAM, 100).setJitter(40);
        final Socket socket = connect(proxy);
        final List<Double> rounds = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            rounds.add(roundTripMillis(socket));
        }
        // Each delay is drawn from [60, 140] ms, with 60 ms more allowed for scheduling.
        assertThat(rounds).allSatisfy(millis -> assertThat(millis).isBetween(55.0, 200.0));
        final double spread = rounds.stream().mapToDouble(Double::doubleValue).max().orElseThrow()
                - rounds.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        assertThat(spread).as("jitter varies the delay").isGreaterThan(10);
    }

    @Test
    void bandwidth_capsThroughput_within10Percent() throws Exception {
        final int bytes = 400_000;
        final Proxy proxy = proxyTo("bulk", servers.source(bytes));
        proxy.toxics().bandwidth("narrow", ToxicDirection.DOWNSTREAM, 200); // 200 KB/s = 200,000 bytes/s
        final Socket socket = connect(proxy);
        final long start = System.nanoTime();
        final byte[] data = socket.getInputStream().readNBytes(bytes);
        final double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(data).hasSize(bytes);
        final double bytesPerSecond = bytes / seconds;
        assertThat(bytesPerSecond).isBetween(180_000.0, 220_000.0);
    }

    @Test
    void limitData_closesAfterExactlyTheConfiguredBytes() throws Exception {
        final Proxy proxy = proxyTo("limited", servers.source(50_000));
        proxy.toxics().limitData("cap", ToxicDirection.DOWNSTREAM, 1234);
        assertThat(drain(connect(proxy))).isEqualTo(1234);
    }

    @Test
    void timeout_stopsData_andClosesAfterTheTimeout() throws Exception {
        final Proxy proxy = proxyTo("echo", servers.echo());
        proxy.toxics().timeout("stall", ToxicDirection.DOWNSTREAM, 400);
        final Socket socket = connect(proxy);
        final long start = System.nanoTime();
        socket.getOutputStream().write("ping".getBytes());
        assertThat(drain(socket)).as("no echo gets through").isZero();
        // Closed 400 ms after the connection started; +250 ms tolerance.
        assertThat((System.nanoTime() - start) / 1e6).isBetween(390.0, 650.0);
    }

    @Test
    void timeoutZero_keepsDataUntilRemoved() throws Exception {
        final Proxy proxy = proxyTo("echo", servers.echo());
        final Socket socket = connect(proxy);
        assertThat(roundTripMillis(socket)).isLessThan(50);
        proxy.toxics().timeout("hold", ToxicDirection.UPSTREAM, 0);
        socket.getOutputStream().write("ping".getBytes());
        socket.setSoTimeout(300);
        assertThatThrownBy(() -> socket.getInputStream().read()).isInstanceOf(java.net.SocketTimeoutException.class);
        proxy.toxics().get("hold").remove();
        socket.setSoTimeout(SOCKET_TIMEOUT_MS);
        assertThat(new String(socket.getInputStream().readNBytes(4))).isEqualTo("ping");
    }

    @Test
    void resetPeer_resetsTheConnection_afterTheTimeout() throws Exception {
        final Proxy proxy = proxyTo("echo", servers.echo());
        proxy.toxics().resetPeer("rst", ToxicDirection.DOWNSTREAM, 200);
        final Socket socket = connect(proxy);
        final long start = System.nanoTime();
        assertThatThrownBy(() -> drain(socket)).isInstanceOf(SocketException.class)
                .hasMessageContaining("reset");
        assertThat((System.nanoTime() - start) / 1e6).isBetween(190.0, 450.0);
    }

    @Test
    void slowClose_delaysTheClose() throws Exception {
        final Proxy proxy = proxyTo("closing", servers.closer());
        final long plainStart = System.nanoTime();
        assertThat(drain(connect(proxy))).isZero();
        assertThat((System.nanoTime() - plainStart) / 1e6).isLessThan(150);

        proxy.toxics().slowClose("linger", ToxicDirection.DOWNSTREAM, 400);
        final long start = System.nanoTime();
        assertThat(drain(connect(proxy))).isZero();
        // Closed 400 ms after the upstream closed; +250 ms tolerance.
        assertThat((System.nanoTime() - start) / 1e6).isBetween(395.0, 650.0);
    }

    @Test
    void slicer_splitsIntoSizeRange() throws Exception {
        final int bytes = 8_000;
        final Proxy proxy = proxyTo("sliced", servers.source(bytes));
        final Slicer slicer = proxy.toxics().slicer("slices", ToxicDirection.DOWNSTREAM, 100, 5_000);
        slicer.setSizeVariation(20);
        final Socket socket = connect(proxy);
        final InputStream in = socket.getInputStream();
        final byte[] buffer = new byte[65536];
        final List<Integer> reads = new ArrayList<>();
        int total = 0;
        while (total < bytes) {
            final int read = in.read(buffer);
            assertThat(read).isPositive();
            reads.add(read);
            total += read;
        }
        assertThat(total).isEqualTo(bytes);
        // Slices are 80-120 bytes, 5 ms apart. A descheduled reader may rarely get two
        // slices in one read, so at least 90% of reads must be exactly one slice.
        final long inRange = reads.stream().filter(size -> size >= 80 && size <= 120).count();
        assertThat(inRange).isGreaterThanOrEqualTo((long) Math.ceil(reads.size() * 0.9));
        assertThat(reads.size()).isGreaterThanOrEqualTo(bytes / 120);
        assertThat(new HashSet<>(reads)).as("sizes vary by size_variation").hasSizeGreaterThan(5);
    }

    @Test
    void toxicityHalf_binomialAndSeeded() throws Exception {
        final int connections = 200;
        final InetSocketAddress echo = servers.echo();
        final List<Boolean> first = affected(echo, connections);
        final long count = first.stream().filter(Boolean::booleanValue).count();
        // Binomial(200, 0.5): mean 100, standard deviation 7.07; 4 standard deviations either side.
        assertThat(count).isBetween(72L, 128L);

        server.close();
        server = ChaosProxyServer.start(new InetSocketAddress("127.0.0.1", 0), 42, 1);
        client = new ToxiproxyClient("127.0.0.1", server.apiAddress().getPort());
        assertThat(affected(echo, connections)).as("the same seed makes the same decisions").isEqualTo(first);
    }

    /** Opens connections one after another through a proxy with a 50% limit_data of 0 bytes. */
    private List<Boolean> affected(InetSocketAddress echo, int connections) throws IOException {
        final Proxy proxy = proxyTo("coin", echo);
        final eu.rekawek.toxiproxy.model.toxic.LimitData toxic =
                proxy.toxics().limitData("cut", ToxicDirection.DOWNSTREAM, 0);
        toxic.setToxicity(0.5f);
        final List<Boolean> outcomes = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            try (Socket socket = connect(proxy)) {
                socket.getOutputStream().write("ping".getBytes());
                outcomes.add(drainUpTo(socket, 4) < 4);
            }
        }
        return outcomes;
    }

    private static int drainUpTo(Socket socket, int bytes) throws IOException {
        return socket.getInputStream().readNBytes(bytes).length;
    }

    @Test
    void disableThenEnable_cutsAndRestores() throws Exception {
        final Proxy proxy = proxyTo("link", servers.echo());
        final Socket open = connect(proxy);
        assertThat(roundTripMillis(open)).isLessThan(50);
        final String listen = proxy.getListen();

        proxy.disable();
        assertThat(proxy.isEnabled()).isFalse();
        assertThat(drainQuietly(open)).as("the open connection ends").isTrue();
        assertThatThrownBy(() -> connect(proxy)).isInstanceOf(ConnectException.class);

        proxy.enable();
        assertThat(proxy.getListen()).as("the listen address survives").isEqualTo(listen);
        assertThat(roundTripMillis(connect(proxy))).isLessThan(50);
    }

    /** Returns true when the connection ended, by end of stream or reset. */
    private static boolean drainQuietly(Socket socket) throws IOException {
        try {
            drain(socket);
            return true;
        } catch (SocketException e) {
            return true;
        }
    }

    @Test
    void populateAndReset_restoreState() throws Exception {
        final InetSocketAddress echo = servers.echo();
        final String upstream = "127.0.0.1:" + echo.getPort();
        final HttpResponse<String> populated = http("POST", "/populate", "[{\"name\":\"a\",\"upstream\":\""
                + upstream + "\"},{\"name\":\"b\",\"listen\":\"127.0.0.1:0\",\"upstream\":\"" + upstream
                + "\",\"enabled\":false}]");
        assertThat(populated.statusCode()).isEqualTo(201);
        assertThat(populated.body()).contains("\"proxies\"").contains("\"name\":\"a\"").contains("\"name\":\"b\"");
        final Proxy a = client.getProxy("a");
        a.toxics().latency("slow", ToxicDirection.DOWNSTREAM, 100);

        // Populating again with the same addresses keeps the proxy and its toxics.
        assertThat(http("POST", "/populate", "[{\"name\":\"a\",\"upstream\":\"" + upstream + "\"}]").statusCode())
                .isEqualTo(201);
        assertThat(client.getProxy("a").toxics().getAll()).hasSize(1);
        assertThat(client.getProxies()).extracting(Proxy::getName).containsExactlyInAnyOrder("a", "b");
        assertThat(client.getProxy("b").isEnabled()).isFalse();

        client.reset();
        assertThat(client.getProxy("a").toxics().getAll()).isEmpty();
        assertThat(client.getProxy("b").isEnabled()).isTrue();
        assertThat(roundTripMillis(connect(client.getProxy("b")))).isLessThan(50);
        assertThat(client.version()).contains(ChaosProxyServer.VERSION);
    }

    @Test
    void badInput_gets4xxAndChangesNothing() throws Exception {
        final InetSocketAddress echo = servers.echo();
        final Proxy proxy = proxyTo("kept", echo);

        final HttpResponse<String> remote = http("POST", "/proxies",
                "{\"name\":\"x\",\"upstream\":\"10.1.2.3:80\"}");
        assertThat(remote.statusCode()).isEqualTo(400);
        assertThat(remote.body()).contains("upstream: \\\"10.1.2.3:80\\\"").contains("loopback")
                .contains("\"status\":400");

        assertThat(http("POST", "/proxies", "{\"name\":\"x\"").statusCode()).isEqualTo(400);
        assertThat(http("POST", "/proxies", "{\"name\":\"x\",\"upstream\":\"127.0.0.1:1\",\"colour\":1}").body())
                .contains("colour: unknown field");
        assertThat(http("POST", "/proxies/kept/toxics", "{\"type\":\"earthquake\"}").body())
                .contains("type: \\\"earthquake\\\"").contains("latency, bandwidth");
        assertThat(http("POST", "/proxies/kept/toxics", "{\"type\":\"latency\",\"toxicity\":2}").body())
                .contains("toxicity: 2").contains("from 0 to 1");
        assertThat(http("POST", "/proxies/kept/toxics",
                "{\"type\":\"slicer\",\"attributes\":{\"average_size\":10,\"size_variation\":10}}").body())
                .contains("size_variation: 10").contains("less than average_size");
        assertThat(http("POST", "/proxies/kept/toxics", "{\"type\":\"latency\",\"attributes\":{\"rate\":1}}")
                .body()).contains("attributes.rate: unknown attribute");
        assertThat(http("POST", "/populate", "[{\"name\":\"p\",\"upstream\":\"127.0.0.1:1\"},"
                + "{\"name\":\"q\",\"upstream\":\"example.com:80\"}]").statusCode()).isEqualTo(400);
        assertThat(http("GET", "/proxies/missing", "").statusCode()).isEqualTo(404);
        assertThat(http("DELETE", "/version", "").statusCode()).isEqualTo(405);

        assertThatThrownBy(() -> proxy.toxics().latency("neg", ToxicDirection.DOWNSTREAM, -5))
                .isInstanceOf(IOException.class).hasMessageContaining("[400]")
                .hasMessageContaining("attributes.latency: -5");
        assertThatThrownBy(() -> proxyTo("kept", echo)).isInstanceOf(IOException.class)
                .hasMessageContaining("[409]");

        // Nothing changed: one proxy, no toxics, still relaying.
        assertThat(client.getProxies()).extracting(Proxy::getName).containsExactly("kept");
        assertThat(proxy.toxics().getAll()).isEmpty();
        assertThat(roundTripMillis(connect(proxy))).isLessThan(50);
    }

    private HttpResponse<String> http(String method, String path, String body) throws Exception {
        final HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.apiAddress().getPort() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }
}
