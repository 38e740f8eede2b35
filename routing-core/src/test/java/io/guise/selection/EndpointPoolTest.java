package io.guise.selection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.guise.fault.SplitMix64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EndpointPoolTest {

    private static final int DRAWS = 200_000;

    /** Counts how often each endpointIndex is picked over {@link #DRAWS} picks from a fixed seed. */
    private static Map<Integer, Integer> countPicks(EndpointPool pool) {
        final SplitMix64 random = new SplitMix64(8_675_309L);
        final Map<Integer, Integer> counts = new HashMap<>();
        for (int i = 0; i < DRAWS; i++) {
            counts.merge(pool.pick(random), 1, Integer::sum);
        }
        return counts;
    }

    /** Asserts that {@code count} is within five standard deviations of Binomial(DRAWS, share). */
    private static void assertShare(String label, int count, double share) {
        final double mean = DRAWS * share;
        final double bound = 5 * Math.sqrt(DRAWS * share * (1 - share));
        assertThat((double) count).as(label).isBetween(mean - bound, mean + bound);
    }

    @Test
    void singleTierWeightedShares() {
        final EndpointPool pool = EndpointPool.builder()
                .add(10, 0, 1, true)
                .add(11, 0, 2, true)
                .add(12, 0, 7, true)
                .build();
        final Map<Integer, Integer> counts = countPicks(pool);
        assertShare("endpoint 10", counts.getOrDefault(10, 0), 0.1);
        assertShare("endpoint 11", counts.getOrDefault(11, 0), 0.2);
        assertShare("endpoint 12", counts.getOrDefault(12, 0), 0.7);
        assertThat(pool.panic()).isFalse();
    }

    @Test
    void drainedNeverPicked() {
        final EndpointPool pool = EndpointPool.builder()
                .add(0, 0, 1, true)
                .add(1, 0, 0, true)
                .add(2, 0, 3, true)
                .build();
        assertThat(countPicks(pool)).doesNotContainKey(1);
    }

    @Test
    void unhealthyNeverPicked() {
        final EndpointPool pool = EndpointPool.builder()
                .add(0, 0, 1, false)
                .add(1, 0, 1, true)
                .build();
        assertThat(countPicks(pool)).containsOnlyKeys(1);
    }

    @Test
    void healthyTierZeroTakesAll() {
        final EndpointPool pool = EndpointPool.builder()
                .add(0, 0, 1, true)
                .add(1, 0, 1, true)
                .add(2, 1, 1, true)
                .build();
        assertThat(pool.tierShare(0)).isEqualTo(1.0);
        assertThat(pool.tierShare(1)).isEqualTo(0.0);
        assertThat(countPicks(pool)).doesNotContainKey(2);
    }

    @Test
    void halfHealthyTierTakes70Percent() {
        final EndpointPool pool = EndpointPool.builder()
                .add(0, 0, 1, true)
                .add(1, 0, 1, false)
                .add(2, 1, 1, true)
                .build();
        assertThat(pool.tierShare(0)).isCloseTo(0.7, within(1e-12));
        assertThat(pool.tierShare(1)).isCloseTo(0.3, within(1e-12));

        final Map<Integer, Integer> counts = countPicks(pool);
        assertShare("tier 0", counts.getOrDefault(0, 0), 0.7);
        assertShare("tier 1", counts.getOrDefault(2, 0), 0.3);
        assertThat(counts).doesNotContainKey(1);
    }

    @Test
    void unhealthyTierZeroSpillsAll() {
        final EndpointPool pool = EndpointPool.builder()
                .add(0, 0, 1, false)
                .add(1, 0, 1, false)
                .add(2, 1, 1, true)
                .add(3, 1, 1, true)
                .build();
        assertThat(pool.tierShare(0)).isEqualTo(0.0);
        assertThat(pool.tierShare(1)).isEqualTo(1.0);
        assertThat(pool.panic()).isFalse();
        assertThat(countPicks(pool)).containsOnlyKeys(2, 3);
    }

    /**
     * Tier shares by the overprovisioned spill rule, with tier 0 and tier 1 of ten
     * endpoints each at weight 1. The shares follow 1.4 * healthy / 10 per tier, and
     * rows whose healths add up to less than 1 are divided by their sum.
     */
    @ParameterizedTest
    @CsvSource({
            // healthy0, healthy1, tier0, tier1
            "10, 10, 1.0, 0.0",
            "8, 10, 1.0, 0.0",
            "7, 10, 0.98, 0.02",
            "7, 0, 1.0, 0.0",
            "5, 10, 0.7, 0.3",
            "5, 1, 0.8333333333333334, 0.16666666666666666",
            "3, 3, 0.5, 0.5",
            "1, 2, 0.3333333333333333, 0.6666666666666666",
            "0, 4, 0.0, 1.0",
            "0, 1, 0.0, 1.0",
    })
    void tierSharesByHealth(int healthy0, int healthy1, double share0, double share1) {
        final EndpointPool.Builder builder = EndpointPool.builder();
        for (int i = 0; i < 10; i++) {
            builder.add(i, 0, 1, i < healthy0);
            builder.add(100 + i, 1, 1, i < healthy1);
        }
        final EndpointPool pool = builder.build();
        assertThat(pool.tierShare(0)).isCloseTo(share0, within(1e-9));
        assertThat(pool.tierShare(1)).isCloseTo(share1, within(1e-9));
    }

    @Test
    void threeTiersSpillInOrder() {
        // Tier 0 takes 1.4 * 0.25 = 0.35, tier 1 another 0.35 out of the remaining
        // 0.65, and tier 2, fully healthy, the last 0.3.
        final EndpointPool.Builder builder = EndpointPool.builder();
        for (int i = 0; i < 4; i++) {
            builder.add(i, 0, 1, i == 0);
            builder.add(10 + i, 1, 1, i == 0);
            builder.add(20 + i, 2, 1, true);
        }
        final EndpointPool pool = builder.build();
        assertThat(pool.tierShare(0)).isCloseTo(0.35, within(1e-12));
        assertThat(pool.tierShare(1)).isCloseTo(0.35, within(1e-12));
        assertThat(pool.tierShare(2)).isCloseTo(0.30, within(1e-12));

        final Map<Integer, Integer> counts = countPicks(pool);
        assertShare("tier 0", counts.getOrDefault(0, 0), 0.35);
        assertShare("tier 1", counts.getOrDefault(10, 0), 0.35);
        final int tier2 = counts.getOrDefault(20, 0) + counts.getOrDefault(21, 0)
                + counts.getOrDefault(22, 0) + counts.getOrDefault(23, 0);
        assertShare("tier 2", tier2, 0.30);
    }

    @Test
    void drainedWeightLeavesTierHealth() {
        // The drained endpoint does not count, so tier 0 is fully healthy.
        final EndpointPool pool = EndpointPool.builder()
                .add(0, 0, 1, true)
                .add(1, 0, 0, false)
                .add(2, 1, 1, true)
                .build();
        assertThat(pool.tierShare(0)).isEqualTo(1.0);
    }

    @Test
    void allUnhealthyPanicsByWeight() {
        final EndpointPool pool = EndpointPool.builder()
                .add(0, 0, 1, false)
                .add(1, 0, 3, false)
                .add(2, 1, 4, false)
                .add(3, 2, 2, false)
                .build();
        assertThat(pool.panic()).isTrue();
        assertThat(pool.tierShare(0)).isCloseTo(0.4, within(1e-12));
        assertThat(pool.tierShare(1)).isCloseTo(0.4, within(1e-12));
        assertThat(pool.tierShare(2)).isCloseTo(0.2, within(1e-12));

        final Map<Integer, Integer> counts = countPicks(pool);
        assertShare("endpoint 0", counts.getOrDefault(0, 0), 0.1);
        assertShare("endpoint 1", counts.getOrDefault(1, 0), 0.3);
        assertShare("endpoint 2", counts.getOrDefault(2, 0), 0.4);
        assertShare("endpoint 3", counts.getOrDefault(3, 0), 0.2);
    }

    @Test
    void panicGivesDrainedWeightOne() {
        // Only a drained endpoint is healthy, so no tier has healthy capacity.
        final EndpointPool pool = EndpointPool.builder()
                .add(0, 0, 0, true)
                .add(1, 0, 3, false)
                .build();
        assertThat(pool.panic()).isTrue();

        final Map<Integer, Integer> counts = countPicks(pool);
        assertShare("endpoint 0", counts.getOrDefault(0, 0), 0.25);
        assertShare("endpoint 1", counts.getOrDefault(1, 0), 0.75);
    }

    @Test
    void panicAllDrainedIsUniform() {
        final EndpointPool pool = EndpointPool.builder()
                .add(0, 0, 0, true)
                .add(1, 1, 0, false)
                .add(2, 3, 0, true)
                .build();
        assertThat(pool.panic()).isTrue();

        final Map<Integer, Integer> counts = countPicks(pool);
        assertShare("endpoint 0", counts.getOrDefault(0, 0), 1.0 / 3);
        assertShare("endpoint 1", counts.getOrDefault(1, 0), 1.0 / 3);
        assertShare("endpoint 2", counts.getOrDefault(2, 0), 1.0 / 3);
    }

    @Test
    void emptyPoolPicksNone() {
        final EndpointPool pool = EndpointPool.builder().build();
        assertThat(pool.pick(new SplitMix64(1))).isEqualTo(-1);
        assertThat(pool.size()).isZero();
        assertThat(pool.panic()).isFalse();
        assertThat(pool.tierShare(0)).isEqualTo(0.0);
    }

    @Test
    void singleCandidateConsumesNoDraw() {
        final EndpointPool pool = EndpointPool.builder()
                .add(5, 0, 1, true)
                .add(6, 0, 1, false)
                .build();
        final SplitMix64 random = new SplitMix64(1);
        assertThat(pool.pick(random)).isEqualTo(5);
        assertThat(random.nextLong()).isEqualTo(new SplitMix64(1).nextLong());
    }

    @Test
    void sameSeedSamePicks() {
        final EndpointPool pool = EndpointPool.builder()
                .add(0, 0, 1, true)
                .add(1, 0, 2, false)
                .add(2, 0, 3, true)
                .add(3, 1, 1, true)
                .add(4, 1, 5, true)
                .build();
        final SplitMix64 first = new SplitMix64(77);
        final SplitMix64 second = new SplitMix64(77);
        for (int i = 0; i < 10_000; i++) {
            assertThat(pool.pick(second)).as("pick %d", i).isEqualTo(pool.pick(first));
        }
    }

    @Test
    void accessorsKeepInsertionOrder() {
        final EndpointPool pool = EndpointPool.builder()
                .add(7, 2, 1, true)
                .add(3, 0, 0, false)
                .add(9, 1, 5, true)
                .build();
        assertThat(pool.size()).isEqualTo(3);
        assertThat(pool.endpointIndexes()).containsExactly(7, 3, 9);
    }

    @Test
    void builderGrowsPastInitialCapacity() {
        final EndpointPool.Builder builder = EndpointPool.builder();
        for (int i = 0; i < 100; i++) {
            builder.add(i, i % 16, 1, true);
        }
        final EndpointPool pool = builder.build();
        assertThat(pool.size()).isEqualTo(100);
        assertThat(pool.tierShare(0)).isEqualTo(1.0);
        assertThat(countPicks(pool).keySet()).allMatch(index -> index % 16 == 0);
    }

    @Test
    void builtPoolIgnoresLaterAdds() {
        final EndpointPool.Builder builder = EndpointPool.builder().add(0, 0, 1, true);
        final EndpointPool pool = builder.build();
        builder.add(1, 0, 1, true);
        assertThat(pool.size()).isEqualTo(1);
        assertThat(builder.build().size()).isEqualTo(2);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "-1 | 0 | 1 | endpointIndex: -1",
            "0 | -1 | 1 | tier: -1",
            "0 | 16 | 1 | tier: 16",
            "0 | 0 | -1 | weight: -1",
    })
    void addRejectsInvalid(int endpointIndex, int tier, int weight, String message) {
        final EndpointPool.Builder builder = EndpointPool.builder();
        assertThatThrownBy(() -> builder.add(endpointIndex, tier, weight, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void buildRejectsDuplicateIndex() {
        final EndpointPool.Builder builder = EndpointPool.builder()
                .add(4, 0, 1, true)
                .add(4, 1, 1, true);
        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("endpointIndex: 4");
    }

    @Test
    void tierShareRejectsInvalidTier() {
        final EndpointPool pool = EndpointPool.builder().build();
        assertThatThrownBy(() -> pool.tierShare(16))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tier: 16");
    }
}
