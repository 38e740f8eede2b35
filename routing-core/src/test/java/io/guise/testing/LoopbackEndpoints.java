package io.guise.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;

/**
 * Endpoints for tests, bound to loopback on ports the system picks: HTTP endpoints
 * that respond to every request with their id (with a chosen status, per path
 * if asked, and a delay), and TCP endpoints that send their id
 * and a newline on connect and then echo what they receive. Closing stops them all.
 */
public final class LoopbackEndpoints implements AutoCloseable {

    static {
        // The JDK server writes headers and body separately; without TCP_NODELAY, Nagle's
        // algorithm and delayed ACKs add tens of milliseconds to every keep-alive response.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final List<AutoCloseable> running = new ArrayList<>();

    /** Starts an HTTP endpoint on {@code address} whose response body is {@code id}. */
    public HttpEndpoint http(String id, String address) throws IOException {
        return http(id, address, path -> 200, 0);
    }

    /**
     * Starts an HTTP endpoint on {@code address} that responds to every request with
     * {@code status} and the body {@code id}, after {@code delayMillis} of simulated
     * work, so tests can stand up failing or slow endpoints.
     */
    public HttpEndpoint http(String id, String address, int status, long delayMillis) throws IOException {
        return http(id, address, path -> status, delayMillis);
    }

    /**
     * Starts an HTTP endpoint on {@code address} whose response body is {@code id}
     * and whose status {@code status} gives for each request path, read per request.
     */
    public HttpEndpoint http(String id, String address, ToIntFunction<String> status) throws IOException {
        return http(id, address, status, 0);
    }

    private HttpEndpoint http(String id, String address, ToIntFunction<String> status, long delayMillis)
            throws IOException {
        final HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), 0), 128);
        final AtomicInteger requests = new AtomicInteger();
        final byte[] body = id.getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            try (InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
            }
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    exchange.close();
                    return;
                }
            }
            exchange.getResponseHeaders().set("x-endpoint-id", id);
            exchange.sendResponseHeaders(status.applyAsInt(exchange.getRequestURI().getPath()), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        final ExecutorService executor = Executors.newFixedThreadPool(4);
        server.setExecutor(executor);
        server.start();
        final HttpEndpoint endpoint = new HttpEndpoint(id, server.getAddress(), requests);
        running.add(() -> {
            server.stop(0);
            executor.shutdownNow();
        });
        return endpoint;
    }

    /** Starts a TCP endpoint on {@code address} that greets with {@code id + "\n"} and echoes. */
    public TcpEndpoint tcp(String id, String address) throws IOException {
        final ServerSocket server = new ServerSocket(0, 512, InetAddress.getByName(address));
        final ExecutorService executor = Executors.newCachedThreadPool();
        final AtomicInteger connections = new AtomicInteger();
        executor.execute(() -> {
            while (!server.isClosed()) {
                try {
                    final Socket socket = server.accept();
                    connections.incrementAndGet();
                    executor.execute(() -> echo(socket, id));
                } catch (IOException e) {
                    return;
                }
            }
        });
        running.add(() -> {
            server.close();
            executor.shutdownNow();
        });
        return new TcpEndpoint(id, (InetSocketAddress) server.getLocalSocketAddress(), connections);
    }

    private static void echo(Socket socket, String id) {
        try (socket) {
            final OutputStream out = socket.getOutputStream();
            out.write((id + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            final InputStream in = socket.getInputStream();
            final byte[] buffer = new byte[4096];
            int read;
            while ((read = in.read(buffer)) >= 0) {
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException e) {
            // The client went away; nothing to report in a test endpoint.
        }
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable closeable : running) {
            closeable.close();
        }
        running.clear();
    }

    /** A running HTTP endpoint and the number of requests it served. */
    public record HttpEndpoint(String id, InetSocketAddress address, AtomicInteger requests) {
        public int port() {
            return address.getPort();
        }
    }

    /** A running TCP endpoint and the number of connections it accepted. */
    public record TcpEndpoint(String id, InetSocketAddress address, AtomicInteger connections) {
        public int port() {
            return address.getPort();
        }
    }
}
