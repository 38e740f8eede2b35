package io.guise.fault;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether persona faults may be injected now. Two rules stop injection
 * while routing goes on:
 * <ol>
 *   <li>With a manager timeout set (an access point with a manager link), nothing
 *       is injected once the manager has been silent for longer than the timeout.
 *       Silence counts from construction, which is process start, so an access
 *       point that serves its state file and never reaches the manager stops
 *       injecting after the timeout too. Any message from the manager, heartbeats
 *       included, ends the silence at once.
 *   <li>A persona whose {@code fault_expires_at_ms} is set injects nothing from
 *       that wall-clock time on.
 * </ol>
 *
 * <p>Thread-safe. {@link #allowsInjection(long)} is the data path's check: a
 * volatile read and one or two clock reads compared with longs, no lock and no
 * allocation. {@link #tick()} turns the same rule into state changes for logs
 * and listeners. The access point runs it on a timer, and tests call it after
 * stepping their clocks. It is serialized on this object.
 */
public final class FaultSafety {

    private static final Logger logger = LoggerFactory.getLogger(FaultSafety.class);
    private static final long NO_TIMEOUT = Long.MAX_VALUE;

    private final String accessPointId;
    private final Clock wallClock;
    private final LongSupplier nanoClock;
    private final long timeoutNanos;
    private final Listener listener;
    private volatile long lastHeardNanos;
    // Written under the lock of this object: the state that tick() last reported.
    private volatile boolean suspended;

    private FaultSafety(Builder builder) {
        accessPointId = builder.accessPointId;
        wallClock = builder.wallClock;
        nanoClock = builder.nanoClock;
        timeoutNanos = builder.managerTimeout == null ? NO_TIMEOUT : builder.managerTimeout.toNanos();
        listener = builder.listener;
        lastHeardNanos = nanoClock.getAsLong();
    }

    /** Returns a builder: no manager timeout, the system clocks and no listener. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a safety without a manager timeout that reads the system clock for expiry times. */
    public static FaultSafety withoutManager() {
        return builder().build();
    }

    /**
     * Returns whether a persona whose faults expire at {@code expiresAtMillis}
     * (milliseconds since the Unix epoch, 0 for never) may inject now.
     */
    public boolean allowsInjection(long expiresAtMillis) {
        if (expiresAtMillis != 0 && wallClock.millis() >= expiresAtMillis) {
            return false;
        }
        return timeoutNanos == NO_TIMEOUT || nanoClock.getAsLong() - lastHeardNanos <= timeoutNanos;
    }

    /** Returns whether the manager has been silent for longer than the timeout right now. */
    public boolean managerSilent() {
        return timeoutNanos != NO_TIMEOUT && nanoClock.getAsLong() - lastHeardNanos > timeoutNanos;
    }

    /** Records that a message from the manager arrived, so injection may go on at once. */
    public void managerHeard() {
        lastHeardNanos = nanoClock.getAsLong();
        if (suspended) {
            tick();
        }
    }

    /** Returns the state that {@link #tick()} last reported: true while injection is suspended. */
    public boolean suspended() {
        return suspended;
    }

    /**
     * Compares the rule with the state last reported: logs at WARN and notifies the
     * listener when injection stops, and at INFO when it starts again.
     */
    public synchronized void tick() {
        final boolean silent = managerSilent();
        if (silent == suspended) {
            return;
        }
        suspended = silent;
        if (silent) {
            logger.warn("Access point {}: heard nothing from the manager for more than {} ms, so persona latency"
                        + " and errors are not injected until it is heard again", accessPointId,
                        Duration.ofNanos(timeoutNanos).toMillis());
        } else {
            logger.info("Access point {}: heard from the manager again, so persona latency and errors are"
                        + " injected again", accessPointId);
        }
        listener.onChange(silent);
    }

    /** Receiver of suspensions and resumptions, called under the lock of the safety. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = suspended -> { };

        /** Called with true when injection stops for lack of word from the manager, false when it resumes. */
        void onChange(boolean suspended);
    }

    /** Builds a {@link FaultSafety}. Not thread-safe. */
    public static final class Builder {
        private String accessPointId = "access-point";
        private Clock wallClock = Clock.systemUTC();
        private LongSupplier nanoClock = System::nanoTime;
        private Duration managerTimeout;
        private Listener listener = Listener.NONE;

        private Builder() {
        }

        /** Names the access point in log lines. */
        public Builder accessPointId(String accessPointId) {
            this.accessPointId = requireNonNull(accessPointId, "accessPointId");
            return this;
        }

        /** Sets the clock that {@code fault_expires_at_ms} is compared with. */
        public Builder wallClock(Clock wallClock) {
            this.wallClock = requireNonNull(wallClock, "wallClock");
            return this;
        }

        /** Sets the monotonic clock, in nanoseconds, that measures the manager's silence. */
        public Builder nanoClock(LongSupplier nanoClock) {
            this.nanoClock = requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        /** Sets the silence after which injection stops. Null, the default, never stops it. */
        public Builder managerTimeout(Duration managerTimeout) {
            if (managerTimeout != null && managerTimeout.isNegative()) {
                throw new IllegalArgumentException("managerTimeout: " + managerTimeout + " (expected: >= 0)");
            }
            this.managerTimeout = managerTimeout;
            return this;
        }

        public Builder listener(Listener listener) {
            this.listener = requireNonNull(listener, "listener");
            return this;
        }

        public FaultSafety build() {
            return new FaultSafety(this);
        }
    }
}
