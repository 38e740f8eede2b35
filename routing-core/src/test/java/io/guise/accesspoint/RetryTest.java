package io.guise.accesspoint;

import static io.guise.accesspoint.AccessPointFixture.config;
import static io.guise.accesspoint.AccessPointFixture.endpoint;
import static io.guise.accesspoint.AccessPointFixture.get;
import static io.guise.accesspoint.AccessPointFixture.listener;
import static io.guise.accesspoint.AccessPointFixture.persona;
import static io.guise.accesspoint.AccessPointFixture.subset;
import static org.assertj.core.api.Assertions.assertThat;

import io.guise.metrics.RequestOutcome;
import io.guise.metrics.RetryStats;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.LocalEjection;
import io.guise.proto.Persona;
import io.guise.proto.RetryPolicy;
import io.guise.proto.UpstreamSettings;
import io.guise.testing.LoopbackEndpoints;
import io.guise.testing.LoopbackEndpoints.HttpEndpoint;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Retries of failed idempotent L7 requests, observed on real loopback endpoints. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RetryTest {

    private final LoopbackEndpoints endpoints = new LoopbackEndpoints();
    private final HttpClient client = AccessPointFixture.httpClient();
    private final List<HttpEndpoint> healthy = new ArrayList<>();
    private AccessPoint accessPoint;
    private HttpEndpoint bad;

    @AfterEach
    void stop() throws Exception {
        if (accessPoint != null) {
            accessPoint.close();
        }
        endpoints.close();
    }

    /**
     * Starts an access point whose persona "web" has {@code healthyCount} healthy
     * endpoints and one that responds to every request with {@code badStatus} after
     * {@code badDelayMillis}. Local ejection is set so high that it never takes the bad
     * endpoint out, so every pick in a test can land on it.
     */
    private InetSocketAddress start(int healthyCount, int badStatus, long badDelayMillis, RetryPolicy retries,
                                    Persona.Builder persona) throws Exception {
        final AccessPointConfig.Builder config = config(listener("web", "L7", "127.0.0.1"))
                .setLocalEjection(LocalEjection.newBuilder().setConsecutiveFailures(1_000_000))
                .setUpstream(UpstreamSettings.newBuilder().setResponseTimeoutMs(200))
                .addPersonas(persona)
                .addSubsets(subset("127.0.0.1/32", "web"));
        if (retries != null) {
            config.setRetries(retries);
        }
        for (int i = 1; i <= healthyCount; i++) {
            final HttpEndpoint endpoint = endpoints.http("web-" + i, "127.0.0.1");
            healthy.add(endpoint);
            config.addEndpoints(endpoint("web-" + i, "web", endpoint.address()));
        }
        bad = endpoints.http("bad", "127.0.0.1", badStatus, badDelayMillis);
        config.addEndpoints(endpoint("bad", "web", bad.address()));
        accessPoint = AccessPoint.start(config.build(), 1);
        return accessPoint.listenerAddresses("web").get(0);
    }

    private int healthyHits() {
        return healthy.stream().mapToInt(endpoint -> endpoint.requests().get()).sum();
    }

    private RetryStats retryStats() {
        return accessPoint.metrics().retries("web");
    }

    private HttpResponse<String> post(InetSocketAddress address) throws Exception {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.getPort() + "/"))
                .timeout(AccessPointFixture.TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString("order"))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void get_failingEndpointHiddenByRetries() throws Exception {
        final InetSocketAddress address = start(4, 500, 0,
                RetryPolicy.newBuilder().setMaxAttempts(3).setBudgetPercent(50).build(), persona("web", "web"));

        int failures = 0;
        for (int i = 0; i < 400; i++) {
            if (get(client, address, "/").statusCode() != 200) {
                failures++;
            }
        }

        final int badHits = bad.requests().get();
        assertThat(failures).isZero();
        // One endpoint of five: about 80 first picks land on it, and each is retried on a healthy one.
        assertThat(badHits).isBetween(40, 130);
        assertThat(healthyHits()).isEqualTo(400);
        assertThat(retryStats().attemptedCount()).isEqualTo(badHits);
        assertThat(retryStats().successAfterRetryCount()).isEqualTo(badHits);
        assertThat(retryStats().budgetExhaustedCount()).isZero();
        final var stats = accessPoint.routing().current().persona("web").stats(true);
        assertThat(stats.outcomeCount(RequestOutcome.FORWARDED)).isEqualTo(400);
        // Every attempt reaches the endpoint measurements, the failed ones included.
        assertThat(accessPoint.metrics().endpoint("bad").failureCount()).isEqualTo(badHits);
        assertThat(AccessPointFixture.utf8(accessPoint.metrics().scrapeText()))
                .contains("guise_retries_total{persona=\"web\",result=\"attempted\"} " + badHits)
                .contains("guise_retries_total{persona=\"web\",result=\"budget_exhausted\"} 0")
                .contains("guise_retry_successes_total{persona=\"web\"} " + badHits);
    }

    @Test
    void post_notRetried() throws Exception {
        final InetSocketAddress address = start(1, 500, 0, RetryPolicy.getDefaultInstance(), persona("web", "web"));

        int serverErrors = 0;
        for (int i = 0; i < 30; i++) {
            if (post(address).statusCode() == 500) {
                serverErrors++;
            }
        }

        assertThat(bad.requests().get()).isPositive();
        assertThat(serverErrors).isEqualTo(bad.requests().get());
        assertThat(healthyHits()).isEqualTo(30 - serverErrors);
        assertThat(retryStats().attemptedCount()).isZero();
    }

    @Test
    void injectedError_notRetried() throws Exception {
        final InetSocketAddress address = start(2, 500, 0, RetryPolicy.getDefaultInstance(),
                persona("web", "web").setErrorRatePercent(100).setErrorStatus(503));

        for (int i = 0; i < 20; i++) {
            final HttpResponse<String> response = get(client, address, "/");
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("x-guise-fault")).hasValue("injected");
        }

        assertThat(bad.requests().get()).isZero();
        assertThat(healthyHits()).isZero();
        assertThat(retryStats().attemptedCount()).isZero();
    }

    @Test
    void responseTimeout_notRetried() throws Exception {
        // The bad endpoint responds after 2 s, well past the response timeout of 200 ms.
        final InetSocketAddress address = start(1, 200, 2_000, RetryPolicy.getDefaultInstance(),
                persona("web", "web"));

        int timeouts = 0;
        for (int i = 0; i < 10; i++) {
            if (get(client, address, "/").statusCode() == 504) {
                timeouts++;
            }
        }

        // The bad endpoint's hit count is not compared: its four handler threads sleep, so a request
        // may wait unseen in its queue. The healthy endpoint got no retry of the timed out requests.
        assertThat(timeouts).isPositive();
        assertThat(healthyHits()).isEqualTo(10 - timeouts);
        assertThat(retryStats().attemptedCount()).isZero();
        assertThat(accessPoint.metrics().endpoint("bad").timeoutCount()).isEqualTo(timeouts);
    }

    @Test
    void budgetSpent_failuresReachClient() throws Exception {
        // 1 % of 100 requests is 1, so the floor of 1 retry a second, 10 in the window, is the limit.
        final InetSocketAddress address = start(1, 500, 0,
                RetryPolicy.newBuilder().setBudgetPercent(1).setMinRetriesPerSecond(1).build(), persona("web", "web"));

        final long startNanos = System.nanoTime();
        int serverErrors = 0;
        for (int i = 0; i < 100; i++) {
            if (get(client, address, "/").statusCode() == 500) {
                serverErrors++;
            }
        }
        final long windows = 1 + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos) / 10;

        final int badHits = bad.requests().get();
        assertThat(serverErrors).isPositive();
        // A run longer than one window may take 10 more retries per window.
        assertThat(retryStats().attemptedCount()).isBetween(10L, 10 * windows);
        assertThat(retryStats().budgetExhaustedCount()).isEqualTo(serverErrors);
        assertThat(retryStats().attemptedCount() + serverErrors).isEqualTo(badHits);
        assertThat(retryStats().successAfterRetryCount()).isEqualTo(retryStats().attemptedCount());
    }

    @Test
    void noRetryPolicy_failuresReachClient() throws Exception {
        final InetSocketAddress address = start(1, 500, 0, null, persona("web", "web"));

        int serverErrors = 0;
        for (int i = 0; i < 30; i++) {
            if (get(client, address, "/").statusCode() == 500) {
                serverErrors++;
            }
        }

        assertThat(serverErrors).isPositive();
        assertThat(serverErrors).isEqualTo(bad.requests().get());
        assertThat(retryStats().attemptedCount()).isZero();
    }
}
