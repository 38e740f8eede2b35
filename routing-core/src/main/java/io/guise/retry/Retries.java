package io.guise.retry;

import static java.util.Objects.requireNonNull;

import io.guise.proto.RetryPolicy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The retry policy of one access point and a {@link RetryBudget} per persona,
 * keyed by persona id so that a budget outlives routing table rebuilds. A failing
 * persona thus spends only its own budget.
 *
 * <p>Thread-safe: the policy is fixed at construction, and budgets are created once
 * in a concurrent map.
 */
public final class Retries {

    /** Attempts per request including the first when {@code max_attempts} is 0. */
    public static final int DEFAULT_MAX_ATTEMPTS = 2;

    /** Share of the window's requests that may be retried when {@code budget_percent} is 0. */
    public static final int DEFAULT_BUDGET_PERCENT = 20;

    /** Retries per second allowed whatever the share when {@code min_retries_per_second} is 0. */
    public static final int DEFAULT_MIN_RETRIES_PER_SECOND = 10;

    private final int maxAttempts;
    private final int budgetPercent;
    private final int minRetriesPerSecond;
    private final LongSupplier nanoClock;
    private final Map<String, RetryBudget> budgets = new ConcurrentHashMap<>();

    private Retries(int maxAttempts, int budgetPercent, int minRetriesPerSecond, LongSupplier nanoClock) {
        this.maxAttempts = maxAttempts;
        this.budgetPercent = budgetPercent;
        this.minRetriesPerSecond = minRetriesPerSecond;
        this.nanoClock = requireNonNull(nanoClock, "nanoClock");
    }

    /** Builds the policy of a validated {@code policy}, where 0 in a field takes its default. */
    public static Retries of(RetryPolicy policy, LongSupplier nanoClock) {
        requireNonNull(policy, "policy");
        return new Retries(policy.getMaxAttempts() == 0 ? DEFAULT_MAX_ATTEMPTS : policy.getMaxAttempts(),
                           policy.getBudgetPercent() == 0 ? DEFAULT_BUDGET_PERCENT : policy.getBudgetPercent(),
                           policy.getMinRetriesPerSecond() == 0 ? DEFAULT_MIN_RETRIES_PER_SECOND
                                                                : policy.getMinRetriesPerSecond(),
                           nanoClock);
    }

    /** Returns the attempts allowed per request, the first included. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * Returns the budget of a persona, created on first use.
     * NOTE: budgets of personas that a later revision removes stay until the access point stops.
     */
    public RetryBudget budget(String personaId) {
        return budgets.computeIfAbsent(requireNonNull(personaId, "personaId"),
                                       id -> new RetryBudget(budgetPercent, minRetriesPerSecond, nanoClock));
    }
}
