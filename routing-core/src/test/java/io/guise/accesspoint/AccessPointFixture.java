package io.guise.accesspoint;

import io.guise.proto.AccessPointConfig;
import io.guise.proto.AdminListener;
import io.guise.proto.Endpoint;
import io.guise.proto.Listener;
import io.guise.proto.Persona;
import io.guise.proto.SubsetEntry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Builders and clients shared by the access point integration tests. */
final class AccessPointFixture {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private AccessPointFixture() {
    }

    static Persona.Builder persona(String id, String pool) {
        return Persona.newBuilder().setId(id).setAddressFamily("IPv4").setAddress(pool).setPort(80).setPriority(100);
    }

    static Endpoint endpoint(String id, String pool, InetSocketAddress address) {
        return Endpoint.newBuilder()
                .setId(id)
                .setPool(pool)
                .setAddress(address.getAddress().getHostAddress())
                .setPort(address.getPort())
                .build();
    }

    static SubsetEntry subset(String prefix, String persona) {
        return SubsetEntry.newBuilder().setPrefix(prefix).setPersona(persona).build();
    }

    static Listener listener(String name, String mode, String... addresses) {
        return Listener.newBuilder().setName(name).setMode(mode).addAllAddresses(java.util.List.of(addresses)).build();
    }

    static AccessPointConfig.Builder config(Listener... listeners) {
        return AccessPointConfig.newBuilder()
                .setId("test-ap")
                .setSeed(42)
                .setAdmin(AdminListener.newBuilder().setAddress("127.0.0.1"))
                .addAllListeners(java.util.List.of(listeners));
    }

    static HttpClient httpClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
    }

    static HttpResponse<String> get(HttpClient client, InetSocketAddress address, String path)
            throws IOException, InterruptedException {
        final String host = address.getAddress().getHostAddress();
        final String authority = host.contains(":") ? "[" + host + "]" : host;
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + authority + ":" + address.getPort()
                                                                      + path))
                .timeout(TIMEOUT)
                .GET()
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Connects to an L4 listener and returns the first line the endpoint sends, or null when closed first. */
    static String firstLine(InetSocketAddress address) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(address, (int) TIMEOUT.toMillis());
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            final InputStream in = socket.getInputStream();
            final StringBuilder line = new StringBuilder();
            int next;
            while ((next = in.read()) >= 0 && next != '\n') {
                line.append((char) next);
            }
            return next < 0 && line.length() == 0 ? null : line.toString();
        }
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
