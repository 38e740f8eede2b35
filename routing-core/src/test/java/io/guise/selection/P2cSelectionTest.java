package io.guise.selection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.guise.fault.SplitMix64;
import io.guise.proto.PoolBalancing;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Unit tests of the EWMA load and of P2C and retry picks on fixed loads. */
class P2cSelectionTest {

    private static final int DRAWS = 100_000;
    private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long DECAY = TimeUnit.SECONDS.toNanos(10);

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    /** Fixed figures per endpoint index; NaN latency means no samples. */
    private static final class FixedLoads implements EndpointPool.Loads {
        final double[] latencies;
        final int[] outstanding;

        FixedLoads(double... latencies) {
            this.latencies = latencies;
            this.outstanding = new int[latencies.length];
        }

        @Override
        public double latencyNanos(int endpointIndex, long nowNanos) {
            return latencies[endpointIndex];
        }

        @Override
        public int outstanding(int endpointIndex) {
            return outstanding[endpointIndex];
        }
    }

    private static Map<Integer, Integer> countP2c(EndpointPool pool, EndpointPool.Loads loads) {
        final SplitMix64 random = new SplitMix64(20_240_601L);
        final Map<Integer, Integer> counts = new HashMap<>();
        for (int i = 0; i < DRAWS; i++) {
            counts.merge(pool.pickP2c(random, loads, 0), 1, Integer::sum);
        }
        return counts;
    }

    private static EndpointPool fourEqual() {
        return EndpointPool.builder().add(0, 0, 1, true).add(1, 0, 1, true).add(2, 0, 1, true).add(3, 0, 1, true)
                .build();
    }

    @Test
    void ewma_firstSampleStoredAsIs() {
        final EndpointLoad load = new EndpointLoad(clock::get);
        assertThat(load.latencyNanos(clock.get(), DECAY)).isNaN();

        load.recordLatency(40 * MILLI, DECAY);

        assertThat(load.latencyNanos(clock.get(), DECAY)).isEqualTo(40.0 * MILLI);
    }

    @Test
    void ewma_decaysTowardsZeroWithoutSamples() {
        final EndpointLoad load = new EndpointLoad(clock::get);
        load.recordLatency(40 * MILLI, DECAY);

        clock.addAndGet(DECAY);

        assertThat(load.latencyNanos(clock.get(), DECAY)).isCloseTo(40.0 * MILLI * Math.exp(-1), within(1.0));
        clock.addAndGet(2 * DECAY);
        assertThat(load.latencyNanos(clock.get(), DECAY)).isCloseTo(40.0 * MILLI * Math.exp(-3), within(1.0));
    }

    @Test
    void ewma_sampleWeighsByElapsedTime() {
        final EndpointLoad load = new EndpointLoad(clock::get);
        load.recordLatency(40 * MILLI, DECAY);
        clock.addAndGet(DECAY);

        load.recordLatency(10 * MILLI, DECAY);

        final double expected = 40.0 * MILLI * Math.exp(-1) + 10.0 * MILLI * (1 - Math.exp(-1));
        assertThat(load.latencyNanos(clock.get(), DECAY)).isCloseTo(expected, within(1.0));
        // A sample at the same instant as the last one leaves the average as it is.
        load.recordLatency(500 * MILLI, DECAY);
        assertThat(load.latencyNanos(clock.get(), DECAY)).isCloseTo(expected, within(1.0));
    }

    @Test
    void ewma_outstandingCountsDispatches() {
        final EndpointLoad load = new EndpointLoad(clock::get);
        load.dispatched();
        load.dispatched();
        assertThat(load.outstanding()).isEqualTo(2);

        load.completed();
        load.completed();

        assertThat(load.outstanding()).isZero();
    }

    @Test
    void balancing_policyPerPool() {
        final Balancing balancing = Balancing.of(List.of(
                PoolBalancing.newBuilder().setPool("web").setPolicy("P2C_EWMA").build(),
                PoolBalancing.newBuilder().setPool("api").setPolicy("P2C_EWMA").setDecayMs(500).build(),
                PoolBalancing.newBuilder().setPool("db").setPolicy("WEIGHTED_RANDOM").build()), clock::get);

        assertThat(balancing.p2cDecayNanos("web")).isEqualTo(DECAY);
        assertThat(balancing.p2cDecayNanos("api")).isEqualTo(500 * MILLI);
        assertThat(balancing.p2cDecayNanos("db")).isZero();
        assertThat(balancing.p2cDecayNanos("other")).isZero();
        assertThat(balancing.load("web-1")).isSameAs(balancing.load("web-1"));
    }

    @Test
    void p2c_slowEndpointNeverWins() {
        final FixedLoads loads = new FixedLoads(MILLI, MILLI, MILLI, 40 * MILLI);

        final Map<Integer, Integer> counts = countP2c(fourEqual(), loads);

        // Two distinct endpoints are drawn, so the slow one always meets a cheaper one.
        assertThat(counts).doesNotContainKey(3);
        for (int index = 0; index < 3; index++) {
            assertThat(counts.get(index)).as("endpoint %d", index).isBetween(DRAWS / 3 - 1500, DRAWS / 3 + 1500);
        }
    }

