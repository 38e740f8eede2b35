package io.guise.manager.store;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A three-member etcd cluster of real {@code etcd} processes on 127.0.0.1, each on
 * free client and peer ports with its data under one folder. Tests skip (JUnit
 * assumption) when no {@code etcd} binary is on the PATH. Members can be killed and
 * restarted one at a time. Not thread-safe: one test thread drives it.
 */
public final class EtcdCluster implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path folder;
    private final String binary;
    private final String token = "guise-test-" + UUID.randomUUID();
    private final int[] clientPorts;
    private final int[] peerPorts;
    private final Process[] processes;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private EtcdCluster(Path folder, String binary, int members) throws IOException {
        this.folder = folder;
        this.binary = binary;
        this.clientPorts = new int[members];
        this.peerPorts = new int[members];
        this.processes = new Process[members];
        for (int i = 0; i < members; i++) {
            clientPorts[i] = freePort();
            peerPorts[i] = freePort();
        }
    }

    /**
     * Starts three members with data under {@code folder} and waits until each
     * reports healthy; skips the calling test when etcd is not installed.
     */
    public static EtcdCluster start(Path folder) throws Exception {
        final String binary = findEtcd();
        assumeTrue(binary != null, "etcd is not installed (no etcd on the PATH); .ci/run installs the etcd-server"
                                   + " package, and these tests need it");
        Files.createDirectories(folder);
        final EtcdCluster cluster = new EtcdCluster(folder, binary, 3);
        try {
            for (int i = 0; i < cluster.processes.length; i++) {
                cluster.launch(i);
            }
            for (int i = 0; i < cluster.processes.length; i++) {
                cluster.awaitHealthy(i);
            }
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private static String findEtcd() {
        final String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            final Path candidate = Path.of(dir, "etcd");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    /** Returns the client URL of every member, comma-separated, as {@code --etcd-endpoints} takes them. */
    public String endpointList() {
        return String.join(",", endpoints().stream().map(URI::toString).toList());
    }

    public List<URI> endpoints() {
        final List<URI> uris = new ArrayList<>();
        for (int port : clientPorts) {
            uris.add(URI.create("http://127.0.0.1:" + port));
        }
        return uris;
    }

    public int size() {
        return processes.length;
    }

    /** Kills member {@code index} with SIGKILL and waits until it has exited. */
    public void kill(int index) throws InterruptedException {
        final Process process = processes[index];
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            processes[index] = null;
        }
    }

    /** Starts member {@code index} again on its data and ports, and waits until it is healthy. */
    public void restart(int index) throws Exception {
        launch(index);
        awaitHealthy(index);
    }

    private void launch(int index) throws IOException {
        final List<String> initialCluster = new ArrayList<>();
        for (int i = 0; i < processes.length; i++) {
            initialCluster.add(name(i) + "=http://127.0.0.1:" + peerPorts[i]);
        }
        final String client = "http://127.0.0.1:" + clientPorts[index];
        final String peer = "http://127.0.0.1:" + peerPorts[index];
        final Path data = folder.resolve(name(index));
        final ProcessBuilder builder = new ProcessBuilder(
                binary,
                "--name", name(index),
                "--data-dir", data.toString(),
                "--listen-client-urls", client,
                "--advertise-client-urls", client,
                "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer,
                "--initial-cluster", String.join(",", initialCluster),
                "--initial-cluster-state", "new",
                "--initial-cluster-token", token,
                "--heartbeat-interval", "50",
                "--election-timeout", "500",
                "--logger", "zap",
                "--log-outputs", "stderr")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(folder.resolve(name(index) + ".log").toFile()));
        processes[index] = builder.start();
    }

    private void awaitHealthy(int index) throws Exception {
        final long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + clientPorts[index]
                                                                      + "/health"))
                .timeout(Duration.ofSeconds(2)).build();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            final Process process = processes[index];
            if (process == null || !process.isAlive()) {
                throw new IOException("etcd member " + name(index) + " exited; see "
                                      + folder.resolve(name(index) + ".log"));
            }
            try {
                final HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("\"true\"")) {
                    return;
                }
                last = response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(50);
        }
        throw new IOException("etcd member " + name(index) + " not healthy within " + START_TIMEOUT.toSeconds()
                              + " s (last answer: " + last + "); see " + folder.resolve(name(index) + ".log"));
    }

    private static String name(int index) {
        return "member-" + (index + 1);
    }

    /** Kills every member that still runs. */
    @Override
    public void close() throws InterruptedException {
        for (int i = 0; i < processes.length; i++) {
            kill(i);
        }
    }
}
