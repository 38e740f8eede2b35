package io.guise.manager.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.guise.proto.Endpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Demotion and restoration decisions, window by window, on hand-made health figures. */
class DemotionPolicyTest {

    private final DemotionPolicy policy = new DemotionPolicy(DemotionSettings.defaults());

    private static List<Endpoint> pool(String name, int count) {
        final List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            endpoints.add(Endpoint.newBuilder().setId(name + "-" + i).setPool(name).setAddress("127.0.0.1")
                                  .setPort(8000 + i).build());
        }
        return endpoints;
    }

    private static WindowStats healthy() {
        return new WindowStats(100, 0, 5, Set.of("ap-0", "ap-1"));
    }

    private static WindowStats failing() {
        return new WindowStats(100, 60, 5, Set.of("ap-0", "ap-1"));
    }

    private static Map<String, WindowStats> window(List<Endpoint> endpoints, Set<String> failingIds) {
        final Map<String, WindowStats> window = new HashMap<>();
        for (Endpoint endpoint : endpoints) {
            window.put(endpoint.getId(), failingIds.contains(endpoint.getId()) ? failing() : healthy());
        }
        return window;
    }

    /** Applies DEMOTE and RESTORE decisions to the endpoints, as the manager's revision would. */
    private static List<Endpoint> applied(List<Endpoint> endpoints, List<Decision> decisions) {
        final List<Endpoint> next = new ArrayList<>();
        for (Endpoint endpoint : endpoints) {
            Endpoint updated = endpoint;
            for (Decision decision : decisions) {
                if (decision.endpointId().equals(endpoint.getId())
                    && (decision.action() == Decision.Action.DEMOTE || decision.action() == Decision.Action.RESTORE)) {
                    updated = endpoint.toBuilder().setTier(decision.toTier()).build();
                }
            }
            next.add(updated);
        }
        return next;
    }

    @Test
    void failingEndpoint_demotedOneTier() {
        final List<Endpoint> endpoints = pool("web", 4);

        final List<Decision> decisions = policy.evaluate(endpoints, window(endpoints, Set.of("web-2")));

        assertThat(decisions).hasSize(1);
        assertThat(decisions.get(0).endpointId()).isEqualTo("web-2");
        assertThat(decisions.get(0).action()).isEqualTo(Decision.Action.DEMOTE);
        assertThat(decisions.get(0).toTier()).isEqualTo(1);
        assertThat(decisions.get(0).reason()).isEqualTo("failure share 60.0% over 100 requests exceeds 20.0%");
        assertThat(decisions.get(0).evidence().reporters()).containsExactlyInAnyOrder("ap-0", "ap-1");
        assertThat(policy.isDemoted("web-2")).isTrue();
    }

    @Test
    void locallyEjected_fewRequestsDemoted() {
        final List<Endpoint> endpoints = pool("web", 4);
        final Map<String, WindowStats> window = window(endpoints, Set.of());
        window.put("web-3", new WindowStats(5, 5, 2, Set.of("ap-0", "ap-1"), Set.of("ap-1", "ap-0")));

        final List<Decision> decisions = policy.evaluate(endpoints, window);

        assertThat(decisions).hasSize(1);
        assertThat(decisions.get(0).action()).isEqualTo(Decision.Action.DEMOTE);
        assertThat(decisions.get(0).endpointId()).isEqualTo("web-3");
        assertThat(decisions.get(0).reason())
                .isEqualTo("locally ejected by ap-0, ap-1, with a failure share of 100.0% over 5 requests, above 20.0%");
    }

    @Test
    void locallyEjected_lowFailureShareNotDemoted() {
        final List<Endpoint> endpoints = pool("web", 4);
        final Map<String, WindowStats> window = window(endpoints, Set.of());
        // Ejected after five failures at the end of a window that was mostly successful.
        window.put("web-3", new WindowStats(100, 5, 2, Set.of("ap-0"), Set.of("ap-0")));

        assertThat(policy.evaluate(endpoints, window)).isEmpty();
    }

    @Test
    void stillEjected_blocksRestoration() {
        List<Endpoint> endpoints = pool("web", 4);
        endpoints = applied(endpoints, policy.evaluate(endpoints, window(endpoints, Set.of("web-2"))));
        assertThat(policy.isDemoted("web-2")).isTrue();

        // No traffic reaches web-2 while ap-0 keeps it ejected; those windows are not healthy ones.
        for (int i = 0; i < 5; i++) {
            final Map<String, WindowStats> window = window(endpoints, Set.of());
            window.put("web-2", new WindowStats(0, 0, 0, Set.of("ap-0"), Set.of("ap-0")));
            assertThat(policy.evaluate(endpoints, window)).isEmpty();
        }
        final List<Decision> restored = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            restored.addAll(policy.evaluate(endpoints, window(endpoints, Set.of())));
        }

        assertThat(restored).hasSize(1);
        assertThat(restored.get(0).action()).isEqualTo(Decision.Action.RESTORE);
        assertThat(restored.get(0).toTier()).isZero();
    }

    @Test
    void tooFewRequests_noDecision() {
        final List<Endpoint> endpoints = pool("web", 4);
        final Map<String, WindowStats> window = window(endpoints, Set.of());
        window.put("web-2", new WindowStats(19, 19, 5, Set.of("ap-0")));

        assertThat(policy.evaluate(endpoints, window)).isEmpty();
    }

    @Test
    void latencyOutlier_demoted() {
        final List<Endpoint> endpoints = pool("web", 4);
        final Map<String, WindowStats> window = window(endpoints, Set.of());
        window.put("web-3", new WindowStats(100, 0, 400, Set.of("ap-0")));

        final List<Decision> decisions = policy.evaluate(endpoints, window);

        assertThat(decisions).extracting(Decision::endpointId).containsExactly("web-3");
        assertThat(decisions.get(0).action()).isEqualTo(Decision.Action.DEMOTE);
        assertThat(decisions.get(0).reason()).isEqualTo("p99 400.0 ms exceeds 3.0 times the pool's median p99 of 5.0 ms");
    }

    @Test
    void fastOutlierBelowFloor_notDemoted() {
        final List<Endpoint> endpoints = pool("web", 4);
        final Map<String, WindowStats> window = window(endpoints, Set.of());
        window.put("web-3", new WindowStats(100, 0, 19, Set.of("ap-0")));

        assertThat(policy.evaluate(endpoints, window)).isEmpty();
    }

    @Test
    void allFailing_fleetWideHoldsEverything() {
        final List<Endpoint> endpoints = pool("web", 3);

        final List<Decision> decisions = policy.evaluate(endpoints, window(endpoints,
                                                                           Set.of("web-1", "web-2", "web-3")));

        assertThat(decisions).hasSize(3);
        assertThat(decisions).allMatch(d -> d.action() == Decision.Action.HOLD_FLEET_WIDE);
        assertThat(decisions.get(0).reason()).startsWith("3 of 3 endpoints of pool web look bad");
        assertThat(policy.isDemoted("web-1")).isFalse();
    }

    @Test
    void capCountedAfterDemotion_holdsTheThird() {
        final List<Endpoint> endpoints = pool("web", 4);

        // Half of four may be demoted. web-1 is demoted and still recovering when two more go bad.
        final List<Decision> first = policy.evaluate(endpoints, window(endpoints, Set.of("web-1")));
        final List<Endpoint> after = applied(endpoints, first);
        final List<Decision> second = policy.evaluate(after, window(after, Set.of("web-2", "web-3")));

        assertThat(first).extracting(Decision::action).containsExactly(Decision.Action.DEMOTE);
        assertThat(second).extracting(Decision::endpointId).containsExactly("web-2", "web-3");
        assertThat(second.get(0).action()).isEqualTo(Decision.Action.DEMOTE);
        assertThat(second.get(1).action()).isEqualTo(Decision.Action.HOLD_CAP);
        assertThat(second.get(1).reason()).contains("3 of 4 endpoints of pool web below their tier")
                .contains("more than the 50% cap");
    }

    @Test
    void floorKeepsOneHealthyInBestTier() {
        final DemotionPolicy lenient = new DemotionPolicy(new DemotionSettings(20, 20, 3, 20, 3, 100, 1));
        final List<Endpoint> endpoints = pool("web", 2);

        final List<Decision> first = lenient.evaluate(endpoints, window(endpoints, Set.of("web-1")));
        final List<Endpoint> after = applied(endpoints, first);
        final Map<String, WindowStats> window = window(after, Set.of("web-2"));
        window.put("web-1", new WindowStats(5, 5, 5, Set.of("ap-0")));
        final List<Decision> second = lenient.evaluate(after, window);

        assertThat(first).extracting(Decision::action).containsExactly(Decision.Action.DEMOTE);
        assertThat(second).extracting(Decision::action).containsExactly(Decision.Action.HOLD_CAP);
        assertThat(second.get(0).reason()).contains("below the floor of 1");
    }

    @Test
    void restoredAfterConsecutiveHealthyWindows() {
        final List<Endpoint> endpoints = pool("web", 4);
        List<Endpoint> current = applied(endpoints, policy.evaluate(endpoints, window(endpoints, Set.of("web-4"))));
        assertThat(current.get(3).getTier()).isEqualTo(1);

        final List<List<Decision>> windows = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            final List<Decision> decisions = policy.evaluate(current, window(current, Set.of()));
            windows.add(decisions);
            current = applied(current, decisions);
        }

        assertThat(windows.get(0)).isEmpty();
        assertThat(windows.get(1)).isEmpty();
        assertThat(windows.get(2)).extracting(Decision::action).containsExactly(Decision.Action.RESTORE);
        assertThat(current.get(3).getTier()).isZero();
        assertThat(policy.isDemoted("web-4")).isFalse();
    }

    @Test
    void flappingEndpoint_notMovedEveryWindow() {
        final List<Endpoint> endpoints = pool("web", 4);
        List<Endpoint> current = endpoints;
        int moves = 0;

        // Bad and good windows alternate for 24 windows.
        for (int i = 0; i < 24; i++) {
            final Set<String> failing = i % 2 == 0 ? Set.of("web-1") : Set.of();
            final List<Decision> decisions = policy.evaluate(current, window(current, failing));
            moves += (int) decisions.stream()
                    .filter(d -> d.action() == Decision.Action.DEMOTE || d.action() == Decision.Action.RESTORE)
                    .count();
            current = applied(current, decisions);
        }

        // Restoring needs three good windows in a row, which alternation never gives: demoted once, kept there.
        assertThat(moves).isEqualTo(1);
        assertThat(policy.isDemoted("web-1")).isTrue();
    }

    @Test
    void repeatedDemotion_waitsLongerToRestore() {
        final List<Endpoint> endpoints = pool("web", 4);
        List<Endpoint> current = applied(endpoints, policy.evaluate(endpoints, window(endpoints, Set.of("web-1"))));
        for (int i = 0; i < 3; i++) {
            current = applied(current, policy.evaluate(current, window(current, Set.of())));
        }
        assertThat(policy.isDemoted("web-1")).isFalse();

        current = applied(current, policy.evaluate(current, window(current, Set.of("web-1"))));
        int windowsToRestore = 0;
        while (policy.isDemoted("web-1") && windowsToRestore < 20) {
            current = applied(current, policy.evaluate(current, window(current, Set.of())));
            windowsToRestore++;
        }

        assertThat(windowsToRestore).isEqualTo(6);
    }

    @Test
    void settings_rejectInvalidValues() {
        assertThatThrownBy(() -> new DemotionSettings(0, 20, 3, 20, 3, 50, 1))
                .hasMessage("min_requests: 0 (expected: 1 or more)");
        assertThatThrownBy(() -> new DemotionSettings(20, 0, 3, 20, 3, 50, 1))
                .hasMessage("max_error_rate_percent: 0.0 (expected: > 0 and <= 100)");
        assertThatThrownBy(() -> new DemotionSettings(20, 20, 1, 20, 3, 50, 1))
                .hasMessage("latency_outlier_factor: 1.0 (expected: > 1)");
        assertThatThrownBy(() -> new DemotionSettings(20, 20, 3, 20, 3, 101, 1))
                .hasMessage("max_demoted_percent: 101.0 (expected: 0-100)");
    }
}
