package io.guise.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.proto.AccessPointConfig;
import io.guise.proto.Admission;
import io.guise.proto.Listener;
import io.guise.proto.Persona;
import io.guise.proto.RateLimit;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SubsetEntry;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Unit tests of the rules for rate limits, admission and subset budgets. */
class ShapingRulesTest {

    private final RoutingValidator validator = new RoutingValidator(
            TlsCapabilities.of(Set.of("TLSv1.3"), Set.of("TLS_AES_128_GCM_SHA256")));

    private static RoutingSnapshot snapshot(RateLimit.Builder limit, int subsetBudget) {
        final Persona.Builder persona = Persona.newBuilder()
                .setId("web").setAddressFamily("IPv4").setAddress("127.0.0.1").setPort(80).setPriority(10);
        if (limit != null) {
            persona.setRateLimit(limit);
        }
        return RoutingSnapshot.newBuilder()
                .addPersonas(persona)
                .addSubsets(SubsetEntry.newBuilder().setPrefix("10.0.0.0/8").setPersona("web")
                        .setMaxConcurrentRequests(subsetBudget))
                .build();
    }

    private List<String> messages(RoutingSnapshot snapshot) {
        return validator.validate(snapshot).stream().map(Violation::toString).collect(Collectors.toList());
    }

    @Test
    void rateLimit_valid() {
        assertThat(messages(snapshot(RateLimit.newBuilder().setRequestsPerSecond(50).setBurst(10), 4))).isEmpty();
        assertThat(messages(snapshot(null, 0))).isEmpty();
    }

    @Test
    void rateLimit_zeroRateAndBurst() {
        assertThat(messages(snapshot(RateLimit.newBuilder(), 0))).containsExactly(
                "personas[0].rate_limit.requests_per_second: 0 (expected: > 0)",
                "personas[0].rate_limit.burst: 0 (expected: 1-1000000)");
    }

    @Test
    void rateLimit_tooLarge() {
        assertThat(messages(snapshot(RateLimit.newBuilder().setRequestsPerSecond(2_000_000).setBurst(1), 0)))
                .containsExactly("personas[0].rate_limit.requests_per_second: 2000000 (expected: at most 1000000;"
                                 + " leave rate_limit out for no limit)");
    }

    @Test
    void subsetBudget_negative() {
        assertThat(messages(snapshot(null, -1))).containsExactly(
                "subsets[0].max_concurrent_requests: -1 (expected: an integer >= 0, where 0 means no budget of its"
                + " own)");
    }

    @Test
    void admission_negative() {
        final AccessPointConfig config = AccessPointConfig.newBuilder()
                .addListeners(Listener.newBuilder().setMode("L7").addAddresses("127.0.0.1"))
                .setAdmission(Admission.newBuilder().setMaxConcurrentRequests(-1).setQueueLimit(-2))
                .build();

        assertThat(validator.validate(config).stream().map(Violation::toString)).containsExactly(
                "admission.max_concurrent_requests: -1 (expected: an integer >= 0, where 0 means unlimited)",
                "admission.queue_limit: -2 (expected: an integer >= 0, where 0 means no queue)");
    }
}
