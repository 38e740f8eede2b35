package io.guise.scenario.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.guise.manager.health.DemotionSettings;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The health settings of a scenario (access_points.health_interval and settings, manager.health) and the
 * expectations on demotion, restoration and arm weights, as the loader reads and checks them.
 */
class HealthSectionTest {

    /** A valid scenario; line numbers in the tests count from its first line. */
    private static final String BASE = """
            duration: 20s
            access_points:
              listeners:
                - {name: web, mode: L7, addresses: [127.0.0.2], port: 0}
            fleet:
              - {pool: api, count: 3}
            personas:
              - {id: api, address_family: IPv4, address: api, port: 8080}
              - {id: next, address_family: IPv4, address: api, port: 8080}
            subsets:
              - prefix: 127.0.0.2/32
                split: {arms: [{persona: api, weight: 90}, {persona: next, weight: 10}]}
            load:
              - {name: users, destination: 127.0.0.2, rate: {rps: 10}}
            timeline:
              - {at: 5s, action: fail_endpoint, endpoint: api-2}
              - {at: 10s, action: heal_endpoint, endpoint: api-2}
            """;

    private static List<String> problems(String text) {
        final Throwable thrown = catchThrowable(() -> ScenarioLoader.parse(text, "s.yaml"));
        assertThat(thrown).isInstanceOf(ScenarioException.class);
        return ((ScenarioException) thrown).problems();
    }

    private static String withAccessPoints(String extra) {
        return BASE.replace("  listeners:\n", extra + "  listeners:\n");
    }

    @Test
    void defaults_whenAbsent() throws Exception {
        final Scenario scenario = ScenarioLoader.parse(BASE, "s.yaml");

        assertThat(scenario.accessPoints().healthInterval()).isEqualTo(Duration.ZERO);
        assertThat(scenario.accessPoints().settings().hasRetries()).isFalse();
        assertThat(scenario.manager()).isEqualTo(ManagerSettings.DEFAULT);
    }

    @Test
    void settingsAndHealth_load() throws Exception {
        final Scenario scenario = ScenarioLoader.parse(withAccessPoints("""
                  health_interval: 500ms
                  settings:
                    retries: {max_attempts: 3}
                    local_ejection: {base_ejection_ms: 500, max_ejection_ms: 2000}
                    admission: {max_concurrent_requests: 4, queue_limit: 2}
                    pool_balancing: [{pool: api, policy: P2C_EWMA}]
                    health_checks: [{pool: api, type: HTTP, interval_ms: 200}]
                    upstream: {response_timeout_ms: 2000}
                    manager: {fault_safety_timeout_ms: 5000}
                """) + """
                manager:
                  health: {window: 250ms, heartbeat_interval: 100ms, min_requests: 3, restore_after_windows: 4,
                           max_error_rate_percent: 10, latency_outlier_factor: 2.5, min_latency_outlier_ms: 5,
                           max_demoted_percent: 40, min_healthy_in_best_tier: 2}
                """, "s.yaml");

        final AccessPoints accessPoints = scenario.accessPoints();
        assertThat(accessPoints.healthInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(accessPoints.settings().getRetries().getMaxAttempts()).isEqualTo(3);
        assertThat(accessPoints.settings().getLocalEjection().getMaxEjectionMs()).isEqualTo(2000);
        assertThat(accessPoints.settings().getAdmission().getMaxConcurrentRequests()).isEqualTo(4);
        assertThat(accessPoints.settings().getPoolBalancing(0).getPolicy()).isEqualTo("P2C_EWMA");
        assertThat(accessPoints.settings().getHealthChecks(0).getIntervalMs()).isEqualTo(200);
        assertThat(accessPoints.settings().getUpstream().getResponseTimeoutMs()).isEqualTo(2000);
        assertThat(accessPoints.settings().getManager().getFaultSafetyTimeoutMs()).isEqualTo(5000);
        assertThat(scenario.manager()).isEqualTo(new ManagerSettings(Duration.ofMillis(250), Duration.ofMillis(100),
                new DemotionSettings(3, 10, 2.5, 5, 4, 40, 2)));
    }

    @Test
    void settings_otherFieldRejected() {
        final List<String> problems = problems(withAccessPoints("  settings: {id: ap-9, retries: {}}\n"));

        assertThat(problems).containsExactly("s.yaml:3: access_points.settings.id: unknown field (expected: one of "
                + "retries, pool_balancing, health_checks, admission, local_ejection, upstream, manager)");
    }

    @Test
    void settings_managerAddressRejected() {
        final List<String> problems = problems(withAccessPoints(
                "  settings:\n    manager: {address: \"127.0.0.1:7000\"}\n"));

        assertThat(problems).containsExactly("s.yaml:4: access_points.settings.manager.address: unknown field "
                + "(expected: one of fault_safety_timeout_ms)");
    }

    @Test
    void settings_validatorRuleNamesValue() {
        final List<String> problems = problems(withAccessPoints(
                "  settings:\n    retries: {max_attempts: 9}\n"));

        assertThat(problems).containsExactly("s.yaml:4: access_points.settings.retries.max_attempts: 9 "
                + "(expected: 0-5 attempts including the first, where 0 means 2)");
    }

    @Test
    void settings_unknownProtoFieldReported() {
        final List<String> problems = problems(withAccessPoints(
                "  settings:\n    retries: {tries: 2}\n"));

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).startsWith("s.yaml:4: access_points.settings.retries.tries: unknown field");
    }

