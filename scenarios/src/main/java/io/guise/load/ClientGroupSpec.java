package io.guise.load;

import static java.util.Objects.requireNonNull;

import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * One group of virtual clients that send the same request mix to one target, such as
 * an access point listener whose address selects a persona. Each client connects from
 * its own loopback source address, so an access point that splits traffic by client
 * keeps a client in its arm. Immutable; build with {@link #builder(String, InetSocketAddress)}.
 *
 * @param name the group name in results and reports
 * @param target where requests go, a loopback address
 * @param clients the number of virtual clients, each with its own source address
 * @param model an open loop (rate or ramp) or a closed loop (connection count)
 * @param requests the request mix
 * @param duration how long the group sends new requests
 * @param maxConnectionsPerClient the open-loop connection cap of one client; requests wait when all are busy
 * @param requestTimeout the time from a request's scheduled start after which it fails as a timeout
 * @param seed the seed of the request mix choices
 * @param tls the client TLS context for a target that terminates TLS, or null for plaintext
 */
public record ClientGroupSpec(String name, InetSocketAddress target, int clients, LoadModel model,
                              List<RequestTemplate> requests, Duration duration, int maxConnectionsPerClient,
                              Duration requestTimeout, long seed, SslContext tls) {

    /** The max clients of one group, because each needs its own source address in 127.g.0.0/16. */
    public static final int MAX_CLIENTS = 250 * 256;

    public ClientGroupSpec {
        requireNonNull(name, "name");
        requireNonNull(target, "target");
        requireNonNull(model, "model");
        requireNonNull(requests, "requests");
        requireNonNull(duration, "duration");
        requireNonNull(requestTimeout, "requestTimeout");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name: '" + name + "' (expected: a non-blank group name)");
        }
        if (target.isUnresolved() || !target.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("target: " + target
                                               + " (expected: a loopback address in 127.0.0.0/8 or ::1)");
        }
        if (target.getPort() < 1) {
            throw new IllegalArgumentException("target: " + target + " (expected: a port from 1 to 65535)");
        }
        if (clients < 1 || clients > MAX_CLIENTS) {
            throw new IllegalArgumentException("clients: " + clients + " (expected: 1-" + MAX_CLIENTS + ")");
        }
        requests = List.copyOf(requests);
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("requests: [] (expected: at least one request template)");
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration: " + duration + " (expected: > 0)");
        }
        if (maxConnectionsPerClient < 1) {
            throw new IllegalArgumentException("max_connections_per_client: " + maxConnectionsPerClient
                                               + " (expected: >= 1)");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("request_timeout: " + requestTimeout + " (expected: > 0)");
        }
    }

    /** Starts a builder with one client, 100 requests per second of {@code GET /}, for 10 seconds. */
    public static Builder builder(String name, InetSocketAddress target) {
        return new Builder(name, target);
    }

    /** A builder of {@link ClientGroupSpec}, whose {@link #build()} validates every field. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private final InetSocketAddress target;
        private int clients = 1;
        private LoadModel model = LoadModel.constantRate(100);
        private List<RequestTemplate> requests = List.of(RequestTemplate.get("/"));
        private Duration duration = Duration.ofSeconds(10);
        private int maxConnectionsPerClient = 8;
        private Duration requestTimeout = Duration.ofSeconds(5);
        private long seed = 1;
        private SslContext tls;

        private Builder(String name, InetSocketAddress target) {
            this.name = requireNonNull(name, "name");
            this.target = requireNonNull(target, "target");
        }

        /** Sets the number of virtual clients (default 1). */
        public Builder clients(int clients) {
            this.clients = clients;
            return this;
        }

        /** Sets the load model (default an open loop of 100 requests per second). */
        public Builder model(LoadModel model) {
            this.model = requireNonNull(model, "model");
            return this;
        }

        /** Sets the request mix (default {@code GET /}). */
        public Builder requests(List<RequestTemplate> requests) {
            this.requests = requireNonNull(requests, "requests");
            return this;
        }

        /** Sets how long new requests are sent (default 10 seconds). */
        public Builder duration(Duration duration) {
            this.duration = requireNonNull(duration, "duration");
            return this;
        }

        /** Sets the open-loop connection cap per client (default 8). */
        public Builder maxConnectionsPerClient(int maxConnectionsPerClient) {
            this.maxConnectionsPerClient = maxConnectionsPerClient;
            return this;
        }

        /** Sets the request timeout, counted from the scheduled start (default 5 seconds). */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requireNonNull(requestTimeout, "requestTimeout");
            return this;
        }

        /** Sets the seed of the request mix choices (default 1). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Speaks TLS to the target with {@code tls} instead of plaintext HTTP. */
        public Builder tls(SslContext tls) {
            this.tls = tls;
            return this;
        }

        /**
         * Builds the spec.
         *
         * @throws IllegalArgumentException naming the first invalid field
         */
        public ClientGroupSpec build() {
            return new ClientGroupSpec(name, target, clients, model, requests, duration, maxConnectionsPerClient,
                                       requestTimeout, seed, tls);
        }
    }
}
