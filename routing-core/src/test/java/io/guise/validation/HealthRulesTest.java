package io.guise.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.proto.AccessPointConfig;
import io.guise.proto.ActiveHealthCheck;
import io.guise.proto.Listener;
import io.guise.proto.ManagerLink;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Unit tests of the rules for health reporting, fault safety, fault expiry and active health checks. */
class HealthRulesTest {

    private final RoutingValidator validator = new RoutingValidator(
            TlsCapabilities.of(Set.of("TLSv1.3"), Set.of("TLS_AES_128_GCM_SHA256")));

    private static AccessPointConfig.Builder config() {
        return AccessPointConfig.newBuilder()
                .addListeners(Listener.newBuilder().setMode("L7").addAddresses("127.0.0.1"));
    }

    private static ActiveHealthCheck.Builder check() {
        return ActiveHealthCheck.newBuilder().setPool("web").setType("HTTP").setPath("/healthz");
    }

    private List<String> messages(AccessPointConfig.Builder config) {
        return validator.validate(config.build()).stream().map(Violation::toString).collect(Collectors.toList());
    }

    private List<String> checkMessages(ActiveHealthCheck.Builder check) {
        return messages(config().addHealthChecks(check));
    }

    @Test
    void managerLink_zerosAreDefaults() {
        assertThat(messages(config().setManager(ManagerLink.newBuilder().setAddress("127.0.0.1:7000")))).isEmpty();
    }

    @Test
    void healthInterval_negative() {
        assertThat(messages(config().setManager(ManagerLink.newBuilder().setAddress("127.0.0.1:7000")
                                                        .setHealthIntervalMs(-1))))
                .containsExactly("manager.health_interval_ms: -1 (expected: an integer >= 0, where 0 means 1000)");
    }

    @Test
    void faultSafetyTimeout_negative() {
        assertThat(messages(config().setManager(ManagerLink.newBuilder().setAddress("127.0.0.1:7000")
                                                        .setFaultSafetyTimeoutMs(-5))))
                .containsExactly("manager.fault_safety_timeout_ms: -5 (expected: an integer >= 0, where 0 means"
                                 + " 30000)");
    }

    @Test
    void faultExpiresAt_negative() {
        final RoutingSnapshot snapshot = RoutingSnapshot.newBuilder()
                .addPersonas(Persona.newBuilder().setId("web").setAddressFamily("IPv4").setAddress("web")
                                     .setPort(80).setFaultExpiresAtMs(-1))
                .build();

        assertThat(validator.validate(snapshot).stream().map(Violation::toString)).containsExactly(
                "personas[0].fault_expires_at_ms: -1 (expected: 0 for never, or milliseconds since the Unix epoch"
                + " from 1000000000000 (2001-09-09) on; a time in seconds is 1000 times too small)");
    }

    @Test
    void faultExpiresAt_secondsRejected() {
        final RoutingSnapshot snapshot = RoutingSnapshot.newBuilder()
                .addPersonas(Persona.newBuilder().setId("web").setAddressFamily("IPv4").setAddress("web")
                                     .setPort(80).setFaultExpiresAtMs(1_796_432_515L))
                .build();

        assertThat(validator.validate(snapshot).stream().map(Violation::toString)).containsExactly(
                "personas[0].fault_expires_at_ms: 1796432515 (expected: 0 for never, or milliseconds since the Unix"
                + " epoch from 1000000000000 (2001-09-09) on; a time in seconds is 1000 times too small)");
    }

    @Test
    void faultExpiresAt_zeroAndFutureValid() {
        for (long expiresAt : new long[] {0, 1_893_456_000_000L}) {
            final RoutingSnapshot snapshot = RoutingSnapshot.newBuilder()
                    .addPersonas(Persona.newBuilder().setId("web").setAddressFamily("IPv4").setAddress("web")
                                         .setPort(80).setFaultExpiresAtMs(expiresAt))
                    .build();
            assertThat(validator.validate(snapshot)).as("%d", expiresAt).isEmpty();
        }
    }

    @Test
    void healthCheck_valid() {
        assertThat(checkMessages(check())).isEmpty();
        assertThat(checkMessages(ActiveHealthCheck.newBuilder().setPool("db").setType("TCP"))).isEmpty();
        assertThat(checkMessages(check().setExpectedStatus(100).setIntervalMs(0).setTimeoutMs(0))).isEmpty();
        assertThat(checkMessages(check().setExpectedStatus(599))).isEmpty();
    }

    @Test
    void healthCheckPool_empty() {
        assertThat(checkMessages(check().setPool(""))).containsExactly(
                "health_checks[0].pool: \"\" (expected: an endpoint pool name of 1-64 characters of [A-Za-z0-9._-])");
    }

    @Test
    void healthCheckPool_checkedTwice() {
        assertThat(messages(config().addHealthChecks(check()).addHealthChecks(check().setType("TCP"))))
                .containsExactly("health_checks[1].pool: \"web\" (expected: one check per pool, but"
                                 + " health_checks[0] checks it already)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "tcp", "HTTPS", "GRPC"})
    void healthCheckType_invalid(String type) {
        assertThat(checkMessages(check().setType(type))).containsExactly(
                "health_checks[0].type: \"" + type + "\" (expected: \"TCP\" for a connect or \"HTTP\" for a GET of"
                + " path)");
    }

    @Test
    void healthCheckPath_withoutLeadingSlash() {
        assertThat(checkMessages(check().setPath("healthz"))).containsExactly(
                "health_checks[0].path: \"healthz\" (expected: a path starting with \"/\", or empty for \"/\")");
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 99, 600})
    void healthCheckExpectedStatus_outOfRange(int status) {
        assertThat(checkMessages(check().setExpectedStatus(status))).containsExactly(
                "health_checks[0].expected_status: " + status + " (expected: 100-599, or 0 for 200)");
    }

    @Test
    void healthCheckNumbers_negative() {
        assertThat(checkMessages(check().setIntervalMs(-1).setTimeoutMs(-2).setHealthyThreshold(-3)
                                         .setUnhealthyThreshold(-4))).containsExactly(
                "health_checks[0].interval_ms: -1 (expected: an integer >= 0, where 0 means 5000)",
                "health_checks[0].timeout_ms: -2 (expected: an integer >= 0, where 0 means 1000)",
                "health_checks[0].healthy_threshold: -3 (expected: an integer >= 0, where 0 means 2)",
                "health_checks[0].unhealthy_threshold: -4 (expected: an integer >= 0, where 0 means 3)");
    }
}
