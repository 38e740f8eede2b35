package io.guise.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EndpointHealthTest {

    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong(1_000 * SECOND);
    private final List<Duration> ejectionTimes = new ArrayList<>();
    private final List<String> restored = new ArrayList<>();

    private EndpointHealth.Builder builder() {
        return EndpointHealth.builder().nanoClock(now::get).seed(7).listener(new EndpointHealth.Listener() {
            @Override
            public void onEject(String endpointId, int consecutiveFailures, Duration ejectionTime) {
                ejectionTimes.add(ejectionTime);
            }

            @Override
            public void onRestore(String endpointId) {
                restored.add(endpointId);
            }
        });
    }

    private static void fail(EndpointHealth.Member member, int times) {
        for (int i = 0; i < times; i++) {
            member.recordFailure();
        }
    }

    /** Steps past the ejection time that the listener last heard and lets the health see it. */
    private void passLastEjection(EndpointHealth health) {
        now.addAndGet(ejectionTimes.get(ejectionTimes.size() - 1).toNanos());
        health.checkExpiry();
    }

    @Test
    void eject_belowThreshold_staysIn() {
        final EndpointHealth health = builder().build();
        fail(health.member("a"), 4);
        assertThat(health.isEjected("a")).isFalse();
        assertThat(health.consecutiveFailures("a")).isEqualTo(4);
        assertThat(health.lastEjectionNanos("a")).isEqualTo(-1);
    }

    @Test
    void eject_atThreshold_ejectsAndRecordsTime() {
        final EndpointHealth health = builder().build();
        final long before = health.version();
        fail(health.member("a"), 5);
        assertThat(health.isEjected("a")).isTrue();
        assertThat(health.ejectionCount("a")).isEqualTo(1);
        assertThat(health.lastEjectionNanos("a")).isEqualTo(now.get());
        assertThat(health.version()).isGreaterThan(before);
    }

    @Test
    void success_resetsRun() {
        final EndpointHealth health = builder().build();
        final EndpointHealth.Member member = health.member("a");
        fail(member, 4);
        member.recordSuccess();
        fail(member, 4);
        assertThat(health.isEjected("a")).isFalse();
        assertThat(health.consecutiveFailures("a")).isEqualTo(4);
    }

    @Test
    void ejectionTime_growsAndCaps() {
        final EndpointHealth health = builder().jitterPercent(0).baseEjection(Duration.ofSeconds(30))
                .maxEjection(Duration.ofSeconds(100)).build();
        final EndpointHealth.Member member = health.member("a");
        fail(member, 5);
        for (int i = 0; i < 4; i++) {
            passLastEjection(health);
            assertThat(member.tryStartProbe()).isTrue();
            member.recordFailure();
        }
        assertThat(ejectionTimes).containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(60),
                Duration.ofSeconds(90), Duration.ofSeconds(100), Duration.ofSeconds(100));
        assertThat(health.ejectionCount("a")).isEqualTo(5);
    }

    @Test
    void jitter_withinBoundsAndSameForSameSeed() {
        final EndpointHealth first = builder().seed(42).maxEjection(Duration.ofHours(10)).build();
        final EndpointHealth second = builder().seed(42).maxEjection(Duration.ofHours(10)).build();
        final EndpointHealth other = builder().seed(43).maxEjection(Duration.ofHours(10)).build();
        boolean differs = false;
        for (int n = 1; n <= 200; n++) {
            final long nanos = first.ejectionNanos(n);
            final long expected = 30 * SECOND * n;
            assertThat(nanos).isBetween((long) (expected * 0.9) - 1, (long) (expected * 1.1) + 1);
            assertThat(second.ejectionNanos(n)).isEqualTo(nanos);
            differs |= other.ejectionNanos(n) != nanos;
        }
        assertThat(differs).isTrue();
    }

    @Test
    void probe_notBeforeTimeIsOver() {
        final EndpointHealth health = builder().jitterPercent(0).build();
        final EndpointHealth.Member member = health.member("a");
        fail(member, 5);
        now.addAndGet(30 * SECOND - 1);
        health.checkExpiry();
        assertThat(member.probeReady()).isFalse();
        assertThat(member.tryStartProbe()).isFalse();
        now.addAndGet(1);
        health.checkExpiry();
        assertThat(member.probeReady()).isTrue();
        assertThat(health.isEjected("a")).isTrue();
    }

    @Test
    void probe_exactlyOneInFlight() {
        final EndpointHealth health = builder().build();
        final EndpointHealth.Member member = health.member("a");
        fail(member, 5);
        passLastEjection(health);
        assertThat(member.tryStartProbe()).isTrue();
        assertThat(member.tryStartProbe()).isFalse();
        assertThat(member.probeReady()).isFalse();
    }

    @Test
    void probe_successRestoresAndKeepsCount() {
        final EndpointHealth health = builder().build();
        final EndpointHealth.Member member = health.member("a");
        fail(member, 5);
        passLastEjection(health);
        member.tryStartProbe();
        member.recordSuccess();
        assertThat(health.isEjected("a")).isFalse();
        assertThat(restored).containsExactly("a");
        assertThat(health.ejectionCount("a")).isEqualTo(1);
        assertThat(health.consecutiveFailures("a")).isZero();
    }

    @Test
    void probe_failureEjectsLonger() {
        final EndpointHealth health = builder().jitterPercent(0).build();
        final EndpointHealth.Member member = health.member("a");
        fail(member, 5);
        passLastEjection(health);
        member.tryStartProbe();
        member.recordFailure();
        assertThat(health.isEjected("a")).isTrue();
        assertThat(member.probeReady()).isFalse();
        assertThat(ejectionTimes).containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(60));
    }

    @Test
    void resultsWhileEjected_areIgnored() {
        final EndpointHealth health = builder().build();
        final EndpointHealth.Member member = health.member("a");
        fail(member, 5);
        member.recordSuccess();
        fail(member, 10);
        assertThat(health.isEjected("a")).isTrue();
        assertThat(health.ejectionCount("a")).isEqualTo(1);
    }

    @Test
    void maxShare_capsEjectionsInPool() {
        final EndpointHealth health = builder().build();
        health.setPools(List.of(List.of("a", "b", "c")));
        fail(health.member("a"), 5);
        fail(health.member("b"), 5);
        fail(health.member("c"), 5);
        assertThat(health.isEjected("a")).isTrue();
        assertThat(health.isEjected("b")).isFalse();
        assertThat(health.isEjected("c")).isFalse();
        assertThat(health.consecutiveFailures("b")).isZero();
    }

    @Test
    void maxShare_freedByRestore() {
        final EndpointHealth health = builder().build();
        health.setPools(List.of(List.of("a", "b", "c", "d")));
        fail(health.member("a"), 5);
        fail(health.member("b"), 5);
        fail(health.member("c"), 5);
        assertThat(List.of(health.isEjected("a"), health.isEjected("b"), health.isEjected("c")))
                .containsExactly(true, true, false);
        now.addAndGet(Duration.ofMinutes(1).toNanos());
        health.checkExpiry();
        health.member("a").tryStartProbe();
        health.member("a").recordSuccess();
        fail(health.member("c"), 5);
        assertThat(health.isEjected("c")).isTrue();
    }
}
