package io.guise.manager.health;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * A WARN line that is logged at most once per interval; the lines suppressed in
 * between are counted and reported with the next one. Thread-safe.
 */
public final class RateLimitedWarning {

    private final Logger logger;
    private final Clock clock;
    private final long intervalMillis;
    private long nextAllowedMillis = Long.MIN_VALUE;
    private long suppressed;

    public RateLimitedWarning(Logger logger, Clock clock, Duration interval) {
        this.logger = requireNonNull(logger, "logger");
        this.clock = requireNonNull(clock, "clock");
        this.intervalMillis = requireNonNull(interval, "interval").toMillis();
    }

    /** Logs {@code message} unless a line was logged within the interval. */
    public void warn(String message) {
        final long suppressedBefore;
        synchronized (this) {
            final long now = clock.millis();
            if (now < nextAllowedMillis) {
                suppressed++;
                return;
            }
            nextAllowedMillis = now + intervalMillis;
            suppressedBefore = suppressed;
            suppressed = 0;
        }
        if (suppressedBefore > 0) {
            logger.warn("{} ({} similar lines suppressed since the last one)", message, suppressedBefore);
        } else {
            logger.warn(message);
        }
    }
}
