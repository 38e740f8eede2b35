package io.guise.manager.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.guise.proto.CanaryGuard;
import io.guise.proto.Split;
import io.guise.proto.SplitArm;
import org.junit.jupiter.api.Test;

class CanaryGuardSettingsTest {

    private static Split split(CanaryGuard.Builder guard) {
        return Split.newBuilder()
                .addArms(SplitArm.newBuilder().setPersona("stable").setWeight(90))
                .addArms(SplitArm.newBuilder().setPersona("canary").setWeight(10))
                .setCanaryGuard(guard)
                .build();
    }

    @Test
    void emptyGuard_takesDefaults() {
        final CanaryGuardSettings settings = CanaryGuardSettings.of(split(CanaryGuard.newBuilder()));
        assertThat(settings).isEqualTo(new CanaryGuardSettings("stable", 0.99, 200, 10_000, 5, 1));
        assertThat(settings.significanceLevel()).isCloseTo(0.01, within(1e-15));
    }

    @Test
    void setFields_keptAsGiven() {
        final CanaryGuardSettings settings = CanaryGuardSettings.of(split(CanaryGuard.newBuilder()
                .setControl("canary").setConfidence(0.995).setMinRequests(100).setWindowMs(5_000)
                .setMinLatencyIncreaseMs(10).setMinErrorIncreasePercent(2)));
        assertThat(settings).isEqualTo(new CanaryGuardSettings("canary", 0.995, 100, 5_000, 10, 2));
    }

    @Test
    void unknownControl_rejected() {
        assertThatThrownBy(() -> CanaryGuardSettings.of(split(CanaryGuard.newBuilder().setControl("beta"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("canary_guard.control: \"beta\" (expected: \"\" or the persona of one of the split's arms)");
    }

    @Test
    void outOfRangeFields_rejected() {
        assertThatThrownBy(() -> CanaryGuardSettings.of(split(CanaryGuard.newBuilder().setConfidence(0.5))))
                .hasMessage("canary_guard.confidence: 0.5 (expected: 0 for 0.99, or strictly between 0.5 and 1)");
        assertThatThrownBy(() -> CanaryGuardSettings.of(split(CanaryGuard.newBuilder().setWindowMs(-1))))
                .hasMessage("canary_guard.window_ms: -1 (expected: an integer >= 0, where 0 means 10000)");
        assertThatThrownBy(() -> CanaryGuardSettings.of(split(CanaryGuard.newBuilder()
                .setMinLatencyIncreaseMs(Double.NaN))))
                .hasMessage("canary_guard.min_latency_increase_ms: NaN (expected: a finite number >= 0,"
                            + " where 0 means 5.0)");
    }
}
