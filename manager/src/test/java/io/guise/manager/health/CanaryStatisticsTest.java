package io.guise.manager.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.guise.manager.health.CanaryStatistics.ProportionTest;
import io.guise.manager.health.CanaryStatistics.RankTest;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class CanaryStatisticsTest {

    private static Histogram histogram(long... valuesMicros) {
        final Histogram histogram = new Histogram(3);
        for (long value : valuesMicros) {
            histogram.recordValue(value);
        }
        return histogram;
    }

    @Test
    void upperTail_knownValues() {
        // Standard normal table: P(Z > 0) = 0.5, P(Z > 1.96) = 0.0249979, P(Z > 5) = 2.8665e-7.
        assertThat(CanaryStatistics.upperTail(0)).isEqualTo(0.5);
        assertThat(CanaryStatistics.upperTail(1.96)).isCloseTo(0.0249979, within(1e-7));
        assertThat(CanaryStatistics.upperTail(5)).isCloseTo(2.8665157e-7, within(1e-13));
        assertThat(CanaryStatistics.upperTail(-1.96)).isCloseTo(1 - 0.0249979, within(1e-7));
    }

    @Test
    void upperTail_symmetricAndDecreasing() {
        double previous = 1;
        for (double z = -6; z <= 6; z += 0.25) {
            final double tail = CanaryStatistics.upperTail(z);
            assertThat(tail + CanaryStatistics.upperTail(-z)).isCloseTo(1, within(1e-12));
            assertThat(tail).isLessThan(previous);
            previous = tail;
        }
    }

    @Test
    void twoProportion_handComputedCase() {
        // Arm 30 failures of 200 (0.15), control 10 of 200 (0.05). Pooled share 40 / 400 = 0.1, so the
        // standard error is sqrt(0.1 * 0.9 * (1/200 + 1/200)) = sqrt(0.0009) = 0.03 and
        // z = (0.15 - 0.05) / 0.03 = 3.3333. P(Z > 3.3333) = 4.2906e-4.
        final ProportionTest test = CanaryStatistics.twoProportion(30, 200, 10, 200);
        assertThat(test.z()).isCloseTo(10.0 / 3, within(1e-12));
        assertThat(test.pValue()).isCloseTo(4.2906e-4, within(1e-8));
    }

    @Test
    void twoProportion_unequalSizes() {
        // Arm 12 of 100 (0.12), control 20 of 400 (0.05). Pooled 32 / 500 = 0.064, standard error
        // sqrt(0.064 * 0.936 * (1/100 + 1/400)) = sqrt(0.00074880) = 0.027364, z = 0.07 / 0.027364 = 2.5581.
        final ProportionTest test = CanaryStatistics.twoProportion(12, 100, 20, 400);
        assertThat(test.z()).isCloseTo(2.5581, within(1e-4));
        assertThat(test.pValue()).isCloseTo(CanaryStatistics.upperTail(test.z()), within(1e-15));
    }

    @Test
    void twoProportion_swappedArmsMirror() {
        final ProportionTest forward = CanaryStatistics.twoProportion(30, 200, 10, 250);
        final ProportionTest backward = CanaryStatistics.twoProportion(10, 250, 30, 200);
        assertThat(backward.z()).isCloseTo(-forward.z(), within(1e-12));
        assertThat(forward.pValue() + backward.pValue()).isCloseTo(1, within(1e-12));
    }

    @Test
    void twoProportion_monotoneInArmFailures() {
        double previous = 1;
        for (long failures = 0; failures <= 60; failures += 5) {
            final double pValue = CanaryStatistics.twoProportion(failures, 500, 10, 500).pValue();
            assertThat(pValue).isLessThan(previous);
            previous = pValue;
        }
        assertThat(CanaryStatistics.twoProportion(10, 500, 10, 500).pValue()).isEqualTo(0.5);
    }

    @Test
    void twoProportion_degenerateCasesHaveNoEvidence() {
        assertThat(CanaryStatistics.twoProportion(0, 100, 0, 100)).isEqualTo(new ProportionTest(0, 1));
        assertThat(CanaryStatistics.twoProportion(100, 100, 50, 50)).isEqualTo(new ProportionTest(0, 1));
        assertThat(CanaryStatistics.twoProportion(0, 0, 5, 100)).isEqualTo(new ProportionTest(0, 1));
    }

    @Test
    void twoProportion_rejectsImpossibleCounts() {
        assertThatThrownBy(() -> CanaryStatistics.twoProportion(11, 10, 0, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("arm failures 11, requests 10 (expected: 0 <= failures <= requests)");
        assertThatThrownBy(() -> CanaryStatistics.twoProportion(0, 10, -1, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("control failures -1, requests 10 (expected: 0 <= failures <= requests)");
    }

    @Test
    void mannWhitney_handComputedCaseWithTies() {
        // Arm {3, 4, 4, 5}, control {1, 2, 3, 4}. Values below 2048 have buckets of width 1.
        // Pooled and sorted: 1c 2c 3a 3c 4a 4a 4c 5a. Ranks: 1, 2, 3.5 (tie of 2), 6 (tie of 3), 8.
        // Arm rank sum 3.5 + 6 + 6 + 8 = 23.5, so U = 23.5 - 4 * 5 / 2 = 13.5. By pairs: the arm's 3
        // beats 1 and 2 and ties 3 (2.5), each 4 beats 1, 2, 3 and ties 4 (3.5 twice), 5 beats all (4).
        // Mean 4 * 4 / 2 = 8. Tie term (2^3 - 2) + (3^3 - 3) = 30, N = 8, so the variance is
        // 16 / 12 * (9 - 30 / 56) = 11.285714. z = (13.5 - 8 - 0.5) / sqrt(11.285714) = 1.48835,
        // P(Z > 1.48835) = 0.068329.
        final RankTest test = CanaryStatistics.mannWhitney(histogram(3, 4, 4, 5), histogram(1, 2, 3, 4));
        assertThat(test.u()).isEqualTo(13.5);
        assertThat(test.mean()).isEqualTo(8);
        assertThat(test.variance()).isCloseTo(11.285714, within(1e-6));
        assertThat(test.z()).isCloseTo(1.48835, within(1e-5));
        assertThat(test.pValue()).isCloseTo(0.068329, within(1e-6));
    }

    @Test
    void mannWhitney_handComputedCaseWithoutTies() {
        // Arm {4, 5, 6}, control {1, 2, 3}: every arm value beats every control value, U = 9.
        // Mean 4.5, variance 3 * 3 * 7 / 12 = 5.25, z = (9 - 4.5 - 0.5) / sqrt(5.25) = 1.74574,
        // P(Z > 1.74574) = 0.040428.
        final RankTest test = CanaryStatistics.mannWhitney(histogram(4, 5, 6), histogram(1, 2, 3));
        assertThat(test.u()).isEqualTo(9);
        assertThat(test.variance()).isCloseTo(5.25, within(1e-12));
        assertThat(test.z()).isCloseTo(1.74574, within(1e-5));
        assertThat(test.pValue()).isCloseTo(0.040428, within(1e-6));
    }

    @Test
    void mannWhitney_swappedSamplesMirror() {
        final Histogram arm = histogram(3, 4, 4, 5, 9, 9);
        final Histogram control = histogram(1, 2, 3, 4, 9);
        final RankTest forward = CanaryStatistics.mannWhitney(arm, control);
        final RankTest backward = CanaryStatistics.mannWhitney(control, arm);
        assertThat(forward.u() + backward.u()).isEqualTo(6 * 5);
        assertThat(backward.variance()).isCloseTo(forward.variance(), within(1e-12));
        // The continuity correction moves both z values half a unit of U toward the mean, so they do
        // not mirror exactly: z_forward + z_backward = -1 / sd.
        assertThat(forward.z() + backward.z()).isCloseTo(-1 / Math.sqrt(forward.variance()), within(1e-12));
    }

    @Test
    void mannWhitney_monotoneInArmShift() {
        final Histogram control = new Histogram(3);
        for (long value = 1_000; value < 1_100; value++) {
            control.recordValue(value);
        }
        double previous = 1;
        for (long shift = 0; shift <= 40; shift += 5) {
            final Histogram arm = new Histogram(3);
            for (long value = 1_000; value < 1_100; value++) {
                arm.recordValue(value + shift);
            }
            final double pValue = CanaryStatistics.mannWhitney(arm, control).pValue();
            assertThat(pValue).isLessThan(previous);
            previous = pValue;
        }
    }

    @Test
    void mannWhitney_valuesInOneBucketTie() {
        // With 3 significant digits, values from 65536 to 131071 fall in buckets 64 wide, so 100000 and
        // 100010 tie, as do 50000 and 50001 in the bucket of 32 starting at 49984.
        final RankTest test = CanaryStatistics.mannWhitney(histogram(100_000, 50_000), histogram(100_010, 50_001));
        assertThat(test.u()).isEqualTo(2);
        assertThat(test.mean()).isEqualTo(2);
    }

    @Test
    void mannWhitney_degenerateCasesHaveNoEvidence() {
        final RankTest allTied = CanaryStatistics.mannWhitney(histogram(7, 7, 7), histogram(7, 7));
        assertThat(allTied.pValue()).isEqualTo(1);
        assertThat(allTied.u()).isEqualTo(3);
        final RankTest empty = CanaryStatistics.mannWhitney(histogram(), histogram(1, 2));
        assertThat(empty.pValue()).isEqualTo(1);
    }
}
