package io.guise.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SplitMix64Test {

    @Test
    void sameSeedSameSequence() {
        final SplitMix64 first = new SplitMix64(42);
        final SplitMix64 second = new SplitMix64(42);
        for (int i = 0; i < 1000; i++) {
            assertThat(second.nextLong()).as("draw %d", i).isEqualTo(first.nextLong());
        }
    }

    @Test
    void matchesJdkSplittableRandom() {
        // SplittableRandom(seed) uses the same increment and finalizer, so its
        // nextLong() and nextDouble() are an independent reference.
        final SplitMix64 random = new SplitMix64(-7);
        final SplittableRandom reference = new SplittableRandom(-7);
        for (int i = 0; i < 100; i++) {
            assertThat(random.nextLong()).as("long %d", i).isEqualTo(reference.nextLong());
            assertThat(random.nextDouble()).as("double %d", i).isEqualTo(reference.nextDouble());
        }
    }

    @Test
    void differentSeedsDiffer() {
        assertThat(new SplitMix64(1).nextLong()).isNotEqualTo(new SplitMix64(2).nextLong());
    }

    @Test
    void streamsDiffer() {
        final SplitMix64 stream0 = SplitMix64.forStream(42, 0);
        final SplitMix64 stream1 = SplitMix64.forStream(42, 1);
        int equalDraws = 0;
        for (int i = 0; i < 1000; i++) {
            if (stream0.nextLong() == stream1.nextLong()) {
                equalDraws++;
            }
        }
        assertThat(equalDraws).isZero();
    }

    @Test
    void streamIsRepeatable() {
        final SplitMix64 first = SplitMix64.forStream(42, 9);
        final SplitMix64 second = SplitMix64.forStream(42, 9);
        for (int i = 0; i < 100; i++) {
            assertThat(second.nextLong()).as("draw %d", i).isEqualTo(first.nextLong());
        }
    }

    @Test
    void streamDiffersFromSeed() {
        assertThat(SplitMix64.forStream(42, 1).nextLong()).isNotEqualTo(new SplitMix64(42).nextLong());
    }

    @Test
    void mixIsStable() {
        assertThat(SplitMix64.mix(0)).isZero();
        assertThat(SplitMix64.mix(12345)).isEqualTo(SplitMix64.mix(12345));
        assertThat(SplitMix64.mix(1)).isNotEqualTo(SplitMix64.mix(2));
    }

    @Test
    void nextDoubleInUnitInterval() {
        final SplitMix64 random = new SplitMix64(3);
        double min = 1;
        double max = 0;
        for (int i = 0; i < 100_000; i++) {
            final double value = random.nextDouble();
            assertThat(value).isGreaterThanOrEqualTo(0.0);
            assertThat(value).isLessThan(1.0);
            min = Math.min(min, value);
            max = Math.max(max, value);
        }
        assertThat(min).isLessThan(0.001);
        assertThat(max).isGreaterThan(0.999);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 7, 10, 1L << 40, (1L << 62) + 1, Long.MAX_VALUE})
    void nextLongBoundInRange(long bound) {
        final SplitMix64 random = new SplitMix64(bound);
        for (int i = 0; i < 10_000; i++) {
            final long value = random.nextLong(bound);
            assertThat(value).isGreaterThanOrEqualTo(0);
            assertThat(value).isLessThan(bound);
        }
    }

    @Test
    void nextLongBoundUniform() {
        // The 0.999 quantile of chi-square with 9 degrees of freedom is 27.88. The seed
        // is fixed, so the result never changes between runs.
        final int bound = 10;
        final int draws = 100_000;
        final long[] counts = new long[bound];
        final SplitMix64 random = new SplitMix64(2024);
        for (int i = 0; i < draws; i++) {
            counts[(int) random.nextLong(bound)]++;
        }
        final double expected = (double) draws / bound;
        double chiSquare = 0;
        for (long count : counts) {
            chiSquare += (count - expected) * (count - expected) / expected;
        }
        assertThat(chiSquare).isLessThan(27.88);
    }

    @Test
    void nextLongLargeBoundCoversBothHalves() {
        // Just above 2^62 about half of all attempts are rejected, the worst case.
        final long bound = (1L << 62) + 1;
        final SplitMix64 random = new SplitMix64(5);
        int upperHalf = 0;
        for (int i = 0; i < 10_000; i++) {
            if (random.nextLong(bound) >= bound / 2) {
                upperHalf++;
            }
        }
        assertThat(upperHalf).isBetween(4_700, 5_300);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void nextLongRejectsNonPositiveBound(long bound) {
        assertThatThrownBy(() -> new SplitMix64(1).nextLong(bound))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("boundExclusive: " + bound);
    }
}
