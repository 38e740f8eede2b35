package io.guise.scenario.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ScenarioLoaderTest {

    /** A valid scenario; line numbers in the tests below count from its first line. */
    private static final String BASE = """
            duration: 20s
            access_points:
              count: 2
              listeners:
                - {name: web, mode: L7, addresses: [127.0.0.2], port: 0}
            fleet:
              - {pool: api, count: 3}
            personas:
              - {id: api, address_family: IPv4, address: api, port: 8080}
            subsets:
              - {prefix: 127.0.0.2/32, persona: api}
            load:
              - {name: users, destination: 127.0.0.2, rate: {rps: 10}}
            """;

    @TempDir
    Path tempDir;

    static Stream<Path> catalogFiles() throws Exception {
        return Files.list(Path.of("catalog")).filter(file -> file.toString().endsWith(".yaml")).sorted();
    }

    private static List<String> problems(String text) {
        final Throwable thrown = catchThrowable(() -> ScenarioLoader.parse(text, "s.yaml"));
        assertThat(thrown).isInstanceOf(ScenarioException.class);
        return ((ScenarioException) thrown).problems();
    }

    @ParameterizedTest
    @MethodSource("catalogFiles")
    void catalogFileLoads(Path file) throws Exception {
        final Scenario scenario = ScenarioLoader.load(file);

        assertThat(scenario.name()).isEqualTo(file.getFileName().toString().replace(".yaml", ""));
        assertThat(scenario.duration()).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(30));
        assertThat(scenario.expect()).isNotEmpty();
    }

    @Test
    void catalogHasFifteenFiles() throws Exception {
        assertThat(catalogFiles().count()).isEqualTo(15);
    }

    @Test
    void readmeExampleLoads() throws Exception {
        final String readme = Files.readString(Path.of("README.md"));
        final int section = readme.indexOf("## Complete example");
        final int start = readme.indexOf("```yaml\n", section) + "```yaml\n".length();
        final String example = readme.substring(start, readme.indexOf("```", start));

        final Scenario scenario = ScenarioLoader.parse(example, "README.md");

        assertThat(scenario.name()).isEqualTo("canary-with-fault");
        assertThat(scenario.load()).hasSize(2);
        assertThat(scenario.load().get(1).shape()).isEqualTo(new LoadShape.ClosedLoop(4));
        assertThat(scenario.fleet().get(0).behaviourOf(3).statusCodes()).containsExactly(502, 503);
        assertThat(scenario.expect().get(4).name()).isEqualTo("batch keeps up");
    }

    @Test
    void baseLoadsWithDefaults() throws Exception {
        final Scenario scenario = ScenarioLoader.parse(BASE, "dir/base.yaml");

        assertThat(scenario.name()).isEqualTo("base");
        assertThat(scenario.seed()).isZero();
        assertThat(scenario.duration()).isEqualTo(Duration.ofSeconds(20));
        assertThat(scenario.endpointIds()).containsExactly("api-1", "api-2", "api-3");
        final Pool pool = scenario.fleet().get(0);
        assertThat(pool.address()).isEqualTo("127.0.0.1");
        assertThat(pool.weight()).isEqualTo(1);
        assertThat(pool.behaviour()).isEqualTo(Behaviour.DEFAULT);
        final ClientGroup group = scenario.load().get(0);
        assertThat(group.listener()).isEqualTo("web");
        assertThat(group.clients()).isEqualTo(1);
        assertThat(group.shape()).isEqualTo(new LoadShape.ConstantRate(10));
        assertThat(group.mix()).containsExactly(new RequestMix("GET", "/", 1));
        assertThat(group.start()).isEqualTo(Duration.ZERO);
        assertThat(group.duration()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void timelineSortedByTime() throws Exception {
        final Scenario scenario = ScenarioLoader.parse(BASE + """
                timeline:
                  - {at: 9s, action: start_manager}
                  - {at: 2s, action: stop_manager}
                  - {at: 9s, action: kill_endpoint, endpoint: api-1}
                """, "s.yaml");

        assertThat(scenario.timeline()).extracting(TimelineEvent::at)
                .containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(9), Duration.ofSeconds(9));
        assertThat(scenario.timeline().get(1).action()).isEqualTo(new TimelineAction.StartManager());
        assertThat(scenario.timeline().get(2).action()).isEqualTo(new TimelineAction.KillEndpoint("api-1"));
    }

    @Test
    void behaviourOverrideInheritsPool() throws Exception {
        final Scenario scenario = ScenarioLoader.parse(BASE.replace("- {pool: api, count: 3}", """
                - pool: api
                    count: 3
                    behaviour:
                      latency: {distribution: lognormal, median_ms: 5, sigma: 0.5}
                      error_rate_percent: 1
                    endpoints:
                      - index: 2
                        behaviour: {error_rate_percent: 50}
                """.stripTrailing()), "s.yaml");

        final Pool pool = scenario.fleet().get(0);
        assertThat(pool.behaviourOf(1).errorRatePercent()).isEqualTo(1);
        assertThat(pool.behaviourOf(2).errorRatePercent()).isEqualTo(50);
        assertThat(pool.behaviourOf(2).latency()).isEqualTo(new Latency.LogNormal(Duration.ofMillis(5), 0.5));
    }

    @Test
    void durationForms() {
        assertThat(Fields.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Fields.parseDuration("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Fields.parseDuration("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Fields.parseDuration("30")).isNull();
        assertThat(Fields.parseDuration("5 s")).isNull();
        assertThat(Fields.parseDuration("")).isNull();
    }

    @Test
    void unknownFieldListsKnownOnes() {
        final List<String> problems = problems(BASE + "colour: red\n");

        assertThat(problems).containsExactly("s.yaml:14: colour: unknown field (expected: one of name, description, "
                + "seed, duration, access_points, fleet, personas, subsets, load, timeline, expect, network, manager)");
    }

    @Test
    void nonLoopbackListenerRejected() {
        final List<String> problems = problems(BASE.replace("addresses: [127.0.0.2]", "addresses: [10.0.0.2]"));

        assertThat(problems).contains("s.yaml:5: access_points.listeners[0].addresses[0]: \"10.0.0.2\" (expected: "
                + "a loopback IP, 127.0.0.0/8 or ::1, because scenarios run on loopback only)");
    }

    @Test
    void nonLoopbackPoolRejected() {
        final List<String> problems = problems(BASE.replace("{pool: api, count: 3}",
                "{pool: api, count: 3, address: 192.168.1.1}"));

        assertThat(problems).containsExactly("s.yaml:7: fleet[0].address: \"192.168.1.1\" (expected: "
                + "a loopback IP, 127.0.0.0/8 or ::1, because scenarios run on loopback only)");
    }

    @Test
    void ipv6LoopbackAccepted() {
        assertThat(Loopback.isLoopbackLiteral("::1")).isTrue();
        assertThat(Loopback.isLoopbackLiteral("0:0:0:0:0:0:0:1")).isTrue();
        assertThat(Loopback.isLoopbackLiteral("127.255.0.9")).isTrue();
        assertThat(Loopback.isLoopbackLiteral("::2")).isFalse();
        assertThat(Loopback.isLoopbackLiteral("localhost")).isFalse();
        assertThat(Loopback.isLoopbackLiteral("127.1")).isFalse();
        assertThat(Loopback.isLoopbackLiteral("128.0.0.1")).isFalse();
    }

    @Test
    void rateAndConnectionsBothSet() {
        final List<String> problems = problems(BASE.replace("rate: {rps: 10}", "rate: {rps: 10}, connections: 4"));

        assertThat(problems).containsExactly("s.yaml:13: load[0]: rate and connections (expected: exactly one of "
                + "rate (open loop) and connections (closed loop))");
    }

    @Test
    void rateAndConnectionsBothMissing() {
        final List<String> problems = problems(BASE.replace(", rate: {rps: 10}", ""));

        assertThat(problems).containsExactly("s.yaml:13: load[0]: neither rate nor connections (expected: exactly "
                + "one of rate (open loop) and connections (closed loop))");
    }

    @Test
    void accessPointCountLimit() {
        final List<String> problems = problems(BASE.replace("count: 2", "count: 1001"));

        assertThat(problems).containsExactly("s.yaml:3: access_points.count: 1001 (expected: an integer 1-1000)");
    }

    @Test
    void errorRateOutOfRange() {
        final List<String> problems = problems(BASE.replace("{pool: api, count: 3}",
                "{pool: api, count: 3, behaviour: {error_rate_percent: 120}}"));

        assertThat(problems).containsExactly(
                "s.yaml:7: fleet[0].behaviour.error_rate_percent: 120 (expected: a number from 0 to 100)");
    }

    @Test
    void personaRuleFromManager() {
        final List<String> problems = problems(BASE.replace("port: 8080}", "port: 8080, error_rate_percent: 101}"));

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).startsWith("s.yaml:9: personas[0].error_rate_percent: 101.0 (expected: ");
    }

    @Test
    void personaAddressMustNamePool() {
        final List<String> problems = problems(BASE.replace("address: api,", "address: web,"));

        assertThat(problems).containsExactly(
                "s.yaml:9: personas[0].address: \"web\" (expected: the name of a fleet pool (api))");
    }

    @Test
    void personaUnknownFieldWithLine() {
        final List<String> problems = problems(BASE.replace("port: 8080}", "port: 8080, colour: red}"));

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).startsWith("s.yaml:9: personas[0].colour: unknown field (expected one of: id,");
    }

    @Test
    void timelineAfterDuration() {
        final List<String> problems = problems(BASE + "timeline:\n  - {at: 25s, action: stop_manager}\n");

        assertThat(problems).containsExactly(
                "s.yaml:15: timeline[0].at: \"25s\" (expected: a time within the scenario's duration, 20s)");
    }

    @Test
    void unknownEndpointInTimeline() {
        final List<String> problems = problems(BASE + "timeline:\n  - {at: 5s, action: kill_endpoint, endpoint: api-4}\n");

        assertThat(problems).containsExactly("s.yaml:15: timeline[0].endpoint: \"api-4\" (expected: an endpoint id "
                + "of the fleet, <pool>-<n> with n from 1 to the pool's count, such as api-1)");
    }

    @Test
    void unknownAction() {
        final List<String> problems = problems(BASE + "timeline:\n  - {at: 5s, action: explode}\n");

        assertThat(problems).containsExactly("s.yaml:15: timeline[0].action: \"explode\" (expected: "
                + EventReader.ACTION_RULE + ")");
    }

    @Test
    void actionFieldNotForAction() {
        final List<String> problems = problems(BASE + "timeline:\n  - {at: 5s, action: stop_manager, endpoint: api-1}\n");

        assertThat(problems).containsExactly(
                "s.yaml:15: timeline[0].endpoint: unknown field (expected: one of at, action)");
    }

    @Test
    void personaFromTimelineCounts() throws Exception {
        final Scenario scenario = ScenarioLoader.parse(BASE + """
                timeline:
                  - at: 5s
                    action: update_subset
                    subset: {prefix: 127.0.0.2/32, persona: next}
                  - at: 3s
                    action: apply
                    personas: [{id: next, address_family: IPv4, address: api, port: 8080}]
                expect:
                  - {kind: error_share, persona: next, max_percent: 1}
                """, "s.yaml");

        assertThat(scenario.timeline().get(0).action()).isInstanceOf(TimelineAction.Apply.class);
        assertThat(scenario.expect().get(0).name()).isEqualTo("error_share next");
    }

    @Test
    void subsetToUnknownPersona() {
        final List<String> problems = problems(BASE + """
                timeline:
                  - at: 5s
                    action: update_subset
                    subset: {prefix: 127.0.0.2/32, persona: ghost}
                """);

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).startsWith("s.yaml:17: timeline[0].subset.persona: \"ghost\" (expected: ");
    }

    @Test
    void unknownPersonaInExpectation() {
        final List<String> problems = problems(BASE + "expect:\n  - {kind: error_share, persona: ghost, max_percent: 1}\n");

        assertThat(problems).containsExactly("s.yaml:15: expect[0].persona: \"ghost\" (expected: a persona id (api))");
    }

    @Test
    void unknownGroupInExpectation() {
        final List<String> problems = problems(BASE + "expect:\n  - {kind: throughput, group: bots, min_rps: 5}\n");

        assertThat(problems).containsExactly("s.yaml:15: expect[0].group: \"bots\" (expected: a load group name (users))");
    }

    @Test
    void shareMinAboveMax() {
        final List<String> problems = problems(BASE
                + "expect:\n  - {kind: error_share, persona: api, min_percent: 5, max_percent: 2}\n");

        assertThat(problems).containsExactly("s.yaml:15: expect[0].max_percent: 2 (expected: a number >= min_percent (5))");
    }

    @Test
    void unknownListener() {
        final List<String> problems = problems(BASE.replace("destination: 127.0.0.2,", "destination: 127.0.0.2, listener: api,"));

        assertThat(problems).containsExactly(
                "s.yaml:13: load[0].listener: \"api\" (expected: a listener name from access_points.listeners (web))");
    }

    @Test
    void destinationNotOnListener() {
        final List<String> problems = problems(BASE.replace("destination: 127.0.0.2,", "destination: 127.0.0.3,"));

        assertThat(problems).containsExactly(
                "s.yaml:13: load[0].destination: \"127.0.0.3\" (expected: an address of listener \"web\" (127.0.0.2))");
    }

    @Test
    void groupEndsAfterScenario() {
        final List<String> problems = problems(BASE.replace("rate: {rps: 10}", "rate: {rps: 10}, start: 10s, duration: 15s"));

        assertThat(problems).containsExactly("s.yaml:13: load[0].duration: \"15s\" (expected: a duration that ends by "
                + "the scenario's end, but start + duration is 25s and the scenario lasts 20s)");
    }

    @Test
    void missingDuration() {
        final List<String> problems = problems(BASE.replace("duration: 20s\n", ""));

        assertThat(problems).containsExactly("s.yaml: duration: missing (expected: " + Fields.DURATION_RULE + ")");
    }

    @Test
    void durationAsNumber() {
        final List<String> problems = problems(BASE.replace("duration: 20s", "duration: 20"));

        assertThat(problems).containsExactly("s.yaml:1: duration: 20 (expected: " + Fields.DURATION_RULE + ")");
    }

    @Test
    void severalProblemsAllReported() {
        final List<String> problems = problems(BASE
                .replace("count: 2", "count: 0")
                .replace("{pool: api, count: 3}", "{pool: api, count: 3, tier: 16}")
                .replace("rate: {rps: 10}", "rate: {rps: -1}"));

        assertThat(problems).containsExactly(
                "s.yaml:3: access_points.count: 0 (expected: an integer 1-1000)",
                "s.yaml:7: fleet[0].tier: 16 (expected: an integer 0-15)",
                "s.yaml:13: load[0].rate.rps: -1 (expected: a number from 0 to 1000000)");
    }

    @Test
    void messageListsEveryProblem() {
        final Throwable thrown = catchThrowable(() -> ScenarioLoader.parse(
                BASE.replace("count: 2", "count: 0").replace("tier", "x") + "seed: x\n", "s.yaml"));

        assertThat(thrown).hasMessageStartingWith("Invalid scenario s.yaml (2 problems):\n");
    }

    @Test
    void duplicateKey() {
        final List<String> problems = problems(BASE + "duration: 10s\n");

        assertThat(problems).containsExactly("s.yaml:14: duration: duplicate key (expected: each key once per object)");
    }

    @Test
    void emptyFile() {
        assertThat(problems("")).containsExactly("s.yaml: empty file (expected: a scenario, an object with at least "
                + "duration, access_points and fleet)");
    }

    @Test
    void commentOnlyFile() {
        assertThat(problems("# nothing\n")).hasSize(1);
    }

    @Test
    void listAtTopLevel() {
        assertThat(problems("- a\n- b\n")).containsExactly("s.yaml:1: (document): a list (expected: a scenario, an "
                + "object with fields such as duration and fleet)");
    }

    @Test
    void malformedYaml() {
        final List<String> problems = problems("duration: 20s\nfleet: [unclosed\n");

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).startsWith("s.yaml:");
        assertThat(problems.get(0)).contains("invalid YAML");
    }

    @Test
    void aliasRejected() {
        final List<String> problems = problems(BASE.replace("duration: 20s", "duration: &d 20s\ndescription: *d"));

        assertThat(problems).containsExactly("s.yaml:2: description: YAML alias *d (expected: the value written out, "
                + "because aliases are not supported)");
    }

    @Test
    void collectionAliasRejected() {
        final List<String> problems = problems(BASE.replace("load:", "extra: &x [1]\nmore: *x\nload:"));

        assertThat(problems).isNotEmpty();
    }

    @Test
    void secondDocumentRejected() {
        final List<String> problems = problems(BASE + "---\nduration: 5s\n");

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).contains("a second document");
    }

    @Test
    void octalIntegerRejected() {
        final List<String> problems = problems(BASE.replace("count: 2", "count: 010"));

        assertThat(problems).containsExactly(
                "s.yaml:3: access_points.count: 010 (expected: an integer in plain decimal without leading zeros, such as 15)");
    }

    @Test
    void nullValueRejected() {
        final List<String> problems = problems(BASE.replace("duration: 20s", "duration: 20s\nseed: ~"));

        assertThat(problems).containsExactly(
                "s.yaml:2: seed: null (expected: a 64-bit signed integer, or leave the field out)");
    }

    @Test
    void binaryFileRejected() throws Exception {
        final byte[] junk = new byte[4096];
        new Random(1).nextBytes(junk);
        final Path file = Files.write(tempDir.resolve("junk.yaml"), junk);

        final Throwable thrown = catchThrowable(() -> ScenarioLoader.load(file));

        assertThat(thrown).isInstanceOf(ScenarioException.class);
        assertThat(((ScenarioException) thrown).problems()).hasSize(1);
    }

    @Test
    void nulCharactersRejected() {
        assertThat(problems("duration: 20s\0\n")).containsExactly(
                "s.yaml: contains NUL characters (expected: a YAML text file)");
    }

    @Test
    void hugeFileRejected() throws Exception {
        final Path file = tempDir.resolve("huge.yaml");
        Files.writeString(file, "#".repeat(ScenarioLoader.MAX_FILE_BYTES + 1), StandardCharsets.UTF_8);

        final Throwable thrown = catchThrowable(() -> ScenarioLoader.load(file));

        assertThat(thrown).isInstanceOf(ScenarioException.class);
        assertThat(((ScenarioException) thrown).problems().get(0)).contains("(expected: at most 1048576)");
    }

    @Test
    void missingFileRejected() {
        final Throwable thrown = catchThrowable(() -> ScenarioLoader.load(tempDir.resolve("absent.yaml")));

        assertThat(thrown).isInstanceOf(ScenarioException.class);
        assertThat(((ScenarioException) thrown).problems().get(0)).endsWith("absent.yaml: file not found");
    }

    @Test
    void randomTextNeverThrowsOtherExceptions() {
        final Random random = new Random(3);
        final String alphabet = "abc:-[]{}&*!|>'\"#\n  0123.,%@`?";
        for (int round = 0; round < 2000; round++) {
            final StringBuilder text = new StringBuilder();
            final int length = random.nextInt(80);
            for (int i = 0; i < length; i++) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            final Throwable thrown = catchThrowable(() -> ScenarioLoader.parse(text.toString(), "r.yaml"));
            assertThat(thrown).as("input %s", text).isInstanceOf(ScenarioException.class);
        }
    }
}
