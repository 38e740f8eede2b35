package io.guise.features;

/**
 * Bounds on a count of successes in independent trials: the mean plus or minus
 * 4.5 standard deviations, which a correct implementation leaves about once in
 * 150,000 runs. Certain outcomes (share 0 or 100%) get exact bounds.
 */
record Binomial(long trials, double percent) {

    private static final double STANDARD_DEVIATIONS = 4.5;

    long min() {
        final double p = percent / 100.0;
        return Math.max(0, (long) Math.ceil(trials * p - spread()));
    }

    long max() {
        final double p = percent / 100.0;
        return Math.min(trials, (long) Math.floor(trials * p + spread()));
    }

    private double spread() {
        final double p = percent / 100.0;
        return STANDARD_DEVIATIONS * Math.sqrt(trials * p * (1 - p));
    }

    @Override
    public String toString() {
        return percent + "% of " + trials + " trials: " + min() + "-" + max();
    }
}
