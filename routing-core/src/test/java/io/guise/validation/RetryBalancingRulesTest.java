package io.guise.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.proto.AccessPointConfig;
import io.guise.proto.Listener;
import io.guise.proto.PoolBalancing;
import io.guise.proto.RetryPolicy;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Unit tests of the rules for retry policies and pool balancing, one per rule. */
class RetryBalancingRulesTest {

    private final RoutingValidator validator = new RoutingValidator(
            TlsCapabilities.of(Set.of("TLSv1.3"), Set.of("TLS_AES_128_GCM_SHA256")));

    private static AccessPointConfig.Builder config() {
        return AccessPointConfig.newBuilder()
                .addListeners(Listener.newBuilder().setMode("L7").addAddresses("127.0.0.1"));
    }

    private List<String> messages(AccessPointConfig.Builder config) {
        return validator.validate(config.build()).stream().map(Violation::toString).collect(Collectors.toList());
    }

    private static PoolBalancing.Builder balancing(String pool, String policy, int decayMs) {
        return PoolBalancing.newBuilder().setPool(pool).setPolicy(policy).setDecayMs(decayMs);
    }

    @Test
    void retriesAndBalancing_valid() {
        assertThat(messages(config()
                .setRetries(RetryPolicy.newBuilder().setMaxAttempts(5).setBudgetPercent(100))
                .addPoolBalancing(balancing("web", "P2C_EWMA", 0))
                .addPoolBalancing(balancing("api", "WEIGHTED_RANDOM", 5000)))).isEmpty();
        assertThat(messages(config().setRetries(RetryPolicy.getDefaultInstance()))).isEmpty();
    }

    @Test
    void retries_maxAttemptsOutOfRange() {
        assertThat(messages(config().setRetries(RetryPolicy.newBuilder().setMaxAttempts(6)))).containsExactly(
                "retries.max_attempts: 6 (expected: 0-5 attempts including the first, where 0 means 2)");
        assertThat(messages(config().setRetries(RetryPolicy.newBuilder().setMaxAttempts(-1)))).containsExactly(
                "retries.max_attempts: -1 (expected: 0-5 attempts including the first, where 0 means 2)");
    }

    @Test
    void retries_budgetPercentOutOfRange() {
        assertThat(messages(config().setRetries(RetryPolicy.newBuilder().setBudgetPercent(101)))).containsExactly(
                "retries.budget_percent: 101 (expected: 0-100, where 0 means 20)");
    }

    @Test
    void retries_minRetriesPerSecondNegative() {
        assertThat(messages(config().setRetries(RetryPolicy.newBuilder().setMinRetriesPerSecond(-3))))
                .containsExactly("retries.min_retries_per_second: -3 (expected: an integer >= 0, where 0 means 10)");
    }

    @Test
    void poolBalancing_emptyPool() {
        assertThat(messages(config().addPoolBalancing(balancing("", "P2C_EWMA", 0)))).containsExactly(
                "pool_balancing[0].pool: \"\" (expected: the name of a pool, as in Endpoint.pool)");
    }

    @Test
    void poolBalancing_unknownPolicy() {
        assertThat(messages(config().addPoolBalancing(balancing("web", "LEAST_REQUEST", 0)))).containsExactly(
                "pool_balancing[0].policy: \"LEAST_REQUEST\" (expected: \"WEIGHTED_RANDOM\" or \"P2C_EWMA\")");
        assertThat(messages(config().addPoolBalancing(balancing("web", "", 0)))).containsExactly(
                "pool_balancing[0].policy: \"\" (expected: \"WEIGHTED_RANDOM\" or \"P2C_EWMA\")");
    }

    @Test
    void poolBalancing_negativeDecay() {
        assertThat(messages(config().addPoolBalancing(balancing("web", "P2C_EWMA", -1)))).containsExactly(
                "pool_balancing[0].decay_ms: -1 (expected: an integer >= 0, where 0 means 10000)");
    }

    @Test
    void poolBalancing_duplicatePool() {
        assertThat(messages(config()
                .addPoolBalancing(balancing("web", "P2C_EWMA", 0))
                .addPoolBalancing(balancing("api", "P2C_EWMA", 0))
                .addPoolBalancing(balancing("web", "WEIGHTED_RANDOM", 0)))).containsExactly(
                "pool_balancing[2].pool: \"web\" (expected: at most one entry per pool, but pool_balancing[0]"
                + " names it)");
    }
}
