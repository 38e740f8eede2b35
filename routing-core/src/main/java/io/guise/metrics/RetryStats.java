package io.guise.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;

/**
 * The retry counters of one persona, resolved once so that the data path counts
 * without a label lookup: {@code guise_retries_total} by result and
 * {@code guise_retry_successes_total}. Thread-safe.
 */
public final class RetryStats {

    private final CounterDataPoint attempted;
    private final CounterDataPoint refusedByBudget;
    private final CounterDataPoint successes;

    RetryStats(CounterDataPoint attempted, CounterDataPoint refusedByBudget, CounterDataPoint successes) {
        this.attempted = attempted;
        this.refusedByBudget = refusedByBudget;
        this.successes = successes;
    }

    /** Counts a retry sent to another endpoint. */
    public void countAttempted() {
        attempted.inc();
    }

    /** Counts a retry that the retry budget did not allow. */
    public void countRefusedByBudget() {
        refusedByBudget.inc();
    }

    /** Counts a request that got a response below 500 after at least one retry. */
    public void countSuccessAfterRetry() {
        successes.inc();
    }

    public long attemptedCount() {
        return attempted.getLongValue();
    }

    public long refusedByBudgetCount() {
        return refusedByBudget.getLongValue();
    }

    public long successAfterRetryCount() {
        return successes.getLongValue();
    }
}
