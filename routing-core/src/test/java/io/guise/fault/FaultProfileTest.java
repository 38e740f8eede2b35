package io.guise.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.guise.fault.FaultProfile.L4ErrorAction;
import io.guise.proto.Persona;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FaultProfileTest {

    private static final long MILLIS = 1_000_000L;

    private static FaultProfile withErrorRate(double percent) {
        return FaultProfile.of(Persona.newBuilder().setErrorRatePercent(percent).build());
    }

    /** Counts injected errors over {@code draws} draws from a fixed seed. */
    private static int countErrors(FaultProfile profile, int draws) {
        final SplitMix64 random = new SplitMix64(20_261_204L);
        int errors = 0;
        for (int i = 0; i < draws; i++) {
            if (profile.drawError(random)) {
                errors++;
            }
        }
        return errors;
    }

    @Test
    void zeroRateNeverFails() {
        assertThat(countErrors(withErrorRate(0), 100_000)).isZero();
    }

    @Test
    void zeroRateConsumesNoDraw() {
        final SplitMix64 random = new SplitMix64(1);
        withErrorRate(0).drawError(random);
        assertThat(random.nextLong()).isEqualTo(new SplitMix64(1).nextLong());
    }

    @Test
    void fullRateAlwaysFails() {
        assertThat(countErrors(withErrorRate(100), 100_000)).isEqualTo(100_000);
    }

    @Test
    void fullRateConsumesNoDraw() {
        final SplitMix64 random = new SplitMix64(1);
        withErrorRate(100).drawError(random);
        assertThat(random.nextLong()).isEqualTo(new SplitMix64(1).nextLong());
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.1, 1, 10, 50, 99.9})
    void errorRateWithinBinomialBound(double percent) {
        // Five standard deviations of Binomial(n, p) around n * p.
        final int draws = 200_000;
        final double p = percent / 100;
        final double mean = draws * p;
        final double bound = 5 * Math.sqrt(draws * p * (1 - p));
        final int errors = countErrors(withErrorRate(percent), draws);
        assertThat((double) errors).isBetween(mean - bound, mean + bound);
    }

    @Test
    void delayWithinLatencyPlusJitter() {
        final FaultProfile profile = FaultProfile.of(
                Persona.newBuilder().setSimulatedLatencyMs(100).setJitterMs(20).build());
        final SplitMix64 random = new SplitMix64(7);
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < 10_000; i++) {
            final long delay = profile.drawDelayNanos(random);
            min = Math.min(min, delay);
            max = Math.max(max, delay);
        }
        assertThat(min).isGreaterThanOrEqualTo(100 * MILLIS);
        assertThat(max).isLessThanOrEqualTo(120 * MILLIS);
        // Each end of the range gets a draw within 0.1 % of the jitter.
        assertThat(min).isLessThan(100 * MILLIS + 20 * MILLIS / 100);
        assertThat(max).isGreaterThan(120 * MILLIS - 20 * MILLIS / 100);
    }

    @Test
    void delayWithoutJitterIsFixed() {
        final FaultProfile profile =
                FaultProfile.of(Persona.newBuilder().setSimulatedLatencyMs(250).build());
        final SplitMix64 random = new SplitMix64(1);
        assertThat(profile.drawDelayNanos(random)).isEqualTo(250 * MILLIS);
        assertThat(random.nextLong()).isEqualTo(new SplitMix64(1).nextLong());
    }

    @Test
    void smallJitterCoversBothEnds() {
        // Jitter of 1 ms gives 1_000_001 possible delays, so over 10^7 draws both
        // exact ends appear with near certainty, and the fixed seed makes that final.
        final FaultProfile profile = FaultProfile.of(Persona.newBuilder().setJitterMs(1).build());
        final SplitMix64 random = new SplitMix64(11);
        boolean sawZero = false;
        boolean sawMax = false;
        for (int i = 0; i < 10_000_000 && !(sawZero && sawMax); i++) {
            final long delay = profile.drawDelayNanos(random);
            sawZero |= delay == 0;
            sawMax |= delay == MILLIS;
        }
        assertThat(sawZero).isTrue();
        assertThat(sawMax).isTrue();
    }

    @Test
    void sameSeedSameDecisions() {
        final FaultProfile profile = FaultProfile.of(Persona.newBuilder()
                .setJitterMs(50).setErrorRatePercent(30).build());
        final SplitMix64 first = new SplitMix64(99);
        final SplitMix64 second = new SplitMix64(99);
        for (int i = 0; i < 1000; i++) {
            assertThat(profile.drawDelayNanos(second)).isEqualTo(profile.drawDelayNanos(first));
            assertThat(profile.drawError(second)).isEqualTo(profile.drawError(first));
        }
    }

    @Test
    void errorStatusDefaultsTo503() {
        assertThat(FaultProfile.of(Persona.getDefaultInstance()).errorStatus()).isEqualTo(503);
    }

    @Test
    void errorStatusKept() {
        final FaultProfile profile = FaultProfile.of(Persona.newBuilder().setErrorStatus(429).build());
        assertThat(profile.errorStatus()).isEqualTo(429);
    }

    @ParameterizedTest
    @CsvSource({"'', RESET", "reset, RESET", "close, CLOSE"})
    void actionParsed(String text, L4ErrorAction expected) {
        final FaultProfile profile =
                FaultProfile.of(Persona.newBuilder().setL4ErrorAction(text).build());
        assertThat(profile.l4ErrorAction()).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"RESET", "fin", " reset"})
    void actionRejectsUnknown(String text) {
        assertThatThrownBy(() -> L4ErrorAction.fromProto(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("l4_error_action: '" + text + "'");
    }

    @Test
    void fieldsCopied() {
        final FaultProfile profile = FaultProfile.of(Persona.newBuilder()
                .setSimulatedLatencyMs(40)
                .setJitterMs(5)
                .setErrorRatePercent(2.5)
                .build());
        assertThat(profile.latency()).isEqualTo(Duration.ofMillis(40));
        assertThat(profile.jitter()).isEqualTo(Duration.ofMillis(5));
        assertThat(profile.errorRatePercent()).isEqualTo(2.5);
        assertThat(profile.injectsNothing()).isFalse();
    }

    @Test
    void defaultPersonaInjectsNothing() {
        final FaultProfile profile = FaultProfile.of(Persona.getDefaultInstance());
        assertThat(profile.injectsNothing()).isTrue();
        assertThat(profile).isEqualTo(FaultProfile.none());
    }

    @Test
    void noneInjectsNothing() {
        final FaultProfile none = FaultProfile.none();
        assertThat(none.injectsNothing()).isTrue();
        assertThat(none.latency()).isEqualTo(Duration.ZERO);
        assertThat(none.errorStatus()).isEqualTo(503);
        assertThat(none.l4ErrorAction()).isEqualTo(L4ErrorAction.RESET);
    }

    @ParameterizedTest
    @CsvSource({"0.001, false", "0, true"})
    void injectsNothingOnlyWithoutFaults(double percent, boolean expected) {
        assertThat(withErrorRate(percent).injectsNothing()).isEqualTo(expected);
    }

    @Test
    void latencyAloneIsAFault() {
        final FaultProfile profile = FaultProfile.of(Persona.newBuilder().setSimulatedLatencyMs(1).build());
        assertThat(profile.injectsNothing()).isFalse();
    }

    @Test
    void jitterAloneIsAFault() {
        final FaultProfile profile = FaultProfile.of(Persona.newBuilder().setJitterMs(1).build());
        assertThat(profile.injectsNothing()).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "-1 | 0 | 0 | 0 | simulated_latency_ms: -1",
            "0 | -1 | 0 | 0 | jitter_ms: -1",
            "9223372036854 | 1 | 0 | 0 | simulated_latency_ms + jitter_ms",
            "0 | 0 | -0.5 | 0 | error_rate_percent: -0.5",
            "0 | 0 | 100.5 | 0 | error_rate_percent: 100.5",
            "0 | 0 | NaN | 0 | error_rate_percent: NaN",
            "0 | 0 | 0 | 399 | error_status: 399",
            "0 | 0 | 0 | 600 | error_status: 600",
    })
    void invalidPersonaRejected(long latencyMs, long jitterMs, double percent, int status,
                                String message) {
        final Persona persona = Persona.newBuilder()
                .setSimulatedLatencyMs(latencyMs)
                .setJitterMs(jitterMs)
                .setErrorRatePercent(percent)
                .setErrorStatus(status)
                .build();
        assertThatThrownBy(() -> FaultProfile.of(persona))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void largestDelayAccepted() {
        final long maxMillis = Long.MAX_VALUE / MILLIS;
        final FaultProfile profile = FaultProfile.of(Persona.newBuilder()
                .setSimulatedLatencyMs(maxMillis - 1).setJitterMs(1).build());
        final long delay = profile.drawDelayNanos(new SplitMix64(3));
        assertThat(delay).isGreaterThanOrEqualTo((maxMillis - 1) * MILLIS);
        assertThat(delay).isLessThanOrEqualTo(maxMillis * MILLIS);
    }
}
