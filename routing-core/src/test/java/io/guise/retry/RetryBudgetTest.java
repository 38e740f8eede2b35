package io.guise.retry;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.proto.RetryPolicy;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Unit tests of the retry budget on an injected clock. */
class RetryBudgetTest {

    private final AtomicLong clock = new AtomicLong(5_000_000_000L);

    private RetryBudget budget(int percent, int minPerSecond) {
        return new RetryBudget(percent, minPerSecond, clock::get);
    }

    private void advanceMillis(long millis) {
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    private static int allowed(RetryBudget budget, int tries) {
        int allowed = 0;
        for (int i = 0; i < tries; i++) {
            if (budget.tryRetry()) {
                allowed++;
            }
        }
        return allowed;
    }

    @Test
    void budget_minimumAllowsTenSeconds() {
        final RetryBudget budget = budget(20, 3);

        assertThat(allowed(budget, 50)).isEqualTo(30);
    }

    @Test
    void budget_percentOfWindowRequests() {
        final RetryBudget budget = budget(20, 0);
        for (int i = 0; i < 100; i++) {
            budget.recordRequest();
        }

        assertThat(allowed(budget, 25)).isEqualTo(20);
    }

    @Test
    void budget_rejectedRetriesNotCounted() {
        final RetryBudget budget = budget(50, 0);
        for (int i = 0; i < 4; i++) {
            budget.recordRequest();
        }
        assertThat(allowed(budget, 10)).isEqualTo(2);

        budget.recordRequest();
        budget.recordRequest();

        // Six requests allow three retries; the eight rejected ones left no trace.
        assertThat(allowed(budget, 10)).isEqualTo(1);
    }

    @Test
    void budget_zeroPercentAndZeroMinimum_refusesAll() {
        final RetryBudget budget = budget(0, 0);
        for (int i = 0; i < 1000; i++) {
            budget.recordRequest();
        }

        assertThat(budget.tryRetry()).isFalse();
    }

    @Test
    void budget_windowSlidesBySecond() {
        final RetryBudget budget = budget(10, 0);
        for (int i = 0; i < 50; i++) {
            budget.recordRequest();
        }
        assertThat(allowed(budget, 10)).isEqualTo(5);

        advanceMillis(5_000);
        for (int i = 0; i < 50; i++) {
            budget.recordRequest();
        }
        // 100 requests in the window allow 10 retries, 5 of which are taken.
        assertThat(allowed(budget, 10)).isEqualTo(5);

        advanceMillis(4_999);
        assertThat(budget.tryRetry()).isFalse();

        // The first second leaves the window: 50 requests allow 5 retries, and 5 are in the window.
        advanceMillis(1);
        assertThat(budget.tryRetry()).isFalse();

        // The second of the later burst leaves too, so the window is empty.
        advanceMillis(5_000);
        for (int i = 0; i < 20; i++) {
            budget.recordRequest();
        }
        assertThat(allowed(budget, 5)).isEqualTo(2);
    }

    @Test
    void budget_bucketReusedAfterTenSeconds() {
        final RetryBudget budget = budget(0, 1);
        assertThat(allowed(budget, 20)).isEqualTo(10);

        // Ten seconds on, the same bucket counts a new second from zero.
        advanceMillis(10_000);

        assertThat(allowed(budget, 20)).isEqualTo(10);
    }

    @Test
    void retries_defaultsForZeroFields() {
        final Retries retries = Retries.of(RetryPolicy.getDefaultInstance(), clock::get);

        assertThat(retries.maxAttempts()).isEqualTo(2);
        assertThat(retries.budget("web").budgetPercent()).isEqualTo(20);
        assertThat(retries.budget("web").minRetriesPerSecond()).isEqualTo(10);
        assertThat(retries.budget("web")).isSameAs(retries.budget("web"));
        assertThat(retries.budget("api")).isNotSameAs(retries.budget("web"));
    }
}
