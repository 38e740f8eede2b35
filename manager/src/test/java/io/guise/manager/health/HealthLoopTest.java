package io.guise.manager.health;

import static io.guise.manager.health.HealthReports.endpoint;
import static io.guise.manager.health.HealthReports.persona;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.guise.manager.config.ConfigService;
import io.guise.manager.config.ConfigWriteException;
import io.guise.manager.store.InMemoryRevisionStore;
import io.guise.proto.Endpoint;
import io.guise.proto.HealthReport;
import io.guise.proto.Persona;
import io.guise.proto.RevisionRecord;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.Split;
import io.guise.proto.SplitArm;
import io.guise.proto.SubsetEntry;
import io.guise.validation.RoutingValidator;
import io.guise.validation.TlsCapabilities;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The health loop on an injected clock, with reports of two access points built by
 * hand and a real config service over an in-memory store.
 */
class HealthLoopTest {

    private static final OptionalLong ANY = OptionalLong.empty();
    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    private static final long LATENCY_MICROS = 5_000;

    private final ManualClock clock = new ManualClock(START);
    private final InMemoryRevisionStore store = new InMemoryRevisionStore(1000);
    private final ConfigService config = new ConfigService(store, new RoutingValidator(TlsCapabilities.jdk()),
                                                           clock);
    private final HealthAggregator aggregator = new HealthAggregator(config::current, clock);
    private final List<List<SubsetEntry>> guardCalls = new ArrayList<>();
    private final List<Map<String, ArmWindow>> guardWindows = new ArrayList<>();
    private List<CanaryDecision> guardAnswer = List.of();
    private final SplitGuard guard = (now, subsets, personaWindow) -> {
        guardCalls.add(subsets);
        guardWindows.add(personaWindow);
        final List<CanaryDecision> answer = guardAnswer;
        guardAnswer = List.of();
        return answer;
    };

    private HealthLoop loop(DemotionSettings settings) {
        return new HealthLoop(config, aggregator, settings, guard, clock);
    }

    private void seedPool(String pool, int size) throws ConfigWriteException {
        for (int i = 1; i <= size; i++) {
            config.upsertEndpoint(Endpoint.newBuilder().setId(pool + "-" + i).setPool(pool).setAddress("127.0.0.1")
                                          .setPort(8000 + i).build(), ANY);
        }
    }

    private int tier(String endpointId) {
        return config.current().getEndpointsList().stream().filter(e -> e.getId().equals(endpointId))
                .findFirst().orElseThrow().getTier();
    }

    private long revision() {
        return config.current().getRevision();
    }

    /**
     * Sends one report from each of ap-1 and ap-2 for every endpoint of the pool,
     * then steps the clock and closes the window. The bad endpoints fail half of
     * their 100 requests (split unevenly over the two), and the others succeed on all 100.
     */
    private void window(HealthLoop loop, String pool, int size, Set<String> bad) {
        final HealthReport.Builder first = HealthReport.newBuilder();
        final HealthReport.Builder second = HealthReport.newBuilder();
        for (int i = 1; i <= size; i++) {
            final String id = pool + "-" + i;
            if (bad.contains(id)) {
                first.addEndpoints(endpoint(id, 20, 15, 5, LATENCY_MICROS));
                second.addEndpoints(endpoint(id, 30, 30, 0, LATENCY_MICROS));
            } else {
                first.addEndpoints(endpoint(id, 40, 0, 0, LATENCY_MICROS));
                second.addEndpoints(endpoint(id, 60, 0, 0, LATENCY_MICROS));
            }
        }
        aggregator.accept("ap-1", first.build());
        aggregator.accept("ap-2", second.build());
        clock.advance(Duration.ofSeconds(1));
        loop.tick();
    }

    @Test
    void failingEndpoint_demotedAsRevisionWithEvidence() throws Exception {
        seedPool("web", 4);
        final HealthLoop loop = loop(DemotionSettings.defaults());
        final long before = revision();

        window(loop, "web", 4, Set.of("web-2"));

        assertThat(revision()).isEqualTo(before + 1);
        assertThat(tier("web-2")).isEqualTo(1);
        final List<RevisionRecord> records = store.recordsAfter(before);
        assertThat(records).hasSize(1);
        assertThat(records.get(0).getDelta().getUpsertedEndpointsList()).extracting(Endpoint::getId, Endpoint::getTier)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("web-2", 1));

