package io.guise.scenario.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.scenario.model.Scenario;
import io.guise.scenario.model.ScenarioLoader;
import io.guise.scenario.report.RunReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Small scenarios run end to end on loopback, with real fleet, manager, access points and load. */
@Timeout(120)
class ScenarioRunnerTest {

    @TempDir
    Path reports;

    private RunReport run(String yaml) throws Exception {
        final Scenario scenario = ScenarioLoader.parse(yaml, "test.yaml");
        final StringWriter progress = new StringWriter();
        return new ScenarioRunner(new ScenarioRunner.Options(reports, false, new PrintWriter(progress)))
                .run(scenario).report();
    }

    private static final String BASE = """
            name: small
            seed: 7
            duration: 4s
            access_points:
              count: 2
              listeners:
                - {name: web, mode: L7, addresses: [127.0.0.5, 127.0.0.6], port: 0}
            fleet:
              - pool: backend
                count: 2
                behaviour:
                  latency: {distribution: fixed, ms: 1}
            personas:
              - {id: steady, address_family: IPv4, address: backend, port: 8080, error_rate_percent: 10}
              - {id: other, address_family: IPv4, address: backend, port: 8080}
            subsets:
              - {prefix: 127.0.0.5/32, persona: steady}
              - {prefix: 127.0.0.6/32, persona: other}
            load:
              - {name: users, destination: 127.0.0.5, clients: 4, rate: {rps: 200}}
            timeline:
              - {at: 2s, action: update_subset, subset: {prefix: 127.0.0.5/32, persona: other}}
            """;

    @Test
    void run_passingScenario_reportsMeasurements() throws Exception {
        final RunReport report = run(BASE + """
                expect:
                  - {kind: success_rate, group: users, min_percent: 80}
                  - {kind: delta_propagation_p99, max_ms: 2000}
                """);

        assertThat(report.passed()).isTrue();
        assertThat(report.accessPoints()).isEqualTo(2);
        assertThat(report.groups().get("users").requests()).isBetween(700L, 900L);
        // The timeline moved the destination from "steady" to "other" halfway.
        assertThat(report.personas()).containsKeys("steady", "other");
        assertThat(report.personas().get("steady").injectedErrors()).isPositive();
        assertThat(report.personas().get("other").injectedErrors()).isZero();
        assertThat(report.timeline()).hasSize(1);
        assertThat(report.timeline().get(0).outcome()).isEqualTo("ok");
        assertThat(report.timeline().get(0).revision()).isEqualTo(2L);
        // Two access points acknowledged the timeline's revision.
        assertThat(report.deltaPropagationMs().count()).isEqualTo(2);
        assertThat(report.revisions()).hasSize(1);
        assertThat(report.revisions().get(0).revision()).isEqualTo(2);
        assertThat(report.revisions().get(0).acks()).isEqualTo(2);
        assertThat(report.endpoints()).containsKeys("backend-1", "backend-2");
    }

    @Test
    void run_failingExpectation_saysWhich() throws Exception {
        final RunReport report = run(BASE + """
                expect:
                  - {name: impossible, kind: injected_error_share, persona: steady, min_percent: 90, max_percent: 100}
                  - {kind: success_rate, group: users, min_percent: 50}
                """);

        assertThat(report.passed()).isFalse();
        assertThat(report.expectations()).hasSize(2);
        assertThat(report.expectations().get(0).name()).isEqualTo("impossible");
        assertThat(report.expectations().get(0).passed()).isFalse();
        assertThat(report.expectations().get(1).passed()).isTrue();
    }
}
