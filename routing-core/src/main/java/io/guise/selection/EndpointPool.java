package io.guise.selection;

import static java.util.Objects.requireNonNull;

import io.guise.fault.SplitMix64;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The endpoints of one persona and a precomputed plan for picking one of them per
 * connection or request. Endpoints are named by an opaque, non-negative
 * {@code endpointIndex} that the caller maps back to its endpoint.
 *
 * <p>Selection rule:
 * <ol>
 *   <li>Tiers are ordered by number, and tier 0 is the best. An endpoint with weight 0
 *       is drained: it is never picked outside panic mode.
 *   <li>The health of a tier is its healthy weight divided by its total weight, counting
 *       endpoints with a positive weight only. A tier with no positive weight has
 *       health 0.
 *   <li>Load goes to the tiers in order, like Envoy's priority levels with their
 *       default overprovisioning factor of 1.4: tier {@code i} takes
 *       {@code min(remaining, min(1, 1.4 * health_i))} of the load, and the rest spills
 *       to the next tier. When these scaled healths add up to less than 1, they are
 *       first divided by their sum, so all load still goes to tiers with healthy
 *       capacity. Envoy's documentation ("Priority levels") describes integer
 *       percentages of healthy hosts, but here the shares are fractions of weight in
 *       double precision, rounded to multiples of 2^-32 only for the tier draw.
 *   <li>Within the chosen tier, a healthy endpoint with a positive weight is picked at
 *       random in proportion to its weight.
 *   <li>Panic mode: when no endpoint with a positive weight is healthy, load spreads
 *       over every endpoint of every tier, healthy or not, in proportion to
 *       {@code max(weight, 1)}. Drained endpoints thus take the smallest share, as the
 *       {@code Endpoint.weight} contract promises them traffic in panic mode, and a
 *       pool whose weights are all 0 is picked uniformly.
 * </ol>
 *
 * <p>Immutable and thread-safe. {@link #pick} takes no locks and allocates nothing.
 * It takes at most two draws from the caller's generator: one for the tier, skipped
 * when only one tier takes load, and one for the endpoint, skipped when that tier has
 * a single candidate. The same pool and the same generator state therefore give the
 * same pick. {@link #pickP2c} takes one more draw, for the second candidate, and
 * reads the figures the caller's {@link Loads} report.
 *
 * <p>NOTE: health will change at runtime through local ejection. The plan is then
 * rebuilt and swapped in, so {@link Builder#build()} is kept linear in the endpoint
 * count apart from one sort of the indexes.
 */
public final class EndpointPool {

    /** Highest and worst tier number that {@code Endpoint.tier} allows. */
    public static final int MAX_TIER = 15;

    /** Factor on a tier's healthy share, so a tier still takes all load at 1/1.4 (71.4 %) healthy. */
    public static final double OVERPROVISIONING_FACTOR = 1.4;

    // Tier loads become cumulative thresholds out of 2^32, so one power-of-two draw
    // picks a tier without rejection.
    private static final long LOAD_SCALE = 1L << 32;
    private static final int[] NO_INDEXES = new int[0];

    private final List<Integer> endpointIndexes;
    private final boolean panic;
    private final double[] tierShares;

    // The plan: one segment per tier that takes load, or a single segment in panic
    // mode. Segment s owns candidates [segmentStarts[s], segmentStarts[s + 1]).
    private final long[] segmentThresholds;
    private final int[] segmentStarts;
    private final int[] candidateIndexes;
    // Running weight sum within each segment, restarting at each segment.
    private final long[] cumulativeWeights;

    private EndpointPool(List<Integer> endpointIndexes, boolean panic, double[] tierShares,
                         long[] segmentThresholds, int[] segmentStarts, int[] candidateIndexes,
                         long[] cumulativeWeights) {
        this.endpointIndexes = endpointIndexes;
        this.panic = panic;
        this.tierShares = tierShares;
        this.segmentThresholds = segmentThresholds;
        this.segmentStarts = segmentStarts;
        this.candidateIndexes = candidateIndexes;
        this.cumulativeWeights = cumulativeWeights;
    }

    /** Returns a new, empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The figures of the endpoints that P2C picks compare. Implementations return
     * without blocking and without allocating, on any thread.
     */
    public interface Loads {
        /** Returns the moving average latency of an endpoint at {@code nowNanos}, or NaN without samples. */
        double latencyNanos(int endpointIndex, long nowNanos);

        /** Returns the requests or connections in flight to an endpoint. */
        int outstanding(int endpointIndex);
    }

    /**
     * Picks an endpoint by the selection rule in the class comment.
     *
     * @return the {@code endpointIndex} of the picked endpoint, or -1 when the pool has
     *     no endpoints
     */
    public int pick(SplitMix64 random) {
        requireNonNull(random, "random");
        return pick(random, null, 0, NO_INDEXES, 0);
    }

    /**
     * Picks an endpoint by power of two choices within the chosen tier: draws two
     * distinct candidates by weight and returns the one with the lower cost,
     * latency times (outstanding + 1). An endpoint without samples counts with the
     * lowest latency of the pool's candidates, or 0 when none has samples. Equal
     * costs go to the one with fewer outstanding requests, then to the first draw.
     * Tier choice and panic mode follow the class comment. Takes no locks and
     * allocates nothing; a tier with a single candidate takes no comparison.
     *
     * @return the {@code endpointIndex} of the picked endpoint, or -1 when the pool has
     *     no endpoints
     */
    public int pickP2c(SplitMix64 random, Loads loads, long nowNanos) {
        requireNonNull(random, "random");
        requireNonNull(loads, "loads");
        return pick(random, loads, nowNanos, NO_INDEXES, 0);
    }

    /**
     * Picks an endpoint as {@link #pick} or, with {@code loads}, as {@link #pickP2c}
     * does, leaving out the first {@code excludedCount} endpoint indexes of
     * {@code excluded}, for a retry. When the drawn tier has no candidate left, the
     * next tiers with load are tried in order, then the earlier ones.
     *
     * @param loads the figures for a P2C pick, or null for a weighted random pick
     * @return the {@code endpointIndex} of the picked endpoint, or -1 when no
     *     candidate is left
     */
    public int pickExcluding(SplitMix64 random, Loads loads, long nowNanos, int[] excluded, int excludedCount) {
        requireNonNull(random, "random");
        requireNonNull(excluded, "excluded");
        if (excludedCount < 0 || excludedCount > excluded.length) {
            throw new IllegalArgumentException("excludedCount: " + excludedCount + " (expected: 0-"
                                               + excluded.length + ")");
        }
        return pick(random, loads, nowNanos, excluded, excludedCount);
    }

    private int pick(SplitMix64 random, Loads loads, long nowNanos, int[] excluded, int excludedCount) {
        final int segmentCount = segmentThresholds.length;
        if (segmentCount == 0) {
            return -1;
        }

        int segment = 0;
        if (segmentCount > 1) {
            final long loadPoint = random.nextLong(LOAD_SCALE);
            while (loadPoint >= segmentThresholds[segment]) {
                segment++;
            }
        }

        if (excludedCount == 0) {
            return pickInSegment(segment, random, loads, nowNanos);
        }
        for (int offset = 0; offset < segmentCount; offset++) {
            final int picked = pickInSegmentExcluding((segment + offset) % segmentCount, random, loads, nowNanos,
                                                      excluded, excludedCount);
            if (picked >= 0) {
                return picked;
            }
        }
        return -1;
    }

    private int pickInSegment(int segment, SplitMix64 random, Loads loads, long nowNanos) {
        final int start = segmentStarts[segment];
        final int end = segmentStarts[segment + 1];
        if (end - start == 1) {
            return candidateIndexes[start];
        }

        final long total = cumulativeWeights[end - 1];
        final int first = positionOf(start, end, random.nextLong(total));
        if (loads == null) {
            return candidateIndexes[first];
        }
        // The second draw skips the first candidate's range, so the two are distinct.
        final long firstBase = first == start ? 0 : cumulativeWeights[first - 1];
        long point = random.nextLong(total - weightAt(first, start));
        if (point >= firstBase) {
            point += weightAt(first, start);
        }
        final int second = positionOf(start, end, point);
        return cheaper(candidateIndexes[first], candidateIndexes[second], loads, nowNanos);
    }

    /** Returns the first position in [start, end) whose running weight exceeds {@code weightPoint}. */
    private int positionOf(int start, int end, long weightPoint) {
        int low = start;
        int high = end - 1;
        while (low < high) {
            final int middle = (low + high) >>> 1;
            if (cumulativeWeights[middle] > weightPoint) {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        return low;
    }

    private long weightAt(int position, int segmentStart) {
        return position == segmentStart ? cumulativeWeights[position]
                                        : cumulativeWeights[position] - cumulativeWeights[position - 1];
    }

    private int pickInSegmentExcluding(int segment, SplitMix64 random, Loads loads, long nowNanos, int[] excluded,
                                       int excludedCount) {
        final int start = segmentStarts[segment];
        final int end = segmentStarts[segment + 1];
        final int first = drawExcluding(start, end, random, excluded, excludedCount, -1);
        if (first < 0 || loads == null) {
            return first < 0 ? -1 : candidateIndexes[first];
        }
        final int second = drawExcluding(start, end, random, excluded, excludedCount, first);
        if (second < 0) {
            return candidateIndexes[first];
        }
        return cheaper(candidateIndexes[first], candidateIndexes[second], loads, nowNanos);
    }

    /**
     * Draws a position in [start, end) by weight among the candidates that are
     * neither excluded nor at {@code skipped}; returns -1 when none is left.
     */
    private int drawExcluding(int start, int end, SplitMix64 random, int[] excluded, int excludedCount,
                              int skipped) {
        long total = 0;
        for (int position = start; position < end; position++) {
            if (position != skipped && !contains(excluded, excludedCount, candidateIndexes[position])) {
                total += weightAt(position, start);
            }
        }
        if (total == 0) {
            return -1;
        }
        long point = random.nextLong(total);
        for (int position = start; position < end; position++) {
            if (position != skipped && !contains(excluded, excludedCount, candidateIndexes[position])) {
                point -= weightAt(position, start);
                if (point < 0) {
                    return position;
                }
            }
        }
        throw new IllegalStateException("weight point beyond the total weight of positions " + start + "-" + end);
    }

    private static boolean contains(int[] indexes, int count, int index) {
        for (int i = 0; i < count; i++) {
            if (indexes[i] == index) {
                return true;
            }
        }
        return false;
    }

    /** Returns the endpoint index of the two with the lower P2C cost, as {@link #pickP2c} describes. */
    private int cheaper(int first, int second, Loads loads, long nowNanos) {
        double firstLatency = loads.latencyNanos(first, nowNanos);
        double secondLatency = loads.latencyNanos(second, nowNanos);
        if (Double.isNaN(firstLatency) || Double.isNaN(secondLatency)) {
            final double lowest = lowestLatency(loads, nowNanos);
            firstLatency = Double.isNaN(firstLatency) ? lowest : firstLatency;
            secondLatency = Double.isNaN(secondLatency) ? lowest : secondLatency;
        }
        final int firstOutstanding = Math.max(0, loads.outstanding(first));
        final int secondOutstanding = Math.max(0, loads.outstanding(second));
        final double firstCost = firstLatency * (firstOutstanding + 1);
        final double secondCost = secondLatency * (secondOutstanding + 1);
        if (firstCost != secondCost) {
            return firstCost < secondCost ? first : second;
        }
        return secondOutstanding < firstOutstanding ? second : first;
    }

    /** Returns the lowest latency among the candidates with samples, or 0 when none has samples. */
    private double lowestLatency(Loads loads, long nowNanos) {
        double lowest = Double.NaN;
        for (int index : candidateIndexes) {
            final double latency = loads.latencyNanos(index, nowNanos);
            if (!Double.isNaN(latency) && (Double.isNaN(lowest) || latency < lowest)) {
                lowest = latency;
            }
        }
        return Double.isNaN(lowest) ? 0 : lowest;
    }

    /** Returns the number of endpoints, including drained and unhealthy ones. */
    public int size() {
        return endpointIndexes.size();
    }

    /**
     * Returns true when no endpoint with a positive weight is healthy, so picks spread
     * over all endpoints. An empty pool is not in panic mode.
     */
    public boolean panic() {
        return panic;
    }

    /**
     * Returns the expected share of picks, in [0, 1], that land on endpoints of
     * {@code tier}. In panic mode this is the tier's share of the panic weight.
     *
     * @throws IllegalArgumentException when {@code tier} is outside 0-{@value #MAX_TIER}
     */
    public double tierShare(int tier) {
        checkTier(tier);
        return tierShares[tier];
    }

    /** Returns the {@code endpointIndex} of every endpoint, in the order they were added. */
    public List<Integer> endpointIndexes() {
        return endpointIndexes;
    }

    @Override
    public String toString() {
        final StringBuilder text = new StringBuilder("EndpointPool{size=").append(size())
                .append(", panic=").append(panic)
                .append(", tierShares={");
        String separator = "";
        for (int tier = 0; tier <= MAX_TIER; tier++) {
            if (tierShares[tier] > 0) {
                text.append(separator).append(tier).append('=').append(tierShares[tier]);
                separator = ", ";
            }
        }
        return text.append("}}").toString();
    }

    private static void checkTier(int tier) {
        if (tier < 0 || tier > MAX_TIER) {
            throw new IllegalArgumentException("tier: " + tier + " (expected: 0-" + MAX_TIER + ")");
        }
    }

    /**
     * Collects endpoints and builds an {@link EndpointPool}. Not thread-safe: fill and
     * build it on one thread, off the data path. It can build more than once, and each
     * pool it returns is independent of later additions.
     */
    public static final class Builder {

        private int[] indexes = new int[8];
        private int[] tiers = new int[8];
        private int[] weights = new int[8];
        private boolean[] healthy = new boolean[8];
        private int size;

        private Builder() {
        }

        /**
         * Adds an endpoint.
         *
         * @param endpointIndex the caller's id for the endpoint, >= 0 and unique in the
         *     pool; {@link EndpointPool#pick} returns it
         * @param tier priority tier, 0-{@value EndpointPool#MAX_TIER}, 0 is the best
         * @param weight relative share within the tier, >= 0; 0 drains the endpoint
         * @param healthy false keeps the endpoint out of selection outside panic mode
         * @throws IllegalArgumentException when a value breaks its rule
         */
        public Builder add(int endpointIndex, int tier, int weight, boolean healthy) {
            if (endpointIndex < 0) {
                throw new IllegalArgumentException(
                        "endpointIndex: " + endpointIndex + " (expected: >= 0)");
            }
            checkTier(tier);
            if (weight < 0) {
                throw new IllegalArgumentException("weight: " + weight + " of endpointIndex "
                        + endpointIndex + " (expected: >= 0, and 0 to drain the endpoint)");
            }
            if (size == indexes.length) {
                final int capacity = size * 2;
                indexes = Arrays.copyOf(indexes, capacity);
                tiers = Arrays.copyOf(tiers, capacity);
                weights = Arrays.copyOf(weights, capacity);
                this.healthy = Arrays.copyOf(this.healthy, capacity);
            }
            indexes[size] = endpointIndex;
            tiers[size] = tier;
            weights[size] = weight;
            this.healthy[size] = healthy;
            size++;
            return this;
        }

        /**
         * Builds the pool and its selection plan.
         *
         * @throws IllegalArgumentException when an {@code endpointIndex} was added twice
         */
        public EndpointPool build() {
            checkUniqueIndexes();
            final List<Integer> endpointIndexes = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                endpointIndexes.add(indexes[i]);
            }
            final List<Integer> frozenIndexes = List.copyOf(endpointIndexes);

            if (size == 0) {
                return new EndpointPool(frozenIndexes, false, new double[MAX_TIER + 1],
                        new long[0], new int[] {0}, new int[0], new long[0]);
            }

            final double[] tierLoads = computeTierLoads();
            if (tierLoads == null) {
                return buildPanic(frozenIndexes);
            }
            return buildNormal(frozenIndexes, tierLoads);
        }

        private void checkUniqueIndexes() {
            final int[] sorted = Arrays.copyOf(indexes, size);
            Arrays.sort(sorted);
            for (int i = 1; i < sorted.length; i++) {
                if (sorted[i] == sorted[i - 1]) {
                    throw new IllegalArgumentException("endpointIndex: " + sorted[i]
                            + " was added more than once (expected: each index once per pool)");
                }
            }
        }

        /**
         * Computes each tier's share of the load by the overprovisioned spill rule, or
         * returns null when no tier has healthy capacity (panic mode).
         */
        private double[] computeTierLoads() {
            final long[] totalWeights = new long[MAX_TIER + 1];
            final long[] healthyWeights = new long[MAX_TIER + 1];
            for (int i = 0; i < size; i++) {
                totalWeights[tiers[i]] += weights[i];
                if (healthy[i]) {
                    healthyWeights[tiers[i]] += weights[i];
                }
            }

            final double[] healths = new double[MAX_TIER + 1];
            double healthSum = 0;
            for (int tier = 0; tier <= MAX_TIER; tier++) {
                if (totalWeights[tier] > 0) {
                    final double healthyShare = (double) healthyWeights[tier] / totalWeights[tier];
                    healths[tier] = Math.min(1.0, OVERPROVISIONING_FACTOR * healthyShare);
                    healthSum += healths[tier];
                }
            }
            if (healthSum == 0) {
                return null;
            }

            // Below 1 in total, scale the healths up so that they cover all the load.
            final double normalizer = healthSum < 1.0 ? healthSum : 1.0;
            final double[] loads = new double[MAX_TIER + 1];
            double remaining = 1.0;
            for (int tier = 0; tier <= MAX_TIER && remaining > 0; tier++) {
                loads[tier] = Math.min(remaining, healths[tier] / normalizer);
                remaining -= loads[tier];
            }
            return loads;
        }

        private EndpointPool buildNormal(List<Integer> frozenIndexes, double[] tierLoads) {
            int segmentCount = 0;
            for (int tier = 0; tier <= MAX_TIER; tier++) {
                if (tierLoads[tier] > 0) {
                    segmentCount++;
                }
            }
            int candidateCount = 0;
            for (int i = 0; i < size; i++) {
                if (isCandidate(i, tierLoads)) {
                    candidateCount++;
                }
            }

            final long[] thresholds = new long[segmentCount];
            final int[] starts = new int[segmentCount + 1];
            final int[] candidates = new int[candidateCount];
            final long[] cumulative = new long[candidateCount];

            // A tier with load has at least one candidate, because its healthy weight
            // is positive, so each new tier seen here opens the next segment.
            int segment = -1;
            int currentTier = -1;
            int next = 0;
            long runningWeight = 0;
            double loadSoFar = 0;
            for (int i : endpointsByTier()) {
                if (!isCandidate(i, tierLoads)) {
                    continue;
                }
                if (tiers[i] != currentTier) {
                    currentTier = tiers[i];
                    segment++;
                    starts[segment] = next;
                    runningWeight = 0;
                    loadSoFar += tierLoads[currentTier];
                    thresholds[segment] = Math.round(loadSoFar * LOAD_SCALE);
                }
                runningWeight += weights[i];
                candidates[next] = indexes[i];
                cumulative[next] = runningWeight;
                next++;
            }
            // Rounding must not leave a gap at the top of the scale.
            thresholds[segmentCount - 1] = LOAD_SCALE;
            starts[segmentCount] = next;

            return new EndpointPool(frozenIndexes, false, tierLoads,
                    thresholds, starts, candidates, cumulative);
        }

        private boolean isCandidate(int i, double[] tierLoads) {
            return healthy[i] && weights[i] > 0 && tierLoads[tiers[i]] > 0;
        }

        private EndpointPool buildPanic(List<Integer> frozenIndexes) {
            final int[] candidates = new int[size];
            final long[] cumulative = new long[size];
            final long[] tierWeights = new long[MAX_TIER + 1];
            long runningWeight = 0;
            for (int i = 0; i < size; i++) {
                final int panicWeight = Math.max(weights[i], 1);
                runningWeight += panicWeight;
                tierWeights[tiers[i]] += panicWeight;
                candidates[i] = indexes[i];
                cumulative[i] = runningWeight;
            }

            final double[] tierShares = new double[MAX_TIER + 1];
            for (int tier = 0; tier <= MAX_TIER; tier++) {
                tierShares[tier] = (double) tierWeights[tier] / runningWeight;
            }
            return new EndpointPool(frozenIndexes, true, tierShares,
                    new long[] {LOAD_SCALE}, new int[] {0, size}, candidates, cumulative);
        }

        /** Returns positions 0..size-1 ordered by tier, keeping insertion order within a tier. */
        private int[] endpointsByTier() {
            final int[] tierStarts = new int[MAX_TIER + 2];
            for (int i = 0; i < size; i++) {
                tierStarts[tiers[i] + 1]++;
            }
            for (int tier = 0; tier <= MAX_TIER; tier++) {
                tierStarts[tier + 1] += tierStarts[tier];
            }
            final int[] order = new int[size];
            for (int i = 0; i < size; i++) {
                order[tierStarts[tiers[i]]++] = i;
            }
            return order;
        }
    }
}