    @Test
    void p2c_outstandingRequestsRaiseCost() {
        final FixedLoads loads = new FixedLoads(MILLI, MILLI, MILLI, MILLI);
        loads.outstanding[0] = 3;

        assertThat(countP2c(fourEqual(), loads)).doesNotContainKey(0);
    }

    @Test
    void p2c_unsampledCostsLikePoolLowest() {
        final FixedLoads loads = new FixedLoads(Double.NaN, 2 * MILLI, 5 * MILLI, 9 * MILLI);

        final Map<Integer, Integer> counts = countP2c(fourEqual(), loads);

        // Of the six equally likely pairs, endpoint 0 wins two and ties with endpoint 1 in a third, and so
        // does endpoint 1. Endpoint 2 wins only against endpoint 3.
        assertThat(counts).containsOnlyKeys(0, 1, 2);
        assertThat(counts.get(0)).isBetween(DRAWS * 5 / 12 - 1500, DRAWS * 5 / 12 + 1500);
        assertThat(counts.get(1)).isBetween(DRAWS * 5 / 12 - 1500, DRAWS * 5 / 12 + 1500);
        assertThat(counts.get(2)).isBetween(DRAWS / 6 - 1500, DRAWS / 6 + 1500);
    }

    @Test
    void p2c_noSamplesFallsBackToOutstanding() {
        final FixedLoads loads = new FixedLoads(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        loads.outstanding[2] = 1;

        assertThat(countP2c(fourEqual(), loads)).doesNotContainKey(2).containsKeys(0, 1, 3);
    }

    @Test
    void p2c_keepsTierChoice() {
        // Tier 0 is fully healthy, so tier 1 takes no load however fast it is.
        final EndpointPool pool = EndpointPool.builder()
                .add(0, 0, 1, true).add(1, 0, 1, true).add(2, 1, 1, true).add(3, 1, 1, true).build();
        final FixedLoads loads = new FixedLoads(50 * MILLI, 60 * MILLI, MILLI, MILLI);

        final Map<Integer, Integer> counts = countP2c(pool, loads);

        assertThat(counts).containsOnlyKeys(0);
    }

    @Test
    void p2c_drawsByWeight() {
        // Equal costs keep the first draw, so the shares follow the weights of the first draw.
        final EndpointPool pool = EndpointPool.builder().add(0, 0, 1, true).add(1, 0, 3, true).build();
        final FixedLoads loads = new FixedLoads(MILLI, MILLI);

        final Map<Integer, Integer> counts = countP2c(pool, loads);

        assertThat(counts.get(1)).isBetween(DRAWS * 3 / 4 - 1500, DRAWS * 3 / 4 + 1500);
    }

    @Test
    void p2c_singleCandidateTakesNoComparison() {
        final EndpointPool pool = EndpointPool.builder().add(7, 0, 1, true).add(8, 0, 1, false).build();

        assertThat(countP2c(pool, new FixedLoads(0, 0, 0, 0, 0, 0, 0, 99, 0))).containsOnlyKeys(7);
    }

    @Test
    void pickExcluding_leavesOutTriedEndpoints() {
        final SplitMix64 random = new SplitMix64(7);
        final EndpointPool pool = fourEqual();
        final int[] tried = {0, 2, 3};

        for (int i = 0; i < 1000; i++) {
            assertThat(pool.pickExcluding(random, null, 0, tried, 3)).isEqualTo(1);
        }
        assertThat(pool.pickExcluding(random, null, 0, new int[] {0, 1, 2, 3}, 4)).isEqualTo(-1);
    }

    @Test
    void pickExcluding_p2cAmongTheRest() {
        final SplitMix64 random = new SplitMix64(7);
        final FixedLoads loads = new FixedLoads(MILLI, 9 * MILLI, 2 * MILLI, 5 * MILLI);
        final Map<Integer, Integer> counts = new HashMap<>();

        for (int i = 0; i < 1000; i++) {
            counts.merge(fourEqual().pickExcluding(random, loads, 0, new int[] {0}, 1), 1, Integer::sum);
        }

        // Endpoint 1 is the most expensive of the three left, so it never wins.
        assertThat(counts).containsOnlyKeys(2, 3);
    }

    @Test
    void pickExcluding_movesToTierWithCandidates() {
        // Tier 0 is half healthy, so it takes 70 % of the load and tier 1 the rest.
        final EndpointPool pool = EndpointPool.builder()
                .add(0, 0, 1, true).add(1, 0, 1, false).add(2, 1, 1, true).build();
        final SplitMix64 random = new SplitMix64(11);

        for (int i = 0; i < 1000; i++) {
            assertThat(pool.pickExcluding(random, null, 0, new int[] {0}, 1)).isEqualTo(2);
            assertThat(pool.pickExcluding(random, null, 0, new int[] {2}, 1)).isEqualTo(0);
        }
        assertThat(pool.pickExcluding(random, null, 0, new int[] {0, 2}, 2)).isEqualTo(-1);
    }

    @Test
    void pick_weightedUnchangedByNewPaths() {
        final EndpointPool pool = fourEqual();
        final SplitMix64 plain = new SplitMix64(99);
        final SplitMix64 excluding = new SplitMix64(99);

        // With nothing excluded, a retry pick draws as a first pick does.
        for (int i = 0; i < 1000; i++) {
            assertThat(pool.pickExcluding(excluding, null, 0, new int[0], 0)).isEqualTo(pool.pick(plain));
        }
    }
}
