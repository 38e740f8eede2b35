package io.guise.routing;

import io.guise.fault.SplitMix64;

/**
 * The target of one subset-map entry: a single persona, or a weighted split in
 * which a client's arm follows from a stable hash of its IP and the split's seed.
 * Immutable.
 */
final class SubsetTarget {

    private final String prefix;
    private final PersonaRoute[] arms;
    // cumulativeWeights[i] is the sum of the weights of arms 0..i.
    private final long[] cumulativeWeights;
    private final long seed;
    private final int maxConcurrentRequests;

    private SubsetTarget(String prefix, PersonaRoute[] arms, long[] cumulativeWeights, long seed) {
        this(prefix, arms, cumulativeWeights, seed, 0);
    }

    private SubsetTarget(String prefix, PersonaRoute[] arms, long[] cumulativeWeights, long seed,
                         int maxConcurrentRequests) {
        this.maxConcurrentRequests = maxConcurrentRequests;
        this.prefix = prefix;
        this.arms = arms;
        this.cumulativeWeights = cumulativeWeights;
        this.seed = seed;
    }

    static SubsetTarget single(String prefix, PersonaRoute route) {
        return new SubsetTarget(prefix, new PersonaRoute[] {route}, new long[] {1}, 0);
    }

    /** Creates a split; arms with weight 0 stay listed but are never chosen. */
    static SubsetTarget split(String prefix, PersonaRoute[] arms, int[] weights, int seed) {
        final long[] cumulative = new long[weights.length];
        long sum = 0;
        for (int i = 0; i < weights.length; i++) {
            sum += weights[i];
            cumulative[i] = sum;
        }
        if (sum <= 0) {
            throw new IllegalArgumentException("split of " + prefix + " has no positive weight");
        }
        return new SubsetTarget(prefix, arms.clone(), cumulative, SplitMix64.mix(seed));
    }

    String prefix() {
        return prefix;
    }

    /** Returns a copy with the subset's own concurrency budget, 0 for none. */
    SubsetTarget withMaxConcurrentRequests(int value) {
        return value == maxConcurrentRequests ? this : new SubsetTarget(prefix, arms, cumulativeWeights, seed, value);
    }

    int maxConcurrentRequests() {
        return maxConcurrentRequests;
    }

    /** Returns the persona for a client hash; the same hash always gets the same arm. */
    PersonaRoute choose(long clientHash) {
        if (arms.length == 1) {
            return arms[0];
        }
        final long total = cumulativeWeights[cumulativeWeights.length - 1];
        final long point = Long.remainderUnsigned(SplitMix64.mix(clientHash ^ seed), total);
        for (int i = 0; i < cumulativeWeights.length; i++) {
            if (point < cumulativeWeights[i]) {
                return arms[i];
            }
        }
        throw new AssertionError("point " + point + " beyond total weight " + total);
    }
}
