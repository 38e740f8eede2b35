package io.guise.scenario.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.guise.chaos.ToxicStream;
import io.guise.chaos.ToxicType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The network section, its timeline events and convergence_within, as the loader reads and checks them. */
class NetworkSectionTest {

    /** A valid scenario with two links; line numbers in the tests count from its first line. */
    private static final String BASE = """
            duration: 20s
            access_points:
              count: 2
              listeners:
                - {name: web, mode: L7, addresses: [127.0.0.2], port: 0}
            fleet:
              - {pool: api, count: 2}
            personas:
              - {id: api, address_family: IPv4, address: api, port: 8080}
            subsets:
              - {prefix: 127.0.0.2/32, persona: api}
            load:
              - {name: users, destination: 127.0.0.2, rate: {rps: 10}}
            network:
              links:
                - {name: control, to: manager}
                - name: api-1-net
                  to: api-1
                  toxics:
                    - {type: latency, attributes: {latency: 50, jitter: 5}}
            """;

    private static List<String> problems(String text) {
        final Throwable thrown = catchThrowable(() -> ScenarioLoader.parse(text, "s.yaml"));
        assertThat(thrown).isInstanceOf(ScenarioException.class);
        return ((ScenarioException) thrown).problems();
    }

    @Test
    void network_linksToxicsAndEvents_load() throws Exception {
        final Scenario scenario = ScenarioLoader.parse(BASE + """
                timeline:
                  - {at: 2s, action: cut_link, link: control}
                  - {at: 3s, action: add_toxic, link: api-1-net, toxic: {name: cap, type: bandwidth, stream: upstream,
                                                                          toxicity: 0.5, attributes: {rate: 100}}}
                  - {at: 4s, action: update_toxic, link: api-1-net, toxic: cap, attributes: {rate: 50}}
                  - {at: 5s, action: remove_toxic, link: api-1-net, toxic: latency_downstream}
                  - {at: 6s, action: restore_link, link: control}
                expect:
                  - {kind: convergence_within, max_ms: 2000}
                """, "s.yaml");

        final Network network = scenario.network();
        assertThat(network.toxiproxy()).isEqualTo(Network.ToxiproxyChoice.EMBEDDED);
        assertThat(network.links()).extracting(Network.NetworkLink::name).containsExactly("control", "api-1-net");
        assertThat(network.link("control").toManager()).isTrue();
        assertThat(network.link("api-1-net").toxics()).singleElement().satisfies(toxic -> {
            assertThat(toxic.name()).isEqualTo("latency_downstream");
            assertThat(toxic.type()).isEqualTo(ToxicType.LATENCY);
            assertThat(toxic.stream()).isEqualTo(ToxicStream.DOWNSTREAM);
            assertThat(toxic.toxicity()).isEqualTo(1.0);
            assertThat(toxic.attributes()).isEqualTo(Map.of("latency", 50L, "jitter", 5L));
        });
        assertThat(scenario.timeline()).extracting(event -> event.action().actionName())
                .containsExactly("cut_link", "add_toxic", "update_toxic", "remove_toxic", "restore_link");
        final TimelineAction.AddToxic add = (TimelineAction.AddToxic) scenario.timeline().get(1).action();
        assertThat(add.toxic().toxicity()).isEqualTo(0.5);
        assertThat(add.toxic().stream()).isEqualTo(ToxicStream.UPSTREAM);
        final TimelineAction.UpdateToxic update = (TimelineAction.UpdateToxic) scenario.timeline().get(2).action();
        assertThat(update.toxicity()).isNull();
        assertThat(update.attributes()).isEqualTo(Map.of("rate", 50L));
        assertThat(scenario.expect()).singleElement().isInstanceOf(Expectation.ConvergenceWithin.class);
    }