        final List<DecisionRecord> decisions = loop.decisions().newest(10);
        assertThat(decisions).hasSize(1);
        final DecisionRecord demotion = decisions.get(0);
        assertThat(demotion.action()).isEqualTo(DecisionRecord.Action.DEMOTE);
        assertThat(demotion.outcome()).isEqualTo(DecisionRecord.Outcome.WRITTEN);
        assertThat(demotion.revision()).isEqualTo(before + 1);
        assertThat(demotion.timeMillis()).isEqualTo(START.plusSeconds(1).toEpochMilli());
        assertThat(demotion.reason()).isEqualTo("failure share 50.0% over 100 requests exceeds 20.0%");
        final DecisionRecord.EndpointEvidence evidence = demotion.endpoint();
        assertThat(evidence.endpointId()).isEqualTo("web-2");
        assertThat(evidence.pool()).isEqualTo("web");
        assertThat(evidence.fromTier()).isZero();
        assertThat(evidence.toTier()).isEqualTo(1);
        assertThat(evidence.requests()).isEqualTo(100);
        assertThat(evidence.failures()).isEqualTo(50);
        assertThat(evidence.failurePercent()).isEqualTo(50.0);
        // HdrHistogram at three digits reports 5000 us as the top of its bucket, 5003 us.
        assertThat(evidence.p99Millis()).isCloseTo(5.0, within(0.01));
        assertThat(evidence.poolMedianP99Millis()).isCloseTo(5.0, within(0.01));
        assertThat(evidence.reporters()).containsExactly("ap-1", "ap-2");
        assertThat(evidence.thresholds()).isEqualTo(DemotionSettings.defaults());
        assertThat(loop.decisions().count(DecisionRecord.Action.DEMOTE)).isEqualTo(1);

