package io.guise.manager.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.proto.Split;
import io.guise.proto.SplitArm;
import io.guise.proto.SubsetEntry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class CanaryGuardTest {

    private static final String PREFIX = "2001:db8::/32";
    private static final long SECOND = 1_000;
    private static final int REQUESTS_PER_SECOND = 200;

    private static final Profile GOOD = new Profile(0.01, 50_000);
    private static final Profile FAILING = new Profile(0.10, 50_000);
    private static final Profile SLOW = new Profile(0.01, 70_000);

    /**
     * Synthetic traffic of one persona: each request fails with {@code failureShare}, and every response
     * time is normal around {@code meanLatencyMicros} with a standard deviation of 5 ms.
     */
    private record Profile(double failureShare, long meanLatencyMicros) {}

    private static SplitArm arm(String persona, int weight) {
        return SplitArm.newBuilder().setPersona(persona).setWeight(weight).build();
    }

    private static SubsetEntry entry(UnaryOperator<io.guise.proto.CanaryGuard.Builder> guard, SplitArm... arms) {
        final Split.Builder split = Split.newBuilder().setHashSeed(7).addAllArms(List.of(arms));
        guard.apply(split.getCanaryGuardBuilder());
        return SubsetEntry.newBuilder().setPrefix(PREFIX).setSplit(split).build();
    }

    private static SubsetEntry stableAndCanary(UnaryOperator<io.guise.proto.CanaryGuard.Builder> guard) {
        return entry(guard, arm("stable", 90), arm("canary", 10));
    }

    private static ArmWindow window(Random random, int requests, Profile profile) {
        long successes = 0;
        long failures = 0;
        final Histogram latencyMicros = new Histogram(3);
        for (int i = 0; i < requests; i++) {
            if (random.nextDouble() < profile.failureShare()) {
                failures++;
            } else {
                successes++;
            }
            final double latency = profile.meanLatencyMicros() + random.nextGaussian() * 5_000;
            latencyMicros.recordValue(Math.max(1, Math.round(latency)));
        }
        return new ArmWindow(successes, failures, 0, latencyMicros, 0);
    }

    /** Draws one health window of {@code requests} requests for each persona of {@code profiles}. */
    private static Map<String, ArmWindow> traffic(Random random, int requests, Map<String, Profile> profiles) {
        final Map<String, ArmWindow> windows = new HashMap<>();
        profiles.forEach((persona, profile) -> windows.put(persona, window(random, requests, profile)));
        return windows;
    }

    /**
     * Calls the guard once a second from {@code fromSecond} to {@code toSecond}, both included, and
     * returns the decisions of the last call after checking that the earlier calls made none.
     */
    private static List<CanaryDecision> runSeconds(CanaryGuard guard, long fromSecond, long toSecond,
                                                   SubsetEntry entry, Random random, int requests,
                                                   Map<String, Profile> profiles) {
        for (long second = fromSecond; second < toSecond; second++) {
            final List<CanaryDecision> decisions = guard.evaluate(second * SECOND, List.of(entry),
                                                                  traffic(random, requests, profiles));
            assertThat(decisions).as("decisions at second %d", second).isEmpty();
        }
        return guard.evaluate(toSecond * SECOND, List.of(entry), traffic(random, requests, profiles));
    }

    @Test
    void failingArm_stoppedWhenWindowEnds() {
        final CanaryGuard guard = new CanaryGuard();
        final SubsetEntry entry = stableAndCanary(g -> g);
        final Random random = new Random(1);
        final Map<String, Profile> profiles = Map.of("stable", GOOD, "canary", FAILING);

        // The call at second 0 starts the 10 s guard window, and the calls at seconds 1 to 10 fill it
        // with 2,000 requests per arm. runSeconds asserts that seconds 0 to 9 stop nothing.
        final List<CanaryDecision> decisions = runSeconds(guard, 0, 10, entry, random, REQUESTS_PER_SECOND,
                                                          profiles);

        assertThat(decisions).hasSize(1);
        final CanaryDecision decision = decisions.get(0);
        assertThat(decision.prefix()).isEqualTo(PREFIX);
        assertThat(decision.arm()).isEqualTo("canary");
        assertThat(decision.control()).isEqualTo("stable");
        assertThat(decision.armWindow().requests()).isEqualTo(2_000);
        assertThat(decision.controlWindow().requests()).isEqualTo(2_000);
        final double expectedPValue = CanaryStatistics.twoProportion(
                decision.armWindow().failures(), 2_000, decision.controlWindow().failures(), 2_000).pValue();
        assertThat(decision.errorPValue()).isEqualTo(expectedPValue);
        assertThat(decision.errorPValue()).isLessThan(1e-20);
        assertThat(decision.latencyPValue()).isGreaterThan(0.01);
        assertThat(decision.reason())
                .startsWith("Arm canary failed ")
                .contains("of 2000 requests against ", "for control stable", "(at least 1.00 needed)",
                          "one-sided two-proportion z-test", "(at most 0.0100 needed for confidence 0.99)")
                .doesNotContain("Mann-Whitney");
    }

    @Test
    void failingArm_newWindowAfterEvaluation() {
        final CanaryGuard guard = new CanaryGuard();
        final SubsetEntry entry = stableAndCanary(g -> g);
        final Random random = new Random(2);
        final Map<String, Profile> profiles = Map.of("stable", GOOD, "canary", FAILING);
        assertThat(runSeconds(guard, 0, 10, entry, random, REQUESTS_PER_SECOND, profiles)).hasSize(1);

        // The manager has not applied weight 0 yet, so the next window judges the arm again, on its
        // own 2,000 requests rather than 4,000.
        final List<CanaryDecision> next = runSeconds(guard, 11, 20, entry, random, REQUESTS_PER_SECOND,
                                                     profiles);
        assertThat(next).hasSize(1);
        assertThat(next.get(0).armWindow().requests()).isEqualTo(2_000);
    }

    @Test
    void slowArm_stoppedByLatencyTest() {
        final CanaryGuard guard = new CanaryGuard();
        final SubsetEntry entry = stableAndCanary(g -> g);
        final Map<String, Profile> profiles = Map.of("stable", GOOD, "canary", SLOW);

        final List<CanaryDecision> decisions = runSeconds(guard, 0, 10, entry, new Random(3),
                                                          REQUESTS_PER_SECOND, profiles);

        assertThat(decisions).hasSize(1);
        final CanaryDecision decision = decisions.get(0);
        assertThat(decision.arm()).isEqualTo("canary");
        assertThat(decision.latencyPValue()).isLessThan(1e-20);
        assertThat(decision.errorPValue()).isGreaterThan(0.01);
        final double armMedianMillis = decision.armWindow().latencyMicros().getValueAtPercentile(50) / 1000.0;
        final double controlMedianMillis =
                decision.controlWindow().latencyMicros().getValueAtPercentile(50) / 1000.0;
        assertThat(armMedianMillis - controlMedianMillis).isBetween(19.0, 21.0);
        assertThat(decision.reason())
                .startsWith("Arm canary had a median latency of ")
                .contains("over 2000 responses against ", "for control stable", "(at least 5.00 needed)",
                          "one-sided Mann-Whitney U test", "p < 1e-300",
                          "(at most 0.0100 needed for confidence 0.99)")
                .doesNotContain("two-proportion");
    }

    @Test
    void failingAndSlowArm_reasonNamesBothTests() {
        final CanaryGuard guard = new CanaryGuard();
        final SubsetEntry entry = stableAndCanary(g -> g);
        final Map<String, Profile> profiles = Map.of("stable", GOOD, "canary", new Profile(0.10, 70_000));

        final List<CanaryDecision> decisions = runSeconds(guard, 0, 10, entry, new Random(4),
                                                          REQUESTS_PER_SECOND, profiles);

        assertThat(decisions).hasSize(1);
        assertThat(decisions.get(0).reason()).contains("two-proportion z-test", "Mann-Whitney U test");
    }

    @Test
    void equalArms_falseStopsWithinBound() {
        // Both arms draw from one profile, so every stop is a false positive. The effect thresholds are
        // set near 0, so the tests alone decide. Each test rejects with probability at most
        // 1 - 0.99 = 0.01 under equal arms, so a window stops at most 0.02 of the time, and 200 seeds
        // give at most 4 false stops on average. P(Binomial(200, 0.02) > 10) = 0.0025, so 10 is the bound.
        final Profile shared = new Profile(0.05, 50_000);
        final Map<String, Profile> profiles = Map.of("stable", shared, "canary", shared);
        final SubsetEntry sensitive = stableAndCanary(g -> g.setWindowMs(SECOND)
                .setMinErrorIncreasePercent(1e-9).setMinLatencyIncreaseMs(1e-9));
        final SubsetEntry defaults = stableAndCanary(g -> g.setWindowMs(SECOND));

        int sensitiveStops = 0;
        int defaultStops = 0;
        for (int seed = 0; seed < 200; seed++) {
            sensitiveStops += runSeconds(new CanaryGuard(), 0, 1, sensitive, new Random(seed), 2_000, profiles)
                    .size();
            defaultStops += runSeconds(new CanaryGuard(), 0, 1, defaults, new Random(seed), 2_000, profiles)
                    .size();
        }

        assertThat(sensitiveStops).as("false stops over 200 seeds, thresholds near 0").isLessThanOrEqualTo(10);
        // The default thresholds only add conditions, so they stop no more often. At 2,000 requests per
        // arm and 5% failures, a z-test rejection already implies a difference above 1 point.
        assertThat(defaultStops).as("false stops over 200 seeds, default thresholds")
                .isLessThanOrEqualTo(sensitiveStops);
    }

    @Test
    void belowMinRequests_notStopped() {
        final Map<String, Profile> profiles = Map.of("stable", GOOD, "canary", FAILING);
        // 15 requests a second for 10 s: 150 per arm, under the default of 200.
        final List<CanaryDecision> defaults = runSeconds(new CanaryGuard(), 0, 10, stableAndCanary(g -> g),
                                                         new Random(5), 15, profiles);
        assertThat(defaults).isEmpty();

        // The same traffic passes a minimum of 100, and the arm is stopped.
        final List<CanaryDecision> lowered = runSeconds(new CanaryGuard(), 0, 10,
                                                        stableAndCanary(g -> g.setMinRequests(100)),
                                                        new Random(5), 15, profiles);
        assertThat(lowered).hasSize(1);
        assertThat(lowered.get(0).armWindow().requests()).isEqualTo(150);
    }

    @Test
    void splitWithoutGuard_ignored() {
        final CanaryGuard guard = new CanaryGuard();
        final SubsetEntry unguarded = SubsetEntry.newBuilder().setPrefix(PREFIX)
                .setSplit(Split.newBuilder().addArms(arm("stable", 90)).addArms(arm("canary", 10)))
                .build();
        final SubsetEntry single = SubsetEntry.newBuilder().setPrefix("10.0.0.0/8").setPersona("canary").build();
        final Random random = new Random(6);
        final Map<String, Profile> profiles = Map.of("stable", GOOD, "canary", new Profile(0.5, 90_000));

        for (long second = 0; second <= 30; second++) {
            final List<CanaryDecision> decisions = guard.evaluate(second * SECOND, List.of(single, unguarded),
                    traffic(random, REQUESTS_PER_SECOND, profiles));
            assertThat(decisions).as("decisions at second %d", second).isEmpty();
        }
    }

    @Test
    void worseControl_neverStopped() {
        final Map<String, Profile> profiles = Map.of("stable", new Profile(0.10, 70_000), "canary", GOOD,
                                                     "beta", GOOD);
        final SubsetEntry entry = entry(g -> g, arm("stable", 80), arm("canary", 10), arm("beta", 10));

        final List<CanaryDecision> decisions = runSeconds(new CanaryGuard(), 0, 10, entry, new Random(7),
                                                          REQUESTS_PER_SECOND, profiles);

        assertThat(decisions).isEmpty();
    }

    @Test
    void namedControl_comparedAgainstAndNeverStopped() {
        // The control is the second arm here, so the first arm is the one under test.
        final SubsetEntry entry = entry(g -> g.setControl("stable"), arm("canary", 10), arm("stable", 90));

        final List<CanaryDecision> canaryFails = runSeconds(new CanaryGuard(), 0, 10, entry, new Random(8),
                REQUESTS_PER_SECOND, Map.of("stable", GOOD, "canary", FAILING));
        assertThat(canaryFails).extracting(CanaryDecision::arm).containsExactly("canary");
        assertThat(canaryFails).extracting(CanaryDecision::control).containsExactly("stable");

        final List<CanaryDecision> controlFails = runSeconds(new CanaryGuard(), 0, 10, entry, new Random(8),
                REQUESTS_PER_SECOND, Map.of("stable", FAILING, "canary", GOOD));
        assertThat(controlFails).isEmpty();
    }

    @Test
    void zeroWeightArm_skipped() {
        final SubsetEntry entry = entry(g -> g, arm("stable", 90), arm("canary", 0), arm("beta", 10));
        final Map<String, Profile> profiles = Map.of("stable", GOOD, "canary", FAILING, "beta", FAILING);

        final List<CanaryDecision> decisions = runSeconds(new CanaryGuard(), 0, 10, entry, new Random(9),
                                                          REQUESTS_PER_SECOND, profiles);

        assertThat(decisions).extracting(CanaryDecision::arm).containsExactly("beta");
    }

    @Test
    void changedArms_restartWindow() {
        final CanaryGuard guard = new CanaryGuard();
        final Random random = new Random(10);
        final Map<String, Profile> profiles = Map.of("stable", GOOD, "canary", FAILING, "beta", GOOD);
        final SubsetEntry before = stableAndCanary(g -> g);
        final SubsetEntry after = entry(g -> g, arm("stable", 80), arm("canary", 10), arm("beta", 10));

        assertThat(runSeconds(guard, 0, 4, before, random, REQUESTS_PER_SECOND, profiles)).isEmpty();
        // The new arm list at second 5 starts a new window there, so second 10 ends nothing and the
        // window ends at second 15 with the requests of seconds 6 to 15 only.
        final List<CanaryDecision> decisions = runSeconds(guard, 5, 15, after, random, REQUESTS_PER_SECOND,
                                                          profiles);

        assertThat(decisions).extracting(CanaryDecision::arm).containsExactly("canary");
        assertThat(decisions.get(0).armWindow().requests()).isEqualTo(2_000);
    }

    @Test
    void changedWeights_keepWindow() {
        final CanaryGuard guard = new CanaryGuard();
        final Random random = new Random(11);
        final Map<String, Profile> profiles = Map.of("stable", GOOD, "canary", FAILING);
        final SubsetEntry before = entry(g -> g, arm("stable", 99), arm("canary", 1));
        final SubsetEntry after = entry(g -> g, arm("stable", 90), arm("canary", 10));

        assertThat(runSeconds(guard, 0, 4, before, random, REQUESTS_PER_SECOND, profiles)).isEmpty();
        final List<CanaryDecision> decisions = runSeconds(guard, 5, 10, after, random, REQUESTS_PER_SECOND,
                                                          profiles);

        assertThat(decisions).extracting(CanaryDecision::arm).containsExactly("canary");
        assertThat(decisions.get(0).armWindow().requests()).isEqualTo(2_000);
    }

    @Test
    void removedEntry_forgetsWindow() {
        final CanaryGuard guard = new CanaryGuard();
        final Random random = new Random(12);
        final Map<String, Profile> profiles = Map.of("stable", GOOD, "canary", FAILING);
        final SubsetEntry entry = stableAndCanary(g -> g);

        assertThat(runSeconds(guard, 0, 4, entry, random, REQUESTS_PER_SECOND, profiles)).isEmpty();
        assertThat(guard.evaluate(5 * SECOND, List.of(), traffic(random, REQUESTS_PER_SECOND, profiles))).isEmpty();
        // Back at second 6, the entry starts a new window, which ends at second 16.
        final List<CanaryDecision> decisions = runSeconds(guard, 6, 16, entry, random, REQUESTS_PER_SECOND,
                                                          profiles);

        assertThat(decisions).extracting(CanaryDecision::arm).containsExactly("canary");
        assertThat(decisions.get(0).armWindow().requests()).isEqualTo(2_000);
    }

    @Test
    void invalidGuard_notWatched() {
        final SubsetEntry entry = stableAndCanary(g -> g.setConfidence(1.5));
        final Map<String, Profile> profiles = Map.of("stable", GOOD, "canary", new Profile(0.5, 90_000));

        final List<CanaryDecision> decisions = runSeconds(new CanaryGuard(), 0, 30, entry, new Random(13),
                                                          REQUESTS_PER_SECOND, profiles);

        assertThat(decisions).isEmpty();
    }

    @Test
    void missingFigures_countAsNoTraffic() {
        final CanaryGuard guard = new CanaryGuard();
        final SubsetEntry entry = stableAndCanary(g -> g);
        final Random random = new Random(14);

        // Only the control reports, so the arm stays at 0 requests, under min_requests.
        final List<CanaryDecision> decisions = runSeconds(guard, 0, 10, entry, random, REQUESTS_PER_SECOND,
                                                          Map.of("stable", FAILING));

        assertThat(decisions).isEmpty();
    }
}
