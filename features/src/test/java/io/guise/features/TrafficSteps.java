package io.guise.features;

import static org.assertj.core.api.Assertions.assertThat;

import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import io.guise.accesspoint.AccessPoint;
import io.guise.fleet.FleetEndpoint;
import io.guise.load.ClientGroupSpec;
import io.guise.load.LoadModel;
import io.guise.load.RequestResult;
import io.guise.metrics.ShapingStats;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Requests, connections and load through access points, and what they observed. */
public final class TrafficSteps {

    private final SpecWorld world;

    // The last single request: its response, or why there was none.
    private HttpResponse<String> response;
    private IOException requestFailure;
    // Requests sent one after another by one client, in order.
    private final List<Reply> replies = new ArrayList<>();
    private long repliesNanos;
    // The last L4 connection: the first line read, how long it took, and how it ended.
    private String firstLine;
    private long firstLineNanos;
    private boolean connectionEnded;
    private IOException connectionFailure;
    // Load runs: the latest one, the one before it, and one per access point when several were driven.
    private Traffic traffic;
    private Traffic previousTraffic;
    private final Map<String, Traffic> trafficByAccessPoint = new LinkedHashMap<>();

    public TrafficSteps(SpecWorld world) {
        this.world = world;
    }

    /** One response to a request sent by a single client, with its latency. */
    private record Reply(int status, String persona, String endpoint, String retryAfter, String reason,
                         long nanos) {
    }

    // --- single requests and connections

    @When("a client sends a plaintext request to {address}")
    public void sendPlaintextRequest(String destination) throws InterruptedException {
        sendRequest(destination);
    }

    @When("a client sends a request to {address}")
    public void sendRequest(String destination) throws InterruptedException {
        response = null;
        requestFailure = null;
        try {
            response = get(SpecWorld.listenerAddress(world.accessPoint(), destination));
        } catch (IOException e) {
            requestFailure = e;
        }
    }

    @Then("the response is {int} from persona {string} and endpoint {string}")
    public void responseFrom(int status, String persona, String endpoint) {
        assertThat(requestFailure).as("request failure").isNull();
        assertThat(response.statusCode()).as("status").isEqualTo(status);
        assertThat(response.headers().firstValue("x-guise-persona")).as("persona").hasValue(persona);
        assertThat(response.headers().firstValue("x-guise-endpoint")).as("endpoint").hasValue(endpoint);
        assertThat(response.body()).as("body size").isNotEmpty();
    }

    @Then("the response is {int} with reason starting {string}")
    public void responseWithReason(int status, String reason) {
        assertThat(requestFailure).as("request failure").isNull();
        assertThat(response.statusCode()).as("status").isEqualTo(status);
        assertThat(response.headers().firstValue("x-guise-reason").orElse("")).as("x-guise-reason")
                .startsWith(reason);
    }

    @Then("the request fails without an HTTP response")
    public void requestFails() {
        assertThat(response).as("HTTP response").isNull();
        assertThat(requestFailure).as("request failure").isNotNull();
    }

    @Then("the endpoints received no request")
    public void endpointsIdle() {
        for (FleetEndpoint endpoint : world.fleet().endpoints()) {
            assertThat(endpoint.requestCount()).as("requests to %s", endpoint.id()).isZero();
        }
    }

