package io.guise.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;

/**
 * The retry counters of one persona, resolved once so that the data path counts
 * without a label lookup: {@code guise_retries_total} by result and
 * {@code guise_retry_successes_total}. Thread-safe.
 */
public final class RetryStats {

    private final CounterDataPoint attempted;
    private final CounterDataPoint budgetExhausted;
    private final CounterDataPoint successes;

    RetryStats(CounterDataPoint attempted, CounterDataPoint budgetExhausted, CounterDataPoint successes) {
        this.attempted = attempted;
        this.budgetExhausted = budgetExhausted;
        this.successes = successes;
    }

    /** Counts a retry sent to another endpoint. */
    public void countAttempted() {
        attempted.inc();
    }

    /** Counts a retry that the exhausted retry budget did not allow. */
    public void countBudgetExhausted() {
        budgetExhausted.inc();
    }

    /** Counts a request that got a response below 500 after at least one retry. */
    public void countSuccessAfterRetry() {
        successes.inc();
    }

    public long attemptedCount() {
        return attempted.getLongValue();
    }

    public long budgetExhaustedCount() {
        return budgetExhausted.getLongValue();
    }

    public long successAfterRetryCount() {
        return successes.getLongValue();
    }
}
