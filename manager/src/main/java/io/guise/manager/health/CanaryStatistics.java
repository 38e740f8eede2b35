package io.guise.manager.health;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.apache.commons.math3.special.Erf;

/**
 * The one-sided tests of the canary guard, each asking whether an arm is worse
 * than the control arm. Both use the normal approximation, which fits the
 * hundreds of requests per arm that the guard requires before it tests.
 * Stateless, so thread-safe.
 */
final class CanaryStatistics {

    private static final double SQRT_2 = Math.sqrt(2);

    private CanaryStatistics() {}

    /**
     * Result of the two-proportion z-test.
     *
     * @param z the arm's failure share minus the control's, divided by the pooled standard error
     * @param pValue the probability of a z at least this large when both arms share one failure share
     */
    record ProportionTest(double z, double pValue) {}

    /**
     * Result of the Mann-Whitney U test.
     *
     * @param u pairs of an arm value and a control value in which the arm value is greater, ties counting
     *     one half
     * @param mean the mean of U when both samples come from one distribution
     * @param variance the variance of U under the same hypothesis, corrected for ties
     * @param z U minus its mean and minus 0.5 for continuity, divided by the standard deviation
     * @param pValue the probability of a U at least this large when both samples come from one distribution
     */
    record RankTest(double u, double mean, double variance, double z, double pValue) {}

    /**
     * Returns the probability that a standard normal variable exceeds {@code z}. The
     * complementary error function keeps small tail probabilities accurate, where
     * {@code 1 - cdf(z)} would round them to 0.
     */
    static double upperTail(double z) {
        return Erf.erfc(z / SQRT_2) / 2;
    }

    /**
     * Tests whether the arm's failure share is greater than the control's. The
     * standard error pools both arms, as the hypothesis of equal shares implies.
     * When a side has no requests, or the pooled share is 0 or 1, both shares are
     * equal or unknown, so the result is z = 0 with a p-value of 1, as an exact test
     * would give.
     */
    static ProportionTest twoProportion(long armFailures, long armRequests, long controlFailures,
                                        long controlRequests) {
        checkCounts("arm", armFailures, armRequests);
        checkCounts("control", controlFailures, controlRequests);
        if (armRequests == 0 || controlRequests == 0) {
            return new ProportionTest(0, 1);
        }
        final double armShare = (double) armFailures / armRequests;
        final double controlShare = (double) controlFailures / controlRequests;
        final double pooledShare = (double) (armFailures + controlFailures) / (armRequests + controlRequests);
        if (pooledShare == 0 || pooledShare == 1) {
            return new ProportionTest(0, 1);
        }
        final double standardError = Math.sqrt(pooledShare * (1 - pooledShare)
                                               * (1.0 / armRequests + 1.0 / controlRequests));
        final double z = (armShare - controlShare) / standardError;
        return new ProportionTest(z, upperTail(z));
    }

    /**
     * Tests whether the arm's values are stochastically greater than the control's.
     * Ranks come from the recorded value buckets: values in one bucket tie and get
     * the mean of the ranks they span. When the histograms differ in precision,
     * both are bucketed by the coarser one. When a histogram is empty or every
     * value falls in one bucket, U cannot differ from its mean, so the result is
     * z = 0 with a p-value of 1.
     */
    static RankTest mannWhitney(Histogram arm, Histogram control) {
        requireNonNull(arm, "arm");
        requireNonNull(control, "control");
        final double armCount = arm.getTotalCount();
        final double controlCount = control.getTotalCount();
        final double mean = armCount * controlCount / 2;

        final Histogram grid = arm.getNumberOfSignificantValueDigits()
                               <= control.getNumberOfSignificantValueDigits() ? arm : control;
        final TreeMap<Long, long[]> bucketCounts = new TreeMap<>();
        addBucketCounts(arm, grid, 0, bucketCounts);
        addBucketCounts(control, grid, 1, bucketCounts);
        if (armCount == 0 || controlCount == 0 || bucketCounts.size() == 1) {
            return new RankTest(mean, mean, 0, 0, 1);
        }

        // Buckets in ascending order: a bucket of t values that follows `below` smaller
        // values spans ranks below + 1 to below + t, whose mean is below + (t + 1) / 2.
        double below = 0;
        double armRankSum = 0;
        double tieSum = 0;
        for (long[] counts : bucketCounts.values()) {
            final double tied = counts[0] + counts[1];
            armRankSum += counts[0] * (below + (tied + 1) / 2);
            tieSum += (tied - 1) * tied * (tied + 1);
            below += tied;
        }
        final double total = armCount + controlCount;
        final double u = armRankSum - armCount * (armCount + 1) / 2;
        final double variance = armCount * controlCount / 12 * ((total + 1) - tieSum / (total * (total - 1)));
        final double z = (u - mean - 0.5) / Math.sqrt(variance);
        return new RankTest(u, mean, variance, z, upperTail(z));
    }

    /** Adds the histogram's counts, by bucket of {@code grid}, to column {@code column} of {@code out}. */
    private static void addBucketCounts(Histogram histogram, Histogram grid, int column, Map<Long, long[]> out) {
        for (HistogramIterationValue value : histogram.recordedValues()) {
            final long bucket = grid.highestEquivalentValue(value.getValueIteratedTo());
            out.computeIfAbsent(bucket, key -> new long[2])[column] += value.getCountAtValueIteratedTo();
        }
    }

    private static void checkCounts(String side, long failures, long requests) {
        if (failures < 0 || requests < 0 || failures > requests) {
            throw new IllegalArgumentException(side + " failures " + failures + ", requests " + requests
                                               + " (expected: 0 <= failures <= requests)");
        }
    }
}