        final EndpointHealth web2 = loop.lastWindow().endpoints().get(1);
        assertThat(web2.endpointId()).isEqualTo("web-2");
        assertThat(web2.tier()).isEqualTo(1);
        assertThat(web2.originalTier()).isZero();
        assertThat(web2.demoted()).isTrue();
        assertThat(web2.requests()).isEqualTo(100);
        assertThat(web2.failures()).isEqualTo(50);
        assertThat(web2.reporters()).containsExactly("ap-1", "ap-2");
        assertThat(loop.lastWindow().window()).isEqualTo(1);
    }

    @Test
    void recoveredEndpoint_restoredAfterRestoreWindows() throws Exception {
        seedPool("web", 4);
        final HealthLoop loop = loop(DemotionSettings.defaults());
        window(loop, "web", 4, Set.of("web-2"));
        final long demoted = revision();

        window(loop, "web", 4, Set.of());
        window(loop, "web", 4, Set.of());
        assertThat(revision()).isEqualTo(demoted);
        assertThat(tier("web-2")).isEqualTo(1);

        window(loop, "web", 4, Set.of());

        assertThat(revision()).isEqualTo(demoted + 1);
        assertThat(tier("web-2")).isZero();
        final DecisionRecord restore = loop.decisions().newest(1).get(0);
        assertThat(restore.action()).isEqualTo(DecisionRecord.Action.RESTORE);
        assertThat(restore.outcome()).isEqualTo(DecisionRecord.Outcome.WRITTEN);
        assertThat(restore.revision()).isEqualTo(demoted + 1);
        assertThat(restore.endpoint().fromTier()).isEqualTo(1);
        assertThat(restore.endpoint().toTier()).isZero();
        assertThat(restore.reason()).isEqualTo("not bad for 3 consecutive windows (needed: 3)");
        assertThat(loop.lastWindow().endpoints().get(1).demoted()).isFalse();
    }

    @Test
    void wholePoolFailing_holdFleetWideWithoutRevision() throws Exception {
        seedPool("web", 3);
        final HealthLoop loop = loop(DemotionSettings.defaults());
        final long before = revision();

        window(loop, "web", 3, Set.of("web-1", "web-2", "web-3"));
        window(loop, "web", 3, Set.of("web-1", "web-2", "web-3"));

        assertThat(revision()).isEqualTo(before);
        final List<DecisionRecord> decisions = loop.decisions().newest(10);
        assertThat(decisions).hasSize(3).allSatisfy(decision -> {
            assertThat(decision.action()).isEqualTo(DecisionRecord.Action.HOLD_FLEET_WIDE);
            assertThat(decision.outcome()).isEqualTo(DecisionRecord.Outcome.NOT_WRITTEN);
            assertThat(decision.revision()).isEqualTo(-1);
            assertThat(decision.reason()).startsWith("3 of 3 endpoints of pool web look bad");
        });
        assertThat(decisions).extracting(d -> d.endpoint().endpointId())
                .containsExactlyInAnyOrder("web-1", "web-2", "web-3");
        assertThat(loop.lastWindow().endpoints()).allSatisfy(endpoint -> {
            assertThat(endpoint.hold()).isEqualTo(DecisionRecord.Action.HOLD_FLEET_WIDE);
            assertThat(endpoint.demoted()).isFalse();
            assertThat(endpoint.tier()).isZero();
        });

        window(loop, "web", 3, Set.of());
        assertThat(loop.lastWindow().endpoints()).allSatisfy(endpoint -> assertThat(endpoint.hold()).isNull());
        window(loop, "web", 3, Set.of("web-1", "web-2", "web-3"));
        assertThat(loop.decisions().newest(10)).hasSize(6);
        assertThat(revision()).isEqualTo(before);
    }

    @Test
    void demotionBelowFloor_holdCapWithoutRevision() throws Exception {
        seedPool("web", 2);
        final DemotionSettings settings = new DemotionSettings(20, 20, 3, 20, 3, 50, 2);
        final HealthLoop loop = loop(settings);
        final long before = revision();

        window(loop, "web", 2, Set.of("web-1"));
        window(loop, "web", 2, Set.of("web-1"));

        assertThat(revision()).isEqualTo(before);
        assertThat(tier("web-1")).isZero();
        final List<DecisionRecord> decisions = loop.decisions().newest(10);
        assertThat(decisions).hasSize(1);
        assertThat(decisions.get(0).action()).isEqualTo(DecisionRecord.Action.HOLD_CAP);
        assertThat(decisions.get(0).reason()).isEqualTo(
                "failure share 50.0% over 100 requests exceeds 20.0%, but pool web would keep 1 healthy endpoints"
                + " in its best tier 0, below the floor of 2");
        assertThat(decisions.get(0).endpoint().thresholds()).isEqualTo(settings);
        assertThat(loop.decisions().count(DecisionRecord.Action.HOLD_CAP)).isEqualTo(1);
        assertThat(loop.lastWindow().endpoints().get(0).hold()).isEqualTo(DecisionRecord.Action.HOLD_CAP);
    }

    @Test
    void flappingEndpoint_demotedOnlyOnce() throws Exception {
        seedPool("web", 4);
        final HealthLoop loop = loop(DemotionSettings.defaults());
        final long before = revision();

        for (int i = 0; i < 4; i++) {
            window(loop, "web", 4, Set.of("web-3"));
            window(loop, "web", 4, Set.of());
        }

        assertThat(revision()).isEqualTo(before + 1);
        assertThat(tier("web-3")).isEqualTo(1);
        assertThat(loop.decisions().newest(100)).extracting(DecisionRecord::action)
                .containsExactly(DecisionRecord.Action.DEMOTE);
        assertThat(loop.decisions().count(DecisionRecord.Action.RESTORE)).isZero();
    }

    @Test
    void writeConflict_retriedOnceOnFreshState() throws Exception {
        seedPool("a", 4);
        seedPool("b", 4);
        final HealthLoop loop = loop(DemotionSettings.defaults());
        final AtomicBoolean interfered = new AtomicBoolean();
        config.addCommitListener(record -> {
            final boolean demotesA2 = record.getDelta().getUpsertedEndpointsList().stream()
                    .anyMatch(e -> e.getId().equals("a-2"));
            if (demotesA2 && interfered.compareAndSet(false, true)) {
                operatorWrite(() -> config.upsertEndpoint(config.current().getEndpoints(0).toBuilder().setRegion("eu")
                                                                  .build(), ANY));
            }
        });
        final long before = revision();

        final HealthReport.Builder report = HealthReport.newBuilder();
        for (int i = 1; i <= 4; i++) {
            report.addEndpoints(endpoint("a-" + i, i == 2 ? 50 : 100, i == 2 ? 50 : 0, 0, LATENCY_MICROS));
            report.addEndpoints(endpoint("b-" + i, i == 3 ? 50 : 100, i == 3 ? 50 : 0, 0, LATENCY_MICROS));
        }
        aggregator.accept("ap-1", report.build());
        loop.tick();

        assertThat(revision()).isEqualTo(before + 3);
        assertThat(tier("a-2")).isEqualTo(1);
        assertThat(tier("b-3")).isEqualTo(1);
        assertThat(config.current().getEndpoints(0).getRegion()).isEqualTo("eu");
        final List<DecisionRecord> decisions = loop.decisions().newest(10);
        assertThat(decisions).extracting(d -> d.endpoint().endpointId(), DecisionRecord::outcome,
                                         DecisionRecord::revision)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("b-3", DecisionRecord.Outcome.WRITTEN,
                                                                     before + 3),
                                 org.assertj.core.groups.Tuple.tuple("a-2", DecisionRecord.Outcome.WRITTEN,
                                                                     before + 1));
    }

    @Test
    void endpointDeletedBeforeWrite_recordedAsSkipped() throws Exception {
        seedPool("a", 4);
        seedPool("b", 4);
        final HealthLoop loop = loop(DemotionSettings.defaults());
        final AtomicBoolean deleted = new AtomicBoolean();
        config.addCommitListener(record -> {
            if (deleted.compareAndSet(false, true)) {
                operatorWrite(() -> config.deleteEndpoint("b-3", ANY));
            }
        });
        final long before = revision();

        final HealthReport.Builder report = HealthReport.newBuilder();
        for (int i = 1; i <= 4; i++) {
            report.addEndpoints(endpoint("a-" + i, i == 2 ? 50 : 100, i == 2 ? 50 : 0, 0, LATENCY_MICROS));
            report.addEndpoints(endpoint("b-" + i, i == 3 ? 50 : 100, i == 3 ? 50 : 0, 0, LATENCY_MICROS));
        }
        aggregator.accept("ap-1", report.build());
        loop.tick();

        assertThat(revision()).isEqualTo(before + 2);
        final DecisionRecord skipped = loop.decisions().newest(1).get(0);
        assertThat(skipped.endpoint().endpointId()).isEqualTo("b-3");
        assertThat(skipped.action()).isEqualTo(DecisionRecord.Action.DEMOTE);
        assertThat(skipped.outcome()).isEqualTo(DecisionRecord.Outcome.SKIPPED);
        assertThat(skipped.revision()).isEqualTo(-1);
        assertThat(skipped.detail()).isEqualTo("endpoint b-3 was deleted before the write");
        assertThat(loop.lastWindow().endpoints()).extracting(EndpointHealth::endpointId).doesNotContain("b-3");
    }

    @Test
    void canaryDecision_setsArmWeightZeroAsRevision() throws Exception {
        config.upsertPersona(personaOf("stable"), ANY);
        config.upsertPersona(personaOf("canary"), ANY);
        config.upsertSubset(SubsetEntry.newBuilder().setPrefix("10.0.0.0/8").setSplit(
                Split.newBuilder().addArms(arm("stable", 90)).addArms(arm("canary", 10))).build(), ANY);
        final HealthLoop loop = loop(DemotionSettings.defaults());
        aggregator.accept("ap-1", HealthReport.newBuilder()
                .addPersonas(persona("stable", 900, 5, 0, 2_000))
                .addPersonas(persona("canary", 60, 40, 0, 9_000)).build());
        aggregator.accept("ap-2", HealthReport.newBuilder()
                .addPersonas(persona("stable", 100, 0, 0, 2_000))
                .addPersonas(persona("canary", 50, 40, 10, 9_000)).build());
        final ArmWindow armWindow = new ArmWindow(110, 80, 10, new org.HdrHistogram.Histogram(3), 0);
        final ArmWindow controlWindow = new ArmWindow(1000, 5, 0, new org.HdrHistogram.Histogram(3), 0);
        guardAnswer = List.of(new CanaryDecision("10.0.0.0/8", "canary", "stable",
                                                 "failure share 45.0% exceeds 0.5% at p 1e-9", armWindow,
                                                 controlWindow, 1e-9, 0.2));
        final long before = revision();

        loop.tick();

        assertThat(guardWindows).hasSize(1);
        final ArmWindow canary = guardWindows.get(0).get("canary");
        assertThat(canary.successes()).isEqualTo(110);
        assertThat(canary.failures()).isEqualTo(80);
        assertThat(canary.timeouts()).isEqualTo(10);
        assertThat(canary.latencyMicros().getTotalCount()).isEqualTo(190);
        assertThat(guardWindows.get(0).get("stable").requests()).isEqualTo(1005);
        assertThat(guardCalls.get(0)).extracting(SubsetEntry::getPrefix).containsExactly("10.0.0.0/8");

        assertThat(revision()).isEqualTo(before + 1);
        final RoutingSnapshot after = config.current();
        assertThat(after.getSubsets(0).getSplit().getArmsList()).extracting(SplitArm::getPersona, SplitArm::getWeight)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("stable", 90),
                                 org.assertj.core.groups.Tuple.tuple("canary", 0));
        final DecisionRecord stop = loop.decisions().newest(1).get(0);
        assertThat(stop.action()).isEqualTo(DecisionRecord.Action.CANARY_STOP);
        assertThat(stop.outcome()).isEqualTo(DecisionRecord.Outcome.WRITTEN);
        assertThat(stop.revision()).isEqualTo(before + 1);
        assertThat(stop.endpoint()).isNull();
        assertThat(stop.canary().prefix()).isEqualTo("10.0.0.0/8");
        assertThat(stop.canary().arm()).isEqualTo("canary");
        assertThat(stop.canary().control()).isEqualTo("stable");
        assertThat(stop.canary().fromWeight()).isEqualTo(10);
        assertThat(stop.canary().toWeight()).isZero();
        assertThat(stop.canary().armFigures().requests()).isEqualTo(200);
        assertThat(stop.canary().armFigures().failurePercent()).isEqualTo(45.0);
        assertThat(stop.canary().controlFigures().requests()).isEqualTo(1005);
        assertThat(stop.canary().errorPValue()).isEqualTo(1e-9);
        assertThat(stop.canary().latencyPValue()).isEqualTo(0.2);
        assertThat(loop.decisions().count(DecisionRecord.Action.CANARY_STOP)).isEqualTo(1);
    }

    @Test
    void failingSplitGuard_loopContinues() throws Exception {
        seedPool("web", 4);
        final HealthLoop loop = new HealthLoop(config, aggregator, DemotionSettings.defaults(),
                                               (now, subsets, windows) -> {
                                                   throw new IllegalStateException("guard bug");
                                               }, clock);

        window(loop, "web", 4, Set.of("web-2"));

        assertThat(tier("web-2")).isEqualTo(1);
        assertThat(loop.windows()).isEqualTo(1);
    }

    private static SplitArm.Builder arm(String persona, int weight) {
        return SplitArm.newBuilder().setPersona(persona).setWeight(weight);
    }

    private static Persona personaOf(String id) {
        return Persona.newBuilder().setId(id).setAddressFamily("IPv4").setAddress("web").setPort(8081).build();
    }

    @FunctionalInterface
    private interface Write {
        void run() throws ConfigWriteException;
    }

    /** Runs an operator's write from inside a commit listener, as if it had come in from the API meanwhile. */
    private static void operatorWrite(Write write) {
        try {
            write.run();
        } catch (ConfigWriteException e) {
            throw new AssertionError("the operator's write was rejected: " + e.getMessage(), e);
        }
    }
}
