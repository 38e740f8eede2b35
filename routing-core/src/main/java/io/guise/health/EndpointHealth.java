package io.guise.health;

import static java.util.Objects.requireNonNull;

import io.guise.fault.SplitMix64;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local passive ejection for one access point: counts the consecutive failures of
 * each endpoint, by endpoint id, and takes an endpoint out of selection for a while
 * when they reach a threshold.
 *
 * <p>Rules:
 * <ol>
 *   <li>A failure (connect error, reset or timeout before a response, a 5xx response)
 *       adds one to the endpoint's consecutive failures; a success sets them to 0.
 *   <li>At {@code consecutiveFailures} failures the endpoint is ejected for
 *       {@code baseEjection × ejectionCount}, where {@code ejectionCount} counts this
 *       ejection too. That time gets a uniform jitter of ± {@code jitterPercent} from a
 *       seeded {@link SplitMix64}, and is then capped at {@code maxEjection}.
 *   <li>An ejection that would leave more than {@code maxEjectionPercent} of a pool
 *       ejected does not happen; the endpoint's count starts again from 0.
 *   <li>When the time is over the endpoint becomes ready for a probe. The next pick
 *       in a pool that contains it sends exactly one request there. A success restores
 *       the endpoint; a failure ejects it again for the next, longer time.
 *   <li>The ejection count never decays, so an endpoint that keeps failing after
 *       long healthy periods still gets longer ejections, up to the cap.
 * </ol>
 *
 * <p>Thread-safe. Results are recorded from any event loop: a success or a failure
 * below the threshold is one atomic read or update, without locks or allocation.
 * State changes (eject, ready for a probe, restore) are rare and run under the lock
 * of this object. Each change increments {@link #version()}, so readers such as a
 * persona route rebuild their selection plan only when it moved.
 */
public final class EndpointHealth implements EndpointHealthView {

    public static final int DEFAULT_CONSECUTIVE_FAILURES = 5;
    public static final Duration DEFAULT_BASE_EJECTION = Duration.ofSeconds(30);
    public static final Duration DEFAULT_MAX_EJECTION = Duration.ofMinutes(5);
    public static final int DEFAULT_MAX_EJECTION_PERCENT = 50;
    public static final int DEFAULT_JITTER_PERCENT = 10;

    private static final Logger logger = LoggerFactory.getLogger(EndpointHealth.class);

    private static final int ACTIVE = 0;
    private static final int EJECTED = 1;
    private static final int PROBE_READY = 2;
    private static final int PROBING = 3;

    private final String accessPointId;
    private final int consecutiveFailures;
    private final long baseEjectionNanos;
    private final long maxEjectionNanos;
    private final int maxEjectionPercent;
    private final int jitterPercent;
    private final LongSupplier nanoClock;
    private final Listener listener;
    private final Map<String, Member> members = new ConcurrentHashMap<>();
    private final AtomicLong version = new AtomicLong();
    // Clock time at which the earliest ejection ends, or Long.MAX_VALUE when none is running.
    private volatile long nextExpiryNanos = Long.MAX_VALUE;
    // Endpoint id to the member lists of every pool that contains it. Replaced as a whole.
    private volatile Map<String, List<List<String>>> poolsByEndpoint = Map.of();
    // Guarded by this.
    private final SplitMix64 random;

    private EndpointHealth(Builder builder) {
        accessPointId = builder.accessPointId;
        consecutiveFailures = builder.consecutiveFailures;
        baseEjectionNanos = builder.baseEjection.toNanos();
        maxEjectionNanos = builder.maxEjection.toNanos();
        maxEjectionPercent = builder.maxEjectionPercent;
        jitterPercent = builder.jitterPercent;
        nanoClock = builder.nanoClock;
        listener = builder.listener;
        random = new SplitMix64(builder.seed);
    }

    /** Returns a builder with the documented defaults, {@link System#nanoTime()} and seed 0. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the record of an endpoint, created on first use. Callers keep it, because each lookup hashes the id. */
    public Member member(String endpointId) {
        requireNonNull(endpointId, "endpointId");
        return members.computeIfAbsent(endpointId, Member::new);
    }

    /** Returns a read-only view of this tracker that cannot record results or change pools. */
    public EndpointHealthView view() {
        final EndpointHealth health = this;
        return new EndpointHealthView() {
            @Override
            public boolean isEjected(String endpointId) {
                return health.isEjected(endpointId);
            }

            @Override
            public boolean inEjectionPeriod(String endpointId) {
                return health.inEjectionPeriod(endpointId);
            }

            @Override
            public int ejectionCount(String endpointId) {
                return health.ejectionCount(endpointId);
            }

            @Override
            public int consecutiveFailures(String endpointId) {
                return health.consecutiveFailures(endpointId);
            }

            @Override
            public long lastEjectionNanos(String endpointId) {
                return health.lastEjectionNanos(endpointId);
            }
        };
    }

    /** Returns a number that changes whenever an endpoint is ejected, ready for a probe or restored. */
    public long version() {
        return version.get();
    }

    /**
     * Replaces the pools that the max ejection share applies to: each list contains the
     * endpoint ids of one pool. An endpoint in no pool has no share limit. Call it
     * before a new routing table takes traffic.
     */
    public void setPools(Collection<List<String>> pools) {
        // NOTE: ejections already running stay when a new pool list makes them exceed the share.
        final Map<String, List<List<String>>> byEndpoint = new HashMap<>();
        for (List<String> pool : pools) {
            final List<String> frozen = List.copyOf(pool);
            for (String id : frozen) {
                byEndpoint.computeIfAbsent(id, key -> new ArrayList<>()).add(frozen);
            }
        }
        poolsByEndpoint = Map.copyOf(byEndpoint);
    }

    /**
     * Makes endpoints whose ejection time is over ready for a probe. Cheap when none
     * is due: one clock read and one volatile read. The data path calls it per pick.
     */
    public void checkExpiry() {
        if (nextExpiryNanos != Long.MAX_VALUE && nanoClock.getAsLong() - nextExpiryNanos >= 0) {
            expire();
        }
    }

    /**
     * Sets whether the endpoint fails its active health check, which keeps it out of
     * selection (outside panic mode) without ejecting it. Moves {@link #version()}
     * when the state changes.
     */
    public void setActiveCheckFailing(String endpointId, boolean failing) {
        final Member member = member(endpointId);
        if (member.activeCheckFailing != failing) {
            member.activeCheckFailing = failing;
            version.incrementAndGet();
        }
    }

    /** Returns whether the endpoint is out of selection: ejected, or waiting for or running a probe. */
    @Override
    public boolean isEjected(String endpointId) {
        final Member member = members.get(endpointId);
        return member != null && member.isEjected();
    }

    /**
     * Returns whether the endpoint's ejection time is still running. Unlike
     * {@link #isEjected}, this is false once the time is over and the endpoint only
     * waits for a probe, which needs traffic to happen.
     */
    @Override
    public boolean inEjectionPeriod(String endpointId) {
        final Member member = members.get(endpointId);
        return member != null && member.state.get() == EJECTED
               && nanoClock.getAsLong() - member.ejectedUntilNanos < 0;
    }

    /** Returns how many times the endpoint was ejected since start, probe failures included. */
    @Override
    public int ejectionCount(String endpointId) {
        final Member member = members.get(endpointId);
        return member == null ? 0 : member.ejectionCount;
    }

    /** Returns the endpoint's current run of failures. */
    @Override
    public int consecutiveFailures(String endpointId) {
        final Member member = members.get(endpointId);
        return member == null ? 0 : member.failures.get();
    }

    /** Returns the clock time in nanoseconds of the endpoint's last ejection, or -1 when it was never ejected. */
    @Override
    public long lastEjectionNanos(String endpointId) {
        final Member member = members.get(endpointId);
        return member == null || member.ejectionCount == 0 ? -1 : member.lastEjectionNanos;
    }

    private synchronized void expire() {
        final long now = nanoClock.getAsLong();
        long next = Long.MAX_VALUE;
        boolean changed = false;
        for (Member member : members.values()) {
            if (member.state.get() != EJECTED) {
                continue;
            }
            if (now - member.ejectedUntilNanos >= 0) {
                member.state.set(PROBE_READY);
                changed = true;
                logger.info("Access point {}: endpoint {} ejection over; next request probes it",
                            accessPointId, member.endpointId);
            } else if (member.ejectedUntilNanos - next < 0 || next == Long.MAX_VALUE) {
                next = member.ejectedUntilNanos;
            }
        }
        nextExpiryNanos = next;
        if (changed) {
            version.incrementAndGet();
        }
    }

    private synchronized void tryEject(Member member, int failures) {
        if (member.state.get() != ACTIVE || member.failures.get() < consecutiveFailures) {
            return;
        }
        if (!shareAllows(member.endpointId)) {
            member.failures.set(0);
            logger.info("Access point {}: endpoint {} kept in after {} consecutive failures: ejecting it would "
                        + "exceed {}% of its pool", accessPointId, member.endpointId, failures, maxEjectionPercent);
            return;
        }
        eject(member, failures);
    }

    private synchronized void probeFailed(Member member) {
        if (member.state.get() == PROBING) {
            eject(member, member.failures.get() + 1);
        }
    }

    private synchronized void probeSucceeded(Member member) {
        if (member.state.compareAndSet(PROBING, ACTIVE)) {
            member.failures.set(0);
            version.incrementAndGet();
            logger.info("Access point {}: endpoint {} restored after a successful probe (ejected {} times)",
                        accessPointId, member.endpointId, member.ejectionCount);
            listener.onRestore(member.endpointId);
        }
    }

    // Called under the lock.
    private void eject(Member member, int failures) {
        final long now = nanoClock.getAsLong();
        member.ejectionCount++;
        final long ejectionNanos = ejectionNanos(member.ejectionCount);
        member.ejectedUntilNanos = now + ejectionNanos;
        member.lastEjectionNanos = now;
        member.failures.set(0);
        member.state.set(EJECTED);
        if (nextExpiryNanos == Long.MAX_VALUE || member.ejectedUntilNanos - nextExpiryNanos < 0) {
            nextExpiryNanos = member.ejectedUntilNanos;
        }
        version.incrementAndGet();
        final Duration time = Duration.ofNanos(ejectionNanos);
        logger.info("Access point {}: endpoint {} ejected for {} ms after {} consecutive failures (ejection {})",
                    accessPointId, member.endpointId, time.toMillis(), failures, member.ejectionCount);
        listener.onEject(member.endpointId, failures, time);
    }

    /** Returns the jittered, capped ejection time of the n-th ejection. Called under the lock. */
    long ejectionNanos(int ejectionCount) {
        final long grown = ejectionCount > maxEjectionNanos / baseEjectionNanos
                           ? maxEjectionNanos : baseEjectionNanos * ejectionCount;
        final double factor = 1 + jitterPercent / 100.0 * (2 * random.nextDouble() - 1);
        return Math.min(maxEjectionNanos, Math.max(1, (long) (Math.min(grown, maxEjectionNanos) * factor)));
    }

    /** Returns whether one more ejection of the endpoint keeps every pool holding it within the share. */
    private boolean shareAllows(String endpointId) {
        final List<List<String>> pools = poolsByEndpoint.get(endpointId);
        if (pools == null) {
            return true;
        }
        for (List<String> pool : pools) {
            int ejected = 1;
            for (String other : pool) {
                if (!other.equals(endpointId) && isEjected(other)) {
                    ejected++;
                }
            }
            if ((long) ejected * 100 > (long) pool.size() * maxEjectionPercent) {
                return false;
            }
        }
        return true;
    }

    /**
     * The record of one endpoint, which the data path keeps next to the endpoint's
     * address. Thread-safe.
     */
    public final class Member {

        private final String endpointId;
        private final AtomicInteger state = new AtomicInteger(ACTIVE);
        private final AtomicInteger failures = new AtomicInteger();
        // Written under the lock of EndpointHealth, and volatile for readers without it.
        private volatile int ejectionCount;
        private volatile long ejectedUntilNanos;
        private volatile long lastEjectionNanos;
        private volatile boolean activeCheckFailing;

        private Member(String endpointId) {
            this.endpointId = endpointId;
        }

        public String endpointId() {
            return endpointId;
        }

        /**
         * Records a success. It ends a probe with a restore, and otherwise clears the run
         * of failures. While the endpoint is ejected, a success changes nothing.
         */
        public void recordSuccess() {
            final int current = state.get();
            if (current == PROBING) {
                probeSucceeded(this);
            } else if (current == ACTIVE && failures.get() != 0) {
                failures.set(0);
            }
        }

        /**
         * Records a failure. It ends a probe with a new ejection, and otherwise counts
         * toward the threshold. Failures while ejected are not counted.
         */
        public void recordFailure() {
            final int current = state.get();
            if (current == PROBING) {
                probeFailed(this);
            } else if (current == ACTIVE) {
                final int count = failures.incrementAndGet();
                if (count >= consecutiveFailures) {
                    tryEject(this, count);
                }
            }
        }

        /** Returns whether the endpoint is out of selection. */
        public boolean isEjected() {
            return state.get() != ACTIVE;
        }

        /** Returns whether the endpoint's active health check keeps it out of selection. */
        public boolean activeCheckFailing() {
            return activeCheckFailing;
        }

        /** Returns whether the endpoint waits for a probe. */
        public boolean probeReady() {
            return state.get() == PROBE_READY;
        }

        /** Claims the one probe of an endpoint ready for it, returning true for exactly one caller. */
        public boolean tryStartProbe() {
            return state.compareAndSet(PROBE_READY, PROBING);
        }
    }

    /** Receiver of ejections and restores, called on the thread that caused them, under the lock. */
    public interface Listener {
        Listener NONE = new Listener() {
            @Override
            public void onEject(String endpointId, int consecutiveFailures, Duration ejectionTime) {
            }

            @Override
            public void onRestore(String endpointId) {
            }
        };

        void onEject(String endpointId, int consecutiveFailures, Duration ejectionTime);

        void onRestore(String endpointId);
    }

    /** Builds an {@link EndpointHealth}. Not thread-safe. */
    public static final class Builder {

        private String accessPointId = "access-point";
        private int consecutiveFailures = DEFAULT_CONSECUTIVE_FAILURES;
        private Duration baseEjection = DEFAULT_BASE_EJECTION;
        private Duration maxEjection = DEFAULT_MAX_EJECTION;
        private int maxEjectionPercent = DEFAULT_MAX_EJECTION_PERCENT;
        private int jitterPercent = DEFAULT_JITTER_PERCENT;
        private long seed;
        private LongSupplier nanoClock = System::nanoTime;
        private Listener listener = Listener.NONE;

        private Builder() {
        }

        /** Names the access point in log lines. */
        public Builder accessPointId(String accessPointId) {
            this.accessPointId = requireNonNull(accessPointId, "accessPointId");
            return this;
        }

        public Builder consecutiveFailures(int consecutiveFailures) {
            if (consecutiveFailures < 1) {
                throw new IllegalArgumentException(
                        "consecutiveFailures: " + consecutiveFailures + " (expected: >= 1)");
            }
            this.consecutiveFailures = consecutiveFailures;
            return this;
        }

        public Builder baseEjection(Duration baseEjection) {
            requireNonNull(baseEjection, "baseEjection");
            if (baseEjection.isNegative() || baseEjection.isZero()) {
                throw new IllegalArgumentException("baseEjection: " + baseEjection + " (expected: > 0)");
            }
            this.baseEjection = baseEjection;
            return this;
        }

        public Builder maxEjection(Duration maxEjection) {
            requireNonNull(maxEjection, "maxEjection");
            if (maxEjection.isNegative() || maxEjection.isZero()) {
                throw new IllegalArgumentException("maxEjection: " + maxEjection + " (expected: > 0)");
            }
            this.maxEjection = maxEjection;
            return this;
        }

        public Builder maxEjectionPercent(int maxEjectionPercent) {
            if (maxEjectionPercent < 0 || maxEjectionPercent > 100) {
                throw new IllegalArgumentException(
                        "maxEjectionPercent: " + maxEjectionPercent + " (expected: 0-100)");
            }
            this.maxEjectionPercent = maxEjectionPercent;
            return this;
        }

        public Builder jitterPercent(int jitterPercent) {
            if (jitterPercent < 0 || jitterPercent > 50) {
                throw new IllegalArgumentException("jitterPercent: " + jitterPercent + " (expected: 0-50)");
            }
            this.jitterPercent = jitterPercent;
            return this;
        }

        /** Seeds the jitter source, so one seed gives the same ejection times in every run. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Sets the clock in nanoseconds, which tests step by hand. Only differences matter. */
        public Builder nanoClock(LongSupplier nanoClock) {
            this.nanoClock = requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        public Builder listener(Listener listener) {
            this.listener = requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Builds the health tracker.
         *
         * @throws IllegalArgumentException when maxEjection is shorter than baseEjection
         */
        public EndpointHealth build() {
            if (maxEjection.compareTo(baseEjection) < 0) {
                throw new IllegalArgumentException("maxEjection: " + maxEjection
                                                   + " (expected: at least baseEjection, " + baseEjection + ")");
            }
            return new EndpointHealth(this);
        }
    }
}
