package io.guise.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.guise.proto.AccessPointConfig;
import io.guise.proto.Delta;
import io.guise.proto.DeltaUpdate;
import io.guise.proto.FullSnapshot;
import io.guise.proto.ManagerLink;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import io.guise.validation.RoutingValidator;
import io.guise.validation.TlsCapabilities;
import io.guise.validation.Violation;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client's decisions, its backoff, its state file and the manager link's validation, without a network. */
class DistributionClientUnitTest {

    private static DeltaUpdate delta(String epoch, long from, long to) {
        return DeltaUpdate.newBuilder()
                .setEpoch(epoch)
                .setDelta(Delta.newBuilder().setFromRevision(from).setToRevision(to))
                .build();
    }

    @Test
    void deltaMismatch_matchingEpochAndRevision_isNull() {
        assertThat(DistributionClient.deltaMismatch("e1", 4, delta("e1", 4, 6))).isNull();
    }

    @Test
    void deltaMismatch_otherEpoch_asksForSnapshot() {
        assertThat(DistributionClient.deltaMismatch("e1", 4, delta("e2", 4, 5)))
                .contains("epoch e2").contains("full snapshot");
    }

    @Test
    void deltaMismatch_gap_namesBothRevisions() {
        assertThat(DistributionClient.deltaMismatch("e1", 4, delta("e1", 5, 6)))
                .contains("starts at revision 5").contains("revision 4 is held");
    }

    @Test
    void deltaMismatch_noEpochHeld_rejectsEveryDelta() {
        assertThat(DistributionClient.deltaMismatch("", 0, delta("e1", 0, 1))).isNotNull();
    }

    @Test
    void backoff_growsToMaxWithFullJitter() {
        final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), 7);

        assertThat(backoff.ceilingMillis(0)).isEqualTo(100);
        assertThat(backoff.ceilingMillis(3)).isEqualTo(800);
        assertThat(backoff.ceilingMillis(7)).isEqualTo(10_000);
        assertThat(backoff.ceilingMillis(1000)).isEqualTo(10_000);
        for (int attempt = 0; attempt < 50; attempt++) {
            final long ceiling = backoff.ceilingMillis(attempt);
            assertThat(backoff.nextDelay().toMillis()).isBetween(0L, ceiling);
        }
    }

    @Test
    void backoff_sameSeed_sameDelays() {
        final Backoff first = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), 99);
        final Backoff second = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), 99);

        for (int attempt = 0; attempt < 20; attempt++) {
            assertThat(first.nextDelay()).isEqualTo(second.nextDelay());
        }
    }

    @Test
    void backoff_reset_startsFromInitial() {
        final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), 3);
        for (int attempt = 0; attempt < 10; attempt++) {
            backoff.nextDelay();
        }

        backoff.reset();

        assertThat(backoff.nextDelay().toMillis()).isBetween(0L, 100L);
    }

    @Test
    void backoff_maxBelowInitial_isRejected() {
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max: PT1S");
    }

    @Test
    void stateFile_roundTripsAndReplaces(@TempDir Path folder) throws Exception {
        final StateFile file = new StateFile(folder.resolve("state/ap.state"));
        final FullSnapshot first = FullSnapshot.newBuilder()
                .setEpoch("e1")
                .setSnapshot(RoutingSnapshot.newBuilder().setRevision(3)
                                     .addPersonas(Persona.newBuilder().setId("alpha")))
                .build();
        final FullSnapshot second = first.toBuilder().setSnapshot(first.getSnapshot().toBuilder().setRevision(4))
                .build();

        assertThat(file.read()).isNull();
        file.write(first);
        file.write(second);

        assertThat(file.read()).isEqualTo(second);
        assertThat(Files.list(folder.resolve("state")).toList()).containsExactly(file.path());
    }

    @Test
    void stateFile_garbage_failsToRead(@TempDir Path folder) throws Exception {
        final Path path = folder.resolve("ap.state");
        Files.write(path, new byte[] {(byte) 0xff, 0x01, 0x02});

        assertThatThrownBy(() -> new StateFile(path).read()).hasMessageContaining("does not parse");
    }

    @Test
    void managerAddress_parsesIpv4AndBracketedIpv6() {
        assertThat(ManagerAddress.parse("127.0.0.1:7000")).isEqualTo(new InetSocketAddress("127.0.0.1", 7000));
        assertThat(ManagerAddress.parse("[::1]:7001").getPort()).isEqualTo(7001);
        assertThat(ManagerAddress.parse("[::1]:7001").getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
    }

    @Test
    void managerAddress_rejectsBadForms() {
        for (String bad : List.of("", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "::1:7000", "[127.0.0.1]:7000",
                                  "localhost:7000", "127.0.0.1:x", ":7000")) {
            assertThatThrownBy(() -> ManagerAddress.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("manager address");
        }
    }

    @Test
    void validation_reportsManagerLinkViolations() {
        final AccessPointConfig config = AccessPointConfig.newBuilder()
                .setManager(ManagerLink.newBuilder()
                                    .setAddress("manager:7000")
                                    .setReconnectInitialMs(500)
                                    .setReconnectMaxMs(200))
                .build();

        final List<Violation> violations = new RoutingValidator(TlsCapabilities.jdk()).validate(config);

        assertThat(violations).extracting(Violation::path)
                .containsExactly("manager.address", "manager.reconnect_max_ms");
    }

    @Test
    void validation_acceptsManagerLinkWithoutRoutingData() {
        final AccessPointConfig config = AccessPointConfig.newBuilder()
                .setManager(ManagerLink.newBuilder().setAddress("[::1]:7000").setStateFile("/tmp/ap.state"))
                .build();

        assertThat(new RoutingValidator(TlsCapabilities.jdk()).validate(config)).isEmpty();
    }

    @Test
    void validation_namesBadReplicaAddress() {
        final AccessPointConfig config = AccessPointConfig.newBuilder()
                .setManager(ManagerLink.newBuilder()
                                    .setAddress("127.0.0.1:7000")
                                    .addReplicaAddresses("127.0.0.1:7001")
                                    .addReplicaAddresses("replica-2:7000"))
                .build();

        final List<Violation> violations = new RoutingValidator(TlsCapabilities.jdk()).validate(config);

        assertThat(violations).extracting(Violation::path).containsExactly("manager.replica_addresses[1]");
        assertThat(violations.get(0).value()).isEqualTo("\"replica-2:7000\"");
        assertThat(violations.get(0).rule()).isEqualTo(ManagerAddress.RULE);
    }
}
