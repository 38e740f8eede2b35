package io.guise.manager.health;

import static java.util.Objects.requireNonNull;

import io.guise.proto.Endpoint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Decides, window by window, which endpoints to demote one tier and which to
 * restore, from health figures that access points reported.
 *
 * <p>An endpoint with at least {@code minRequests} requests in a window is bad when
 * its failure share exceeds {@code maxErrorRatePercent}, or when its p99 exceeds
 * {@code latencyOutlierFactor} times the median p99 of its pool (and
 * {@code minLatencyOutlierMillis}). An endpoint that an access point reports as
 * locally ejected is bad with fewer requests too, as long as its failure share in
 * the window exceeds {@code maxErrorRatePercent}: local ejection follows
 * consecutive failures and then cuts the endpoint's traffic, so its window would
 * otherwise never reach {@code minRequests}. Within a pool:
 * <ul>
 *   <li>when more than {@code maxDemotedPercent} of the pool is bad, the fault is
 *       taken as fleet-wide and nothing is demoted, because moving traffic would
 *       not help;</li>
 *   <li>otherwise each bad endpoint, worst failure share first, is demoted unless
 *       that would demote more than {@code maxDemotedPercent} of the pool or leave
 *       the best tier with fewer than {@code minHealthyInBestTier} healthy
 *       endpoints (both counted after the demotion);</li>
 *   <li>a demoted endpoint is restored after {@code restoreAfterWindows} times its
 *       demotion count of consecutive windows that are not bad, so an endpoint
 *       that keeps flapping waits longer each time. A window with too few requests
 *       to judge counts as not bad: a demoted endpoint may get little traffic, and
 *       if it is still bad after restoration it is demoted again.</li>
 * </ul>
 *
 * <p>Not thread-safe: one health executor of the manager owns an instance and calls
 * {@link #evaluate} once per window.
 */
public final class DemotionPolicy {

    private static final int MAX_TIER = 15;

    private final DemotionSettings settings;
    private final Map<String, DemotedState> demoted = new HashMap<>();
    private final Map<String, Integer> demotionCounts = new HashMap<>();

    public DemotionPolicy(DemotionSettings settings) {
        this.settings = requireNonNull(settings, "settings");
    }

    /** The state of one demoted endpoint. */
    private static final class DemotedState {
        final int originalTier;
        int healthyWindows;

        DemotedState(int originalTier) {
            this.originalTier = originalTier;
        }
    }

    /**
     * Evaluates one window and returns every decision in it, in pool order.
     *
     * @param endpoints the endpoints as the routing state has them now (demoted ones in their lower tier)
     * @param window the window's figures by endpoint id; endpoints without figures had no traffic
     */
    public List<Decision> evaluate(List<Endpoint> endpoints, Map<String, WindowStats> window) {
        requireNonNull(endpoints, "endpoints");
        requireNonNull(window, "window");
        final Map<String, List<Endpoint>> pools = new LinkedHashMap<>();
        for (Endpoint endpoint : endpoints) {
            pools.computeIfAbsent(endpoint.getPool(), key -> new ArrayList<>()).add(endpoint);
        }
        final List<Decision> decisions = new ArrayList<>();
        pools.forEach((pool, members) -> evaluatePool(pool, members, window, decisions));
        return decisions;
    }

    /** Returns whether the policy has demoted {@code endpointId} and not restored it yet. */
    public boolean isDemoted(String endpointId) {
        return demoted.containsKey(endpointId);
    }

    /** Returns the tier a demoted endpoint had before its demotion; empty when it is not demoted. */
    public OptionalInt originalTier(String endpointId) {
        final DemotedState state = demoted.get(endpointId);
        return state == null ? OptionalInt.empty() : OptionalInt.of(state.originalTier);
    }

    /**
     * Drops the demotion state of {@code endpointId}, for an endpoint that was
     * deleted or whose demotion could not be written; its demotion count stays.
     */
    public void forget(String endpointId) {
        demoted.remove(endpointId);
    }

    /** Drops the demotion state of every endpoint not in {@code endpointIds}, such as deleted ones. */
    public void retain(Set<String> endpointIds) {
        demoted.keySet().retainAll(endpointIds);
    }

    private void evaluatePool(String pool, List<Endpoint> members, Map<String, WindowStats> window,
                              List<Decision> decisions) {
        final double medianP99 = medianP99(members, window);
        final List<Endpoint> bad = new ArrayList<>();
        for (Endpoint endpoint : members) {
            if (badReason(window.get(endpoint.getId()), medianP99) != null) {
                bad.add(endpoint);
            }
        }
        restoreRecovered(pool, members, window, medianP99, decisions);

        final int size = members.size();
        final int maxDemoted = (int) Math.floor(size * settings.maxDemotedPercent() / 100);
        if (bad.size() > maxDemoted && bad.size() * 100.0 / size > settings.maxDemotedPercent()) {
            for (Endpoint endpoint : bad) {
                if (!demoted.containsKey(endpoint.getId())) {
                    decisions.add(new Decision(endpoint.getId(), pool, Decision.Action.HOLD_FLEET_WIDE,
                                               endpoint.getTier(), endpoint.getTier(), String.format(
                            Locale.ROOT, "%d of %d endpoints of pool %s look bad, more than the %.0f%% that may be"
                                         + " demoted, so the fault looks fleet-wide and none is demoted",
                            bad.size(), size, pool, settings.maxDemotedPercent()), window.get(endpoint.getId())));
                }
            }
            return;
        }

        bad.sort(Comparator.comparingDouble((Endpoint e) -> -window.get(e.getId()).errorRatePercent()));
        for (Endpoint endpoint : bad) {
            if (demoted.containsKey(endpoint.getId())) {
                continue;
            }
            final WindowStats stats = window.get(endpoint.getId());
            final String badness = badReason(stats, medianP99);
            final String capProblem = capProblem(pool, members, bad, endpoint, maxDemoted);
            if (capProblem != null) {
                decisions.add(new Decision(endpoint.getId(), pool, Decision.Action.HOLD_CAP, endpoint.getTier(),
                                           endpoint.getTier(), badness + ", but " + capProblem, stats));
                continue;
            }
            final int toTier = Math.min(MAX_TIER, endpoint.getTier() + 1);
            demoted.put(endpoint.getId(), new DemotedState(endpoint.getTier()));
            demotionCounts.merge(endpoint.getId(), 1, Integer::sum);
            decisions.add(new Decision(endpoint.getId(), pool, Decision.Action.DEMOTE, endpoint.getTier(), toTier,
                                       badness, stats));
        }
    }

    private void restoreRecovered(String pool, List<Endpoint> members, Map<String, WindowStats> window,
                                  double medianP99, List<Decision> decisions) {
        for (Endpoint endpoint : members) {
            final DemotedState state = demoted.get(endpoint.getId());
            if (state == null) {
                continue;
            }
            final WindowStats stats = window.get(endpoint.getId());
            // A window in which an access point still has the endpoint ejected is not healthy, even
            // without requests: that access point has not seen a successful probe yet.
            if (badReason(stats, medianP99) != null || stats != null && !stats.ejectedBy().isEmpty()) {
                state.healthyWindows = 0;
                continue;
            }
            state.healthyWindows++;
            final int needed = settings.restoreAfterWindows() * demotionCounts.getOrDefault(endpoint.getId(), 1);
            if (state.healthyWindows >= needed) {
                demoted.remove(endpoint.getId());
                decisions.add(new Decision(endpoint.getId(), pool, Decision.Action.RESTORE, endpoint.getTier(),
                                           state.originalTier, "not bad for " + state.healthyWindows
                                                               + " consecutive windows (needed: " + needed + ")",
                                           stats == null ? new WindowStats(0, 0, 0, Set.of()) : stats));
            }
        }
    }

    /** Returns why demoting {@code candidate} would break the pool's cap or floor, or null when it would not. */
    private String capProblem(String pool, List<Endpoint> members, List<Endpoint> bad, Endpoint candidate,
                              int maxDemoted) {
        int demotedInPool = 0;
        int bestTier = Integer.MAX_VALUE;
        for (Endpoint endpoint : members) {
            final DemotedState state = demoted.get(endpoint.getId());
            if (state != null) {
                demotedInPool++;
            }
            bestTier = Math.min(bestTier, state != null ? state.originalTier : endpoint.getTier());
        }
        if (demotedInPool + 1 > maxDemoted) {
            return String.format(Locale.ROOT, "demoting it would put %d of %d endpoints of pool %s below their tier,"
                                              + " more than the %.0f%% cap", demotedInPool + 1, members.size(), pool,
                                 settings.maxDemotedPercent());
        }
        int healthyInBestTier = 0;
        for (Endpoint endpoint : members) {
            final boolean inBestTier = endpoint.getTier() == bestTier && !demoted.containsKey(endpoint.getId());
            if (inBestTier && !bad.contains(endpoint) && endpoint != candidate) {
                healthyInBestTier++;
            }
        }
        if (candidate.getTier() == bestTier && healthyInBestTier < settings.minHealthyInBestTier()) {
            return "pool " + pool + " would keep " + healthyInBestTier + " healthy endpoints in its best tier "
                   + bestTier + ", below the floor of " + settings.minHealthyInBestTier();
        }
        return null;
    }

    /** Returns why a window is bad, or null when it is not bad or has too few requests to judge. */
    private String badReason(WindowStats stats, double medianP99) {
        if (stats == null) {
            return null;
        }
        if (!stats.ejectedBy().isEmpty() && stats.errorRatePercent() > settings.maxErrorRatePercent()) {
            return String.format(Locale.ROOT, "locally ejected by %s, with a failure share of %.1f%% over %d"
                                              + " requests, above %.1f%%", String.join(", ",
                                         new java.util.TreeSet<>(stats.ejectedBy())), stats.errorRatePercent(),
                                 stats.requests(), settings.maxErrorRatePercent());
        }
        if (stats.requests() < settings.minRequests()) {
            return null;
        }
        if (stats.errorRatePercent() > settings.maxErrorRatePercent()) {
            return String.format(Locale.ROOT, "failure share %.1f%% over %d requests exceeds %.1f%%",
                                 stats.errorRatePercent(), stats.requests(), settings.maxErrorRatePercent());
        }
        final double limit = medianP99 * settings.latencyOutlierFactor();
        if (medianP99 > 0 && stats.p99Millis() > limit && stats.p99Millis() > settings.minLatencyOutlierMillis()) {
            return String.format(Locale.ROOT, "p99 %.1f ms exceeds %.1f times the pool's median p99 of %.1f ms",
                                 stats.p99Millis(), settings.latencyOutlierFactor(), medianP99);
        }
        return null;
    }

    /**
     * Returns the median p99 in milliseconds over the members of one pool that
     * have enough requests in the window; 0 when none has.
     */
    public double medianP99(List<Endpoint> members, Map<String, WindowStats> window) {
        final List<Double> values = new ArrayList<>();
        for (Endpoint endpoint : members) {
            final WindowStats stats = window.get(endpoint.getId());
            if (stats != null && stats.requests() >= settings.minRequests()) {
                values.add(stats.p99Millis());
            }
        }
        if (values.isEmpty()) {
            return 0;
        }
        values.sort(Double::compare);
        final int middle = values.size() / 2;
        return values.size() % 2 == 1 ? values.get(middle) : (values.get(middle - 1) + values.get(middle)) / 2;
    }
}
