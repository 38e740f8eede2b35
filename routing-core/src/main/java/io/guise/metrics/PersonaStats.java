package io.guise.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.EnumMap;
import java.util.Map;

/**
 * Request counters of one persona on one listener mode, resolved once so that the
 * data path increments a counter without a label lookup. Injected faults also
 * count in the persona's health report interval, which both modes share.
 * Thread-safe.
 */
public final class PersonaStats {

    private final CounterDataPoint[] outcomes;
    private final CounterDataPoint injectedErrors;
    private final CounterDataPoint injectedLatency;
    private final CounterDataPoint panicPicks;
    private final IntervalStats interval;

    PersonaStats(Map<RequestOutcome, CounterDataPoint> outcomes, CounterDataPoint injectedErrors,
                 CounterDataPoint injectedLatency, CounterDataPoint panicPicks, IntervalStats interval) {
        this.outcomes = new CounterDataPoint[RequestOutcome.values().length];
        new EnumMap<>(outcomes).forEach((outcome, point) -> this.outcomes[outcome.ordinal()] = point);
        this.injectedErrors = injectedErrors;
        this.injectedLatency = injectedLatency;
        this.panicPicks = panicPicks;
        this.interval = interval;
    }

    public void count(RequestOutcome outcome) {
        outcomes[outcome.ordinal()].inc();
    }

    public long outcomeCount(RequestOutcome outcome) {
        return outcomes[outcome.ordinal()].getLongValue();
    }

    public void countInjectedError() {
        injectedErrors.inc();
        interval.recordInjectedFault();
    }

    public void countInjectedLatency() {
        injectedLatency.inc();
        interval.recordInjectedFault();
    }

    public void countPanicPick() {
        panicPicks.inc();
    }
}