    @When("a client connects to {address}")
    public void connect(String destination) {
        final InetSocketAddress address = SpecWorld.listenerAddress(world.accessPoint(), destination);
        final long start = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.connect(address, (int) SpecWorld.WAIT.toMillis());
            socket.setSoTimeout((int) SpecWorld.WAIT.toMillis());
            final InputStream in = socket.getInputStream();
            final StringBuilder line = new StringBuilder();
            int next;
            while ((next = in.read()) >= 0 && next != '\n') {
                line.append((char) next);
            }
            connectionEnded = next < 0;
            firstLine = line.length() == 0 && next < 0 ? null : line.toString();
            firstLineNanos = System.nanoTime() - start;
        } catch (IOException e) {
            connectionFailure = e;
        }
    }

    @Then("the first line it reads is {string}")
    public void firstLineIs(String expected) {
        assertThat(connectionFailure).as("connection failure").isNull();
        assertThat(firstLine).isEqualTo(expected);
    }

    @Then("the first line took at least {int} ms to arrive")
    public void firstLineDelay(int millis) {
        assertThat(firstLineNanos).as("nanoseconds to the first line").isGreaterThanOrEqualTo(millis * 1_000_000L);
    }

    @Then("the connection ends before any data arrives")
    public void connectionClosed() {
        assertThat(connectionFailure).as("connection failure").isNull();
        assertThat(firstLine).as("data read").isNull();
        assertThat(connectionEnded).as("end of stream").isTrue();
    }

    @Then("the connection is reset")
    public void connectionReset() {
        assertThat(connectionFailure).as("how the connection ended").isInstanceOf(SocketException.class)
                .hasMessageContaining("reset");
    }

    @Then("endpoint {string} accepted no connection")
    public void noConnection(String id) {
        assertThat(world.tcp.get(id).connections().get()).as("connections to %s", id).isZero();
    }

    // --- requests one after another

    @When("a client sends {int} requests one after another to {address}")
    public void sendSequentially(int count, String destination) throws Exception {
        final InetSocketAddress address = SpecWorld.listenerAddress(world.accessPoint(), destination);
        replies.clear();
        final long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            final long sent = System.nanoTime();
            final HttpResponse<String> reply = get(address);
            replies.add(new Reply(reply.statusCode(), reply.headers().firstValue("x-guise-persona").orElse(null),
                                  reply.headers().firstValue("x-guise-endpoint").orElse(null),
                                  reply.headers().firstValue("retry-after").orElse(null),
                                  reply.headers().firstValue("x-guise-reason").orElse(null),
                                  System.nanoTime() - sent));
        }
        repliesNanos = System.nanoTime() - start;
    }

    @Then("every response is 200 from persona {string}")
    public void everyReplyFrom(String persona) {
        assertThat(replies).isNotEmpty().allSatisfy(reply -> {
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.persona()).isEqualTo(persona);
        });
    }

    @Then("no response takes less than {int} ms")
    public void minimumLatency(int millis) {
        assertThat(replies.stream().mapToLong(Reply::nanos).min().orElseThrow())
                .as("fastest response in nanoseconds").isGreaterThanOrEqualTo(millis * 1_000_000L);
    }

    @Then("the median response takes less than {int} ms")
    public void medianLatency(int millis) {
        final long[] sorted = replies.stream().mapToLong(Reply::nanos).sorted().toArray();
        assertThat(sorted[sorted.length / 2]).as("median response in nanoseconds").isLessThan(millis * 1_000_000L);
    }

    @Then("the slowest and the fastest response differ by at least {int} ms")
    public void latencySpread(int millis) {
        final long fastest = replies.stream().mapToLong(Reply::nanos).min().orElseThrow();
        final long slowest = replies.stream().mapToLong(Reply::nanos).max().orElseThrow();
        assertThat(slowest - fastest).as("spread in nanoseconds").isGreaterThanOrEqualTo(millis * 1_000_000L);
    }

    @Then("the first {int} responses are 200")
    public void firstResponsesOk(int count) {
        assertThat(replies.subList(0, count)).extracting(Reply::status).containsOnly(200);
    }

    @Then("the 200 responses number {int} plus at most what {int} per second refills during the run")
    public void admittedByBucket(int burst, int ratePerSecond) {
        final long admitted = replies.stream().filter(reply -> reply.status() == 200).count();
        final long refill = (long) Math.ceil(ratePerSecond * repliesNanos / 1e9);
        assertThat(admitted).as("200 responses in %d ms", repliesNanos / 1_000_000)
                .isBetween((long) burst, burst + refill);
    }

    @Then("every other response is 429 with Retry-After and reason {string}")
    public void othersRateLimited(String reason) {
        final List<Reply> limited = replies.stream().filter(reply -> reply.status() != 200).toList();
        assertThat(limited).isNotEmpty().allSatisfy(reply -> {
            assertThat(reply.status()).isEqualTo(429);
            assertThat(reply.retryAfter()).isNotNull();
            assertThat(Integer.parseInt(reply.retryAfter())).isPositive();
            assertThat(reply.reason()).isEqualTo(reason);
        });
    }

    // --- load from many clients

    @When("{int} clients each send {int} requests to {address}")
    public void clientsSend(int clients, int perClient, String destination) throws Exception {
        previousTraffic = traffic;
        traffic = runClients(world.accessPoint(), clients, perClient, destination);
    }

    @When("the same {int} clients each send {int} requests to {address}")
    public void sameClientsSend(int clients, int perClient, String destination) throws Exception {
        clientsSend(clients, perClient, destination);
    }

    @When("the same {int} clients each send {int} requests to {address} through {string}")
    public void sameClientsSendThrough(int clients, int perClient, String destination, String accessPoint)
            throws Exception {
        clientsSendThrough(clients, perClient, destination, accessPoint);
    }

    @When("{int} clients each send {int} requests to {address} through {string}")
    public void clientsSendThrough(int clients, int perClient, String destination, String accessPoint)
            throws Exception {
        trafficByAccessPoint.put(accessPoint, runClients(world.accessPoint(accessPoint), clients, perClient,
                                                         destination));
    }

    private Traffic runClients(AccessPoint accessPoint, int clients, int perClient, String destination)
            throws Exception {
        // One second at clients * perClient requests per second; request i goes to client i % clients.
        final ClientGroupSpec group = ClientGroupSpec.builder("clients",
                                                              SpecWorld.listenerAddress(accessPoint, destination))
                .clients(clients)
                .model(LoadModel.constantRate(clients * perClient))
                .duration(Duration.ofSeconds(1))
                .requestTimeout(Duration.ofSeconds(10))
                .build();
        return world.runLoad(List.of(group));
    }

    @When("{int} requests are sent to {address}")
    public void requestsSent(int count, String destination) throws Exception {
        traffic = runOneClient(world.accessPoint(), count, destination, 4);
    }

    @When("{int} requests are sent in sequence to {address}")
    public void requestsSentInSequence(int count, String destination) throws Exception {
        traffic = runOneClient(world.accessPoint(), count, destination, 1);
    }

    @When("{int} requests are sent in sequence to {address} through each access point")
    public void requestsThroughEach(int count, String destination) throws Exception {
        for (Map.Entry<String, AccessPoint> entry : world.accessPoints.entrySet()) {
            trafficByAccessPoint.put(entry.getKey(), runOneClient(entry.getValue(), count, destination, 1));
        }
    }

    /** Sends {@code count} requests from one client within a second, over at most {@code connections}. */
    private Traffic runOneClient(AccessPoint accessPoint, int count, String destination, int connections)
            throws Exception {
        final ClientGroupSpec group = ClientGroupSpec.builder("client",
                                                              SpecWorld.listenerAddress(accessPoint, destination))
                .model(LoadModel.constantRate(count))
                .duration(Duration.ofSeconds(1))
                .maxConnectionsPerClient(connections)
                .requestTimeout(Duration.ofSeconds(10))
                .build();
        return world.runLoad(List.of(group));
    }

    @When("{int} connections to {address} and {int} connections to {address} send requests for {int} seconds")
    public void closedLoops(int firstConnections, String first, int secondConnections, String second, int seconds)
            throws Exception {
        final AccessPoint accessPoint = world.accessPoint();
        traffic = world.runLoad(List.of(
                closedLoop(first, SpecWorld.listenerAddress(accessPoint, first), firstConnections, seconds),
                closedLoop(second, SpecWorld.listenerAddress(accessPoint, second), secondConnections, seconds)));
    }

    private static ClientGroupSpec closedLoop(String name, InetSocketAddress target, int connections, int seconds) {
        return ClientGroupSpec.builder(name, target)
                .clients(connections)
                .model(LoadModel.closedLoop(connections))
                .duration(Duration.ofSeconds(seconds))
                .requestTimeout(Duration.ofSeconds(10))
                .build();
    }

    @Then("every request is answered 200")
    public void everyRequestOk() {
        assertThat(traffic.results()).isNotEmpty()
                .allSatisfy(result -> assertThat(result.status()).as("status of %s", result).isEqualTo(200));
    }

    @Then("every request is answered 200 by persona {string}")
    public void everyRequestOkBy(String persona) {
        everyRequestOk();
        assertThat(traffic.results()).extracting(RequestResult::persona).containsOnly(persona);
    }

    @Then("all {int} requests get a response")
    public void allAnswered(int count) {
        assertThat(traffic.results()).hasSize(count)
                .allSatisfy(result -> assertThat(result.error()).as("error of %s", result).isNull());
    }

    @Then("every client gets all its responses from one persona")
    public void stickyClients() {
        assertThat(traffic.personasByClient("clients")).allSatisfy((client, personas) ->
                assertThat(personas).as("personas of client %d", client).hasSize(1));
    }

    @Then("the share of clients in persona {string} is {double}% within binomial bounds")
    public void clientShare(String persona, double percent) {
        final Map<Integer, Set<String>> byClient = traffic.personasByClient("clients");
        final long inArm = byClient.values().stream().filter(personas -> personas.contains(persona)).count();
        final Binomial bounds = new Binomial(byClient.size(), percent);
        assertThat(inArm).as("clients in %s, expected %s", persona, bounds).isBetween(bounds.min(), bounds.max());
    }

    @Then("every response of persona {string} comes from endpoint {string}")
    public void personaEndpoint(String persona, String endpoint) {
        assertThat(traffic.results()).filteredOn(result -> persona.equals(result.persona()))
                .allSatisfy(result -> assertThat(result.endpoint()).isEqualTo(endpoint));
    }

    @Then("every client is in the same arm on both access points")
    public void sameArmEverywhere() {
        assertThat(trafficByAccessPoint).hasSize(2);
        final List<Map<Integer, Set<String>>> arms = trafficByAccessPoint.values().stream()
                .map(run -> run.personasByClient("clients")).toList();
        assertThat(arms.get(0)).allSatisfy((client, personas) -> assertThat(personas).hasSize(1));
        assertThat(arms.get(1)).isEqualTo(arms.get(0));
    }

    @Then("every client that was in persona {string} is still in it")
    public void clientsStay(String persona) {
        final Map<Integer, Set<String>> before = previousTraffic.personasByClient("clients");
        final Map<Integer, Set<String>> after = traffic.personasByClient("clients");
        before.forEach((client, personas) -> {
            if (personas.contains(persona)) {
                assertThat(after.get(client)).as("personas of client %d", client).containsExactly(persona);
            }
        });
    }

    @Then("more clients are in persona {string} than before")
    public void armGrew(String persona) {
        assertThat(clientsIn(traffic, persona)).isGreaterThan(clientsIn(previousTraffic, persona));
    }

    private static long clientsIn(Traffic run, String persona) {
        return run.personasByClient("clients").values().stream().filter(set -> set.contains(persona)).count();
    }

    // --- injected errors

    @Then("the injected responses are {double}% of {int} within binomial bounds")
    public void injectedShare(double percent, int requests) {
        final Binomial bounds = new Binomial(requests, percent);
        assertThat(traffic.count(RequestResult::injected)).as("injected, expected %s", bounds)
                .isBetween(bounds.min(), bounds.max());
    }

    @Then("every injected response has status {int}")
    public void injectedStatus(int status) {
        assertThat(traffic.results()).filteredOn(RequestResult::injected)
                .allSatisfy(result -> assertThat(result.status()).isEqualTo(status));
    }

    @Then("every other response is 200 from endpoint {string}")
    public void othersFromEndpoint(String endpoint) {
        assertThat(traffic.results()).filteredOn(result -> !result.injected() && result.status() < 500)
                .allSatisfy(result -> {
                    assertThat(result.status()).isEqualTo(200);
                    assertThat(result.endpoint()).isEqualTo(endpoint);
                });
    }

    @Then("endpoint {string} received exactly the requests that were not injected")
    public void endpointReceivedRest(String endpoint) {
        final long notInjected = traffic.count(result -> !result.injected());
        assertThat(world.fleet().get(endpoint).requestCount()).isEqualTo(notInjected);
    }

    @Then("{string} and {string} injected errors into the same requests")
    public void samePattern(String first, String second) {
        assertThat(pattern(second)).isEqualTo(pattern(first)).contains("x");
    }

    @Then("{string} and {string} injected errors into different requests")
    public void differentPattern(String first, String second) {
        assertThat(pattern(second)).isNotEqualTo(pattern(first));
    }

    /** Writes the requests of one access point's run in order: x for injected, . for forwarded. */
    private String pattern(String accessPoint) {
        final StringBuilder pattern = new StringBuilder();
        for (RequestResult result : trafficByAccessPoint.get(accessPoint).results()) {
            pattern.append(result.injected() ? 'x' : '.');
        }
        assertThat(pattern).as("requests through %s", accessPoint).hasSize(100);
        return pattern.toString();
    }

    // --- endpoint selection

    @Then("endpoints {names} together served {double}% of the requests within binomial bounds")
    public void endpointsShare(List<String> endpoints, double percent) {
        final Map<String, Long> counts = traffic.byEndpoint();
        final long served = endpoints.stream().mapToLong(id -> counts.getOrDefault(id, 0L)).sum();
        final Binomial bounds = new Binomial(traffic.results().size(), percent);
        assertThat(served).as("requests to %s out of %s, expected %s", endpoints, counts, bounds)
                .isBetween(bounds.min(), bounds.max());
    }

    @Then("endpoint {word} served {double}% of the requests within binomial bounds")
    public void endpointShare(String endpoint, double percent) {
        endpointsShare(List.of(endpoint), percent);
    }

    @Then("each of the endpoints {names} served {double}% of the requests within binomial bounds")
    public void eachEndpointShare(List<String> endpoints, double percent) {
        for (String endpoint : endpoints) {
            endpointsShare(List.of(endpoint), percent);
        }
    }

    @Then("endpoint {word} served no request")
    public void endpointIdle(String endpoint) {
        assertThat(traffic.byEndpoint()).doesNotContainKey(endpoint);
        assertThat(world.fleet().get(endpoint).requestCount()).isZero();
    }

    @Then("endpoints marked unhealthy served no request")
    public void unhealthyIdle() {
        world.endpointHealthy.forEach((endpoint, healthy) -> {
            if (!healthy) {
                endpointIdle(endpoint);
            }
        });
    }

    @Then("the access point counted {int} panic picks for persona {string}")
    public void panicPicks(int picks, String persona) {
        final String metrics = new String(world.accessPoint().metrics().scrapeText(), StandardCharsets.UTF_8);
        final Matcher line = Pattern.compile("(?m)^guise_panic_selections_total\\{([^}]*)\\} (\\S+)$")
                .matcher(metrics);
        double counted = 0;
        while (line.find()) {
            if (line.group(1).contains("persona=\"" + persona + "\"")) {
                counted += Double.parseDouble(line.group(2));
            }
        }
        assertThat(counted).as("panic picks in:%n%s", metrics).isEqualTo(picks);
    }

    @Then("exactly {int} requests fail with status {int}")
    public void failures(int count, int status) {
        assertThat(traffic.results()).filteredOn(RequestResult::failed).hasSize(count)
                .allSatisfy(result -> assertThat(result.status()).isEqualTo(status));
    }

    @Then("the access point has ejected endpoint {word}")
    public void ejected(String endpoint) {
        assertThat(world.accessPoint().endpointHealth().isEjected(endpoint)).isTrue();
        assertThat(world.accessPoint().endpointHealth().ejectionCount(endpoint)).isEqualTo(1);
    }

    // --- shaping

    @Then("every request to {address} is answered 200")
    public void groupOk(String destination) {
        assertThat(traffic.of(destination)).isNotEmpty()
                .allSatisfy(result -> assertThat(result.status()).as("status of %s", result).isEqualTo(200));
    }

    @Then("some requests to {address} are shed with 503")
    public void groupShed(String destination) {
        assertThat(traffic.of(destination)).anySatisfy(result -> assertThat(result.status()).isEqualTo(503));
    }

    @Then("every request to {address} is answered 200 or shed with 503")
    public void groupOkOrShed(String destination) {
        assertThat(traffic.of(destination)).isNotEmpty()
                .allSatisfy(result -> assertThat(result.status()).as("status of %s", result).isIn(200, 503));
    }

    @Then("the access point counted every 503 to {address} as shed for persona {string}")
    public void shedCounted(String destination, String persona) {
        final long shed = traffic.of(destination).stream().filter(result -> result.status() == 503).count();
        assertThat(world.accessPoint().metrics().shaping(persona).decisionCount(ShapingStats.Decision.SHED))
                .isEqualTo(shed);
    }

    private HttpResponse<String> get(InetSocketAddress address) throws IOException, InterruptedException {
        final String host = address.getAddress().getHostAddress();
        final String authority = host.contains(":") ? "[" + host + "]" : host;
        final HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://" + authority + ":" + address.getPort() + "/"))
                .timeout(SpecWorld.WAIT)
                .build();
        return world.http().send(request, HttpResponse.BodyHandlers.ofString());
    }
}
