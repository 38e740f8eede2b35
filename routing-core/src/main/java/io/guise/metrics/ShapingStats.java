package io.guise.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.Map;

/**
 * The {@code guise_shaping_decisions_total} counters of one persona, resolved once
 * so that the data path counts without a label lookup. Thread-safe.
 */
public final class ShapingStats {

    /** A traffic shaping decision about one request or connection. */
    public enum Decision {
        /** Took a concurrency slot on arrival, or passed with no limit in force. */
        ADMITTED("admitted"),
        /** Waited in the admission queue for a slot. */
        QUEUED("queued"),
        /** Refused by the admission limit or the subset budget. */
        SHED("shed"),
        /** Refused by the persona's token bucket. */
        RATE_LIMITED("rate_limited");

        private final String label;

        Decision(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final CounterDataPoint[] points = new CounterDataPoint[Decision.values().length];

    ShapingStats(Map<Decision, CounterDataPoint> points) {
        points.forEach((decision, point) -> this.points[decision.ordinal()] = point);
    }

    public void count(Decision decision) {
        points[decision.ordinal()].inc();
    }

    public long decisionCount(Decision decision) {
        return points[decision.ordinal()].getLongValue();
    }
}