    @Test
    void settings_poolMustBeFleetPool() {
        final List<String> problems = problems(withAccessPoints(
                "  settings:\n    health_checks: [{pool: web, type: TCP}]\n"));

        assertThat(problems).containsExactly("s.yaml:4: access_points.settings.health_checks[0].pool: \"web\" "
                + "(expected: the name of a fleet pool (api))");
    }

    @Test
    void healthInterval_zeroRejected() {
        final List<String> problems = problems(withAccessPoints("  health_interval: 0s\n"));

        assertThat(problems).containsExactly(
                "s.yaml:3: access_points.health_interval: \"0s\" (expected: a duration from 1ms to 1m)");
    }

    @Test
    void managerHealth_badValuesNamed() {
        final List<String> problems = problems(BASE + """
                manager:
                  health: {window: 2m, min_requests: 0, latency_outlier_factor: 1, max_error_rate_percent: 0,
                           colour: red}
                """);

        assertThat(problems).containsExactlyInAnyOrder(
                "s.yaml:20: manager.health.colour: unknown field (expected: one of window, heartbeat_interval, "
                        + "min_requests, max_error_rate_percent, latency_outlier_factor, min_latency_outlier_ms, "
                        + "restore_after_windows, max_demoted_percent, min_healthy_in_best_tier)",
                "s.yaml:19: manager.health.window: \"2m\" (expected: a duration from 1ms to 1m)",
                "s.yaml:19: manager.health.min_requests: 0 (expected: an integer 1-1000000000)",
                "s.yaml:19: manager.health.latency_outlier_factor: 1 (expected: a number > 1 and <= 1000)",
                "s.yaml:19: manager.health.max_error_rate_percent: 0 (expected: a number > 0 and <= 100)");
    }

    @Test
    void healthExpectations_load() throws Exception {
        final Scenario scenario = ScenarioLoader.parse(BASE + """
                expect:
                  - {kind: demotion_within, endpoint: api-2, max_ms: 3000}
                  - {kind: restoration_within, endpoint: api-2, max_ms: 5000}
                  - {kind: arm_weight, prefix: 127.0.0.2/32, arm: next, weight: 0}
                  - {kind: success_rate, group: users, max_percent: 50}
                """, "s.yaml");

        assertThat(scenario.expect()).containsExactly(
                new Expectation.DemotionWithin("demotion_within api-2", "api-2", Duration.ofSeconds(3)),
                new Expectation.RestorationWithin("restoration_within api-2", "api-2", Duration.ofSeconds(5)),
                new Expectation.ArmWeight("arm_weight 127.0.0.2/32 next", "127.0.0.2/32", "next", 0),
                new Expectation.SuccessRate("success_rate users",
                        new TrafficSelector(TrafficSelector.Kind.GROUP, "users"), 0, 50));
    }

    @Test
    void demotionWithin_needsFault() {
        final List<String> problems = problems(BASE + """
                expect:
                  - {kind: demotion_within, endpoint: api-3, max_ms: 3000}
                """);

        assertThat(problems).containsExactly("s.yaml:19: expect[0].endpoint: \"api-3\" (expected: an endpoint "
                + "that the timeline makes bad with kill_endpoint, slow_endpoint, fail_endpoint or an add_toxic on "
                + "its link)");
    }

    @Test
    void restorationWithin_needsFaultEnd() {
        final List<String> problems = problems(BASE.replace("  - {at: 10s, action: heal_endpoint, endpoint: api-2}\n",
                "") + """
                expect:
                  - {kind: restoration_within, endpoint: api-2, max_ms: 3000}
                """);

        assertThat(problems).containsExactly("s.yaml:18: expect[0].endpoint: \"api-2\" (expected: an endpoint "
                + "whose fault the timeline ends with restart_endpoint, heal_endpoint, or a remove_toxic or "
                + "restore_link on its link)");
    }

    @Test
    void armWeight_unknownArmListsArms() {
        final List<String> problems = problems(BASE + """
                expect:
                  - {kind: arm_weight, prefix: 127.0.0.2/32, arm: api-2, weight: 0}
                """);

        assertThat(problems).containsExactly(
                "s.yaml:19: expect[0].arm: \"api-2\" (expected: an arm of the split at 127.0.0.2/32 (api, next))");
    }

    @Test
    void armWeight_negativeWeightRejected() {
        final List<String> problems = problems(BASE + """
                expect:
                  - {kind: arm_weight, prefix: 127.0.0.2/32, arm: next, weight: -1}
                """);

        assertThat(problems).containsExactly(
                "s.yaml:19: expect[0].weight: -1 (expected: an integer 0-2147483647)");
    }
}
