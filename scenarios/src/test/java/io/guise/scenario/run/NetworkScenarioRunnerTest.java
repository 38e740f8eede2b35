package io.guise.scenario.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.scenario.model.ScenarioLoader;
import io.guise.scenario.report.RunReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Scenarios with a network section, run end to end through the embedded fault proxy on loopback. */
@Timeout(120)
class NetworkScenarioRunnerTest {

    @TempDir
    Path reports;

    private RunReport run(String yaml) throws Exception {
        return new ScenarioRunner(new ScenarioRunner.Options(reports, true, new PrintWriter(new StringWriter())))
                .run(ScenarioLoader.parse(yaml, "test.yaml")).report();
    }

    @Test
    void partition_keepsServing_andConvergesAfterRestore() throws Exception {
        final RunReport report = run("""
                seed: 3
                duration: 6s
                access_points:
                  count: 2
                  listeners:
                    - {name: web, mode: L7, addresses: [127.0.0.7], port: 0}
                fleet:
                  - {pool: api, count: 2}
                personas:
                  - {id: api, address_family: IPv4, address: api, port: 8080}
                subsets:
                  - {prefix: 127.0.0.7/32, persona: api}
                network:
                  links:
                    - {name: control, to: manager}
                    - {name: api-1-net, to: api-1}
                load:
                  - {name: users, destination: 127.0.0.7, clients: 4, rate: {rps: 100}}
                timeline:
                  - {at: 1s, action: cut_link, link: control}
                  - {at: 2s, action: update_persona, persona: {id: api, address_family: IPv4, address: api,
                                                                port: 8080, simulated_latency_ms: 1}}
                  - {at: 2500ms, action: add_toxic, link: api-1-net, toxic: {name: slow, type: latency,
                                                                             attributes: {latency: 30}}}
                  - {at: 3s, action: restore_link, link: control}
                  - {at: 4s, action: remove_toxic, link: api-1-net, toxic: slow}
                expect:
                  - {kind: success_rate, group: users, min_percent: 99}
                  - {kind: convergence_within, max_ms: 3000}
                """);

        assertThat(report.timeline()).extracting(RunReport.TimelineEntry::outcome).containsOnly("ok");
        assertThat(report.convergence()).singleElement().satisfies(heal -> {
            assertThat(heal.trigger()).isEqualTo("restore_link control");
            assertThat(heal.healedAtMs()).isBetween(2900L, 3500L);
            // The update during the cut made revision 2; both access points hold it after the heal.
            assertThat(heal.revision()).isEqualTo(2);
            assertThat(heal.convergenceMs()).isNotNull().isBetween(0L, 3000L);
        });
        assertThat(report.expectations()).allSatisfy(result -> assertThat(result.passed())
                .as(result.name() + ": " + result.actual()).isTrue());
        // Requests to api-1 went through its proxy while the 30 ms toxic lasted.
        assertThat(report.endpoints().get("api-1").maxMs()).isGreaterThanOrEqualTo(30);
    }
}
