package io.guise.manager.health;

import static java.util.Objects.requireNonNull;

import io.guise.manager.health.CanaryStatistics.ProportionTest;
import io.guise.manager.health.CanaryStatistics.RankTest;
import io.guise.proto.Split;
import io.guise.proto.SplitArm;
import io.guise.proto.SubsetEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The canary guard of weighted splits that enable one (see the CanaryGuard
 * message of routing.proto).
 *
 * <p>For each subset entry whose split has a canary guard, the guard sums the
 * health windows of every arm's persona over a guard window of
 * {@code window_ms}. When the guard window ends it compares each arm of weight
 * above 0 with the control arm and starts the next guard window. An arm is
 * stopped when both arms have at least {@code min_requests} requests and either
 * <ul>
 *   <li>a one-sided two-proportion z-test finds its failure share (failures and
 *       timeouts over requests) greater at the configured confidence, and the share
 *       exceeds the control's by at least {@code min_error_increase_percent}
 *       points, or</li>
 *   <li>a one-sided Mann-Whitney U test finds its latencies stochastically greater
 *       at the configured confidence, and its median exceeds the control's by at
 *       least {@code min_latency_increase_ms}.</li>
 * </ul>
 * The control arm is never stopped.
 *
 * <p>A guard window belongs to one configuration of a split: its arm personas
 * and its canary_guard message. Weights are not part of it, so ramping an arm up
 * or down keeps the evidence. When a split first appears in {@code subsets}, or
 * appears changed, the guard starts a guard window at that call and drops that
 * call's figures, because their health window may straddle the change. A guard window
 * takes the health windows that end after it began, until {@code window_ms}
 * have passed.
 *
 * <p>NOTE: figures arrive by persona, so a persona that also serves another
 * subset entry brings that traffic into this split's comparison.
 *
 * <p>Not thread-safe: one health loop owns an instance and calls
 * {@link #evaluate} once per health window.
 */
public final class CanaryGuard implements SplitGuard {

    private static final Logger logger = LoggerFactory.getLogger(CanaryGuard.class);

    /** Precision of the summed latency histograms, the same as the access points record with. */
    private static final int SIGNIFICANT_DIGITS = 3;

    private Map<String, SplitState> splits = new HashMap<>();

    @Override
    public List<CanaryDecision> evaluate(long nowMillis, List<SubsetEntry> subsets,
                                         Map<String, ArmWindow> personaWindow) {
        requireNonNull(subsets, "subsets");
        requireNonNull(personaWindow, "personaWindow");
        final Map<String, SplitState> watched = new HashMap<>();
        final List<CanaryDecision> decisions = new ArrayList<>();
        for (SubsetEntry entry : subsets) {
            if (!entry.hasSplit() || !entry.getSplit().hasCanaryGuard()) {
                continue;
            }
            final String prefix = entry.getPrefix();
            final Split split = entry.getSplit();
            SplitState state = splits.get(prefix);
            if (state == null || !state.sameConfiguration(split)) {
                state = SplitState.start(prefix, split, nowMillis);
                watched.put(prefix, state);
                continue;
            }
            watched.put(prefix, state);
            if (state.settings == null) {
                continue;
            }
            state.add(personaWindow);
            if (nowMillis - state.windowStartMillis >= state.settings.windowMillis()) {
                compareArms(prefix, split, state, decisions);
                state.restart(nowMillis);
            }
        }
        splits = watched;
        return decisions;
    }

    private static void compareArms(String prefix, Split split, SplitState state, List<CanaryDecision> decisions) {
        final CanaryGuardSettings settings = state.settings;
        final ArmWindow control = state.totals.get(settings.control()).toArmWindow();
        for (SplitArm arm : split.getArmsList()) {
            if (arm.getPersona().equals(settings.control()) || arm.getWeight() <= 0) {
                continue;
            }
            final ArmWindow armWindow = state.totals.get(arm.getPersona()).toArmWindow();
            final CanaryDecision decision = judge(prefix, arm.getPersona(), armWindow, control, settings);
            logger.debug("canary guard of subset {}: arm {} has {} requests, control {} has {}, stop: {}", prefix,
                         arm.getPersona(), armWindow.requests(), settings.control(), control.requests(),
                         decision != null);
            if (decision != null) {
                logger.info("canary guard of subset {}: stopping arm {}: {}", prefix, arm.getPersona(),
                            decision.reason());
                decisions.add(decision);
            }
        }
    }

    /** Returns the decision to stop the arm, or null when the arm may keep its weight. */
    private static CanaryDecision judge(String prefix, String arm, ArmWindow armWindow, ArmWindow control,
                                       CanaryGuardSettings settings) {
        if (armWindow.requests() < settings.minRequests() || control.requests() < settings.minRequests()) {
            return null;
        }
        final double alpha = settings.significanceLevel();

        final ProportionTest errors = CanaryStatistics.twoProportion(
                armWindow.failures() + armWindow.timeouts(), armWindow.requests(),
                control.failures() + control.timeouts(), control.requests());
        final double errorIncrease = armWindow.failurePercent() - control.failurePercent();
        final boolean moreErrors = errors.pValue() <= alpha && errorIncrease >= settings.minErrorIncreasePercent();

        final RankTest latency = CanaryStatistics.mannWhitney(armWindow.latencyMicros(), control.latencyMicros());
        final double armMedianMillis = medianMillis(armWindow.latencyMicros());
        final double controlMedianMillis = medianMillis(control.latencyMicros());
        final double latencyIncrease = armMedianMillis - controlMedianMillis;
        final boolean slower = latency.pValue() <= alpha && latencyIncrease >= settings.minLatencyIncreaseMillis();

        if (!moreErrors && !slower) {
            return null;
        }
        final List<String> sentences = new ArrayList<>(2);
        if (moreErrors) {
            sentences.add(String.format(Locale.ROOT,
                    "Arm %s failed %.2f%% of %d requests against %.2f%% of %d for control %s, %.2f points more"
                    + " (at least %.2f needed), and the one-sided two-proportion z-test gives z = %.2f,"
                    + " p %s (at most %.3g needed for confidence %s).",
                    arm, armWindow.failurePercent(), armWindow.requests(), control.failurePercent(),
                    control.requests(), settings.control(), errorIncrease, settings.minErrorIncreasePercent(),
                    errors.z(), formatPValue(errors.pValue()), alpha, settings.confidence()));
        }
        if (slower) {
            sentences.add(String.format(Locale.ROOT,
                    "Arm %s had a median latency of %.2f ms over %d responses against %.2f ms over %d for control"
                    + " %s, %.2f ms more (at least %.2f needed), and the one-sided Mann-Whitney U test gives"
                    + " U = %.1f, z = %.2f, p %s (at most %.3g needed for confidence %s).",
                    arm, armMedianMillis, armWindow.latencyMicros().getTotalCount(), controlMedianMillis,
                    control.latencyMicros().getTotalCount(), settings.control(), latencyIncrease,
                    settings.minLatencyIncreaseMillis(), latency.u(), latency.z(), formatPValue(latency.pValue()),
                    alpha, settings.confidence()));
        }
        return new CanaryDecision(prefix, arm, settings.control(), String.join(" ", sentences), armWindow, control,
                                  errors.pValue(), latency.pValue());
    }

    private static double medianMillis(Histogram latencyMicros) {
        return latencyMicros.getValueAtPercentile(50) / 1000.0;
    }

    /** Formats a p-value after "p", such as "= 0.00412", or "< 1e-300" where the tail underflows. */
    private static String formatPValue(double pValue) {
        return pValue < 1e-300 ? "< 1e-300" : String.format(Locale.ROOT, "= %.3g", pValue);
    }

    /** The guard window of one subset entry's split and the figures summed in it so far. */
    private static final class SplitState {
        /** The arm personas in split order. A change of them restarts the guard window. */
        final List<String> armPersonas;
        final io.guise.proto.CanaryGuard guardConfig;
        /** The resolved settings, or null when the configuration breaks a rule and the split is not watched. */
        final CanaryGuardSettings settings;
        long windowStartMillis;
        Map<String, ArmTotals> totals;

        private SplitState(Split split, CanaryGuardSettings settings, long windowStartMillis) {
            this.armPersonas = personas(split);
            this.guardConfig = split.getCanaryGuard();
            this.settings = settings;
            restart(windowStartMillis);
        }

        static SplitState start(String prefix, Split split, long nowMillis) {
            CanaryGuardSettings settings = null;
            try {
                settings = CanaryGuardSettings.of(split);
                logger.info("canary guard of subset {}: watching arms {} against control {}, window {} ms,"
                            + " confidence {}", prefix, personas(split), settings.control(),
                            settings.windowMillis(), settings.confidence());
            } catch (IllegalArgumentException e) {
                logger.warn("canary guard of subset {}: not watching the split, because its configuration is"
                            + " invalid: {}", prefix, e.getMessage());
            }
            return new SplitState(split, settings, nowMillis);
        }

        boolean sameConfiguration(Split split) {
            return armPersonas.equals(personas(split)) && guardConfig.equals(split.getCanaryGuard());
        }

        void add(Map<String, ArmWindow> personaWindow) {
            for (Map.Entry<String, ArmTotals> arm : totals.entrySet()) {
                final ArmWindow window = personaWindow.get(arm.getKey());
                if (window != null) {
                    arm.getValue().add(window);
                }
            }
        }

        void restart(long nowMillis) {
            windowStartMillis = nowMillis;
            totals = new LinkedHashMap<>();
            for (String persona : armPersonas) {
                totals.put(persona, new ArmTotals());
            }
        }

        private static List<String> personas(Split split) {
            return split.getArmsList().stream().map(SplitArm::getPersona).toList();
        }
    }

    /** One arm's figures summed over the health windows of a guard window. */
    private static final class ArmTotals {
        private long successes;
        private long failures;
        private long timeouts;
        private long injectedFaults;
        private final Histogram latencyMicros = new Histogram(SIGNIFICANT_DIGITS);

        void add(ArmWindow window) {
            successes += window.successes();
            failures += window.failures();
            timeouts += window.timeouts();
            injectedFaults += window.injectedFaults();
            latencyMicros.add(window.latencyMicros());
        }

        ArmWindow toArmWindow() {
            return new ArmWindow(successes, failures, timeouts, latencyMicros.copy(), injectedFaults);
        }
    }
}
