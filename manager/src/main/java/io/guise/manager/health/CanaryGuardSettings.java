package io.guise.manager.health;

import io.guise.proto.Split;
import io.guise.proto.SplitArm;

/**
 * The canary guard of one split with every default resolved. Immutable.
 *
 * @param control the persona id of the control arm
 * @param confidence one-sided confidence of each test, in (0.5, 1)
 * @param minRequests requests each arm needs in a guard window before the tests run
 * @param windowMillis length of the guard window
 * @param minLatencyIncreaseMillis the least increase of the median latency that counts
 * @param minErrorIncreasePercent the least increase of the failure share, in percentage points, that counts
 */
record CanaryGuardSettings(String control, double confidence, long minRequests, long windowMillis,
                           double minLatencyIncreaseMillis, double minErrorIncreasePercent) {

    static final double DEFAULT_CONFIDENCE = 0.99;
    static final long DEFAULT_MIN_REQUESTS = 200;
    static final long DEFAULT_WINDOW_MILLIS = 10_000;
    static final double DEFAULT_MIN_LATENCY_INCREASE_MILLIS = 5;
    static final double DEFAULT_MIN_ERROR_INCREASE_PERCENT = 1;

    /**
     * Resolves the canary guard of {@code split}, in which every field set to 0 or
     * empty takes its default, as routing.proto documents.
     *
     * @throws IllegalArgumentException when a field breaks a rule of routing.proto, naming the field, the value
     *     and the rule. RoutingValidator rejects such splits before they reach the guard.
     */
    static CanaryGuardSettings of(Split split) {
        if (!split.hasCanaryGuard() || split.getArmsCount() == 0) {
            throw new IllegalArgumentException("split: " + split.getArmsCount()
                                               + " arms (expected: a canary_guard and at least one arm)");
        }
        final io.guise.proto.CanaryGuard guard = split.getCanaryGuard();
        final String control = guard.getControl().isEmpty() ? split.getArms(0).getPersona() : guard.getControl();
        if (split.getArmsList().stream().map(SplitArm::getPersona).noneMatch(control::equals)) {
            throw new IllegalArgumentException("canary_guard.control: \"" + control
                                               + "\" (expected: \"\" or the persona of one of the split's arms)");
        }

        final double confidence = guard.getConfidence() == 0 ? DEFAULT_CONFIDENCE : guard.getConfidence();
        if (!(confidence > 0.5 && confidence < 1)) {
            throw new IllegalArgumentException("canary_guard.confidence: " + confidence
                                               + " (expected: 0 for " + DEFAULT_CONFIDENCE
                                               + ", or strictly between 0.5 and 1)");
        }
        final long minRequests = resolve("min_requests", guard.getMinRequests(), DEFAULT_MIN_REQUESTS);
        final long windowMillis = resolve("window_ms", guard.getWindowMs(), DEFAULT_WINDOW_MILLIS);
        final double minLatencyIncreaseMillis = resolve("min_latency_increase_ms",
                guard.getMinLatencyIncreaseMs(), DEFAULT_MIN_LATENCY_INCREASE_MILLIS);
        final double minErrorIncreasePercent = resolve("min_error_increase_percent",
                guard.getMinErrorIncreasePercent(), DEFAULT_MIN_ERROR_INCREASE_PERCENT);
        return new CanaryGuardSettings(control, confidence, minRequests, windowMillis, minLatencyIncreaseMillis,
                                       minErrorIncreasePercent);
    }

    /** Returns the largest p-value at which a test counts: 1 - confidence. */
    double significanceLevel() {
        return 1 - confidence;
    }

    private static long resolve(String field, long value, long defaultValue) {
        if (value < 0) {
            throw new IllegalArgumentException("canary_guard." + field + ": " + value
                                               + " (expected: an integer >= 0, where 0 means " + defaultValue + ")");
        }
        return value == 0 ? defaultValue : value;
    }

    private static double resolve(String field, double value, double defaultValue) {
        if (!(value >= 0 && Double.isFinite(value))) {
            throw new IllegalArgumentException("canary_guard." + field + ": " + value
                                               + " (expected: a finite number >= 0, where 0 means " + defaultValue
                                               + ")");
        }
        return value == 0 ? defaultValue : value;
    }
}