    @Test
    void toxiproxy_address_mustBeLoopback() throws Exception {
        assertThat(ScenarioLoader.parse(BASE.replace("network:\n", "network:\n  toxiproxy: 127.0.0.1:8474\n"),
                "s.yaml").network().toxiproxy().kind()).isEqualTo(Network.ToxiproxyChoice.Kind.ADDRESS);
        assertThat(problems(BASE.replace("network:\n", "network:\n  toxiproxy: 192.168.1.5:8474\n")))
                .containsExactly("s.yaml:15: network.toxiproxy: \"192.168.1.5:8474\" (expected: \"embedded\", "
                        + "\"testcontainers\", or the host:port of a running Toxiproxy's API on loopback, such as "
                        + "127.0.0.1:8474)");
    }

    @Test
    void link_unknownEndpointAndDuplicateName() {
        assertThat(problems(BASE + "    - {name: control, to: api-9}\n")).containsExactly(
                "s.yaml:21: network.links[2].name: \"control\" (expected: a unique link name, but network.links[0] "
                        + "has it)",
                "s.yaml:21: network.links[2].to: \"api-9\" (expected: \"manager\" or an endpoint id of the fleet, "
                        + "such as api-1)");
    }

    @Test
    void toxic_badTypeAttributeAndSlicer() {
        assertThat(problems(BASE + """
                    - name: api-2-net
                      to: api-2
                      toxics:
                        - {type: earthquake}
                        - {type: latency, attributes: {latency: -1, rate: 5}}
                        - {type: slicer, attributes: {average_size: 10, size_variation: 10}}
                """)).containsExactly(
                "s.yaml:24: network.links[2].toxics[0].type: \"earthquake\" (expected: one of latency, bandwidth, "
                        + "slow_close, timeout, reset_peer, slicer, limit_data)",
                "s.yaml:25: network.links[2].toxics[1].attributes.latency: -1 (expected: a whole number from 0 to "
                        + ToxicType.MAX_ATTRIBUTE + ")",
                "s.yaml:25: network.links[2].toxics[1].attributes.rate: unknown attribute (expected: an attribute "
                        + "of latency: latency, jitter)",
                "s.yaml:26: network.links[2].toxics[2].attributes.size_variation: 10 (expected: less than "
                        + "average_size (10))");
    }

    @Test
    void events_unknownLinkOrToxic_areRejected() {
        assertThat(problems(BASE + """
                timeline:
                  - {at: 2s, action: cut_link, link: backbone}
                  - {at: 3s, action: remove_toxic, link: api-1-net, toxic: jitter}
                """)).containsExactly(
                "s.yaml:22: timeline[0].link: \"backbone\" (expected: a link of the network section (control, "
                        + "api-1-net))",
                "s.yaml:23: timeline[1].toxic: \"jitter\" (expected: a toxic declared or added on link "
                        + "\"api-1-net\" (latency_downstream))");
    }

    @Test
    void updateToxic_withNothingToChange_isRejected() {
        assertThat(problems(BASE + """
                timeline:
                  - {at: 4s, action: update_toxic, link: api-1-net, toxic: latency_downstream}
                """)).containsExactly("s.yaml:22: timeline[0].attributes: missing (expected: toxicity, attributes "
                + "or both)");
    }

    @Test
    void convergenceWithin_needsAPartitionThatHeals() {
        assertThat(problems(BASE + """
                timeline:
                  - {at: 2s, action: cut_link, link: control}
                expect:
                  - {kind: convergence_within, max_ms: 1000}
                """)).containsExactly("s.yaml:24: expect[0].kind: \"convergence_within\" (expected: a timeline with "
                + "a partition that heals: a restore_link of a link to the manager, or a heal_access_point)");
    }

    @Test
    void linkEvents_withoutNetworkSection() {
        final String withoutNetwork = BASE.substring(0, BASE.indexOf("network:"));
        assertThat(problems(withoutNetwork + """
                timeline:
                  - {at: 2s, action: cut_link, link: control}
                """)).containsExactly("s.yaml:15: timeline[0].link: \"control\" (expected: a link of the network "
                + "section, but the scenario has none; add network.links)");
    }
}
