package io.guise.health;

import static java.util.Objects.requireNonNull;

import io.guise.proto.ActiveHealthCheck;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checks of the endpoints in checked pools. Every check interval
 * each endpoint gets one check through a {@link Probe} (a TCP connect or an HTTP
 * GET). An endpoint starts healthy; after {@code unhealthy_threshold} failed
 * checks in a row it leaves selection, and after {@code healthy_threshold}
 * passed checks in a row it comes back. Leaving selection marks the endpoint
 * unhealthy in {@link EndpointHealth}, so pools keep their panic behaviour: when
 * every endpoint of a pool is out, traffic spreads over all of them.
 *
 * <p>Not thread-safe: {@link #tick()} and the probes' result callbacks run on one
 * thread, an event loop of the access point in production and the test thread in
 * unit tests. {@link #state(String)} may be called from any thread. Each tick
 * reads the endpoints in use, follows their changes, times out checks that ran
 * too long and starts the checks that are due on the injected clock.
 */
public final class ActiveHealthChecker {

    /** Value of {@link #state(String)} for an endpoint that passes its check. */
    public static final String HEALTHY = "HEALTHY";
    /** Value of {@link #state(String)} for an endpoint that its check keeps out of selection. */
    public static final String UNHEALTHY = "UNHEALTHY";

    private static final Logger logger = LoggerFactory.getLogger(ActiveHealthChecker.class);

    private final String accessPointId;
    private final Map<String, Settings> settingsByPool;
    private final Probe probe;
    private final LongSupplier nanoClock;
    private final EndpointHealth health;
    private final Listener listener;
    private final Supplier<List<Target>> targets;
    private final Map<String, Checked> checked = new LinkedHashMap<>();
    // Endpoint id to HEALTHY or UNHEALTHY, for readers on other threads.
    private final Map<String, String> states = new ConcurrentHashMap<>();
    private List<Target> seenTargets;

    /**
     * Creates a checker of the pools that {@code checks} name.
     *
     * @param targets the endpoints in use, read on every tick; a new list
     *     object means they changed
     * @param probe runs one check and reports its result on the checker's thread
     * @param nanoClock monotonic time in nanoseconds
     * @param health where endpoints failing their check are marked out of selection
     */
    public ActiveHealthChecker(String accessPointId, List<ActiveHealthCheck> checks, Supplier<List<Target>> targets,
                               Probe probe, LongSupplier nanoClock, EndpointHealth health, Listener listener) {
        this.accessPointId = requireNonNull(accessPointId, "accessPointId");
        this.targets = requireNonNull(targets, "targets");
        this.probe = requireNonNull(probe, "probe");
        this.nanoClock = requireNonNull(nanoClock, "nanoClock");
        this.health = requireNonNull(health, "health");
        this.listener = requireNonNull(listener, "listener");
        final Map<String, Settings> byPool = new HashMap<>();
        for (ActiveHealthCheck check : checks) {
            byPool.put(check.getPool(), Settings.of(check));
        }
        settingsByPool = Map.copyOf(byPool);
    }

    /** Returns the shortest check interval, which suits as the tick period's upper bound. */
    public Duration shortestInterval() {
        return settingsByPool.values().stream().map(Settings::interval).min(Duration::compareTo)
                .orElse(Duration.ofMillis(Settings.DEFAULT_INTERVAL_MS));
    }

    /**
     * Returns the endpoint's active check state: {@link #HEALTHY}, {@link #UNHEALTHY},
     * or "" when its pool has no check. Thread-safe.
     */
    public String state(String endpointId) {
        return states.getOrDefault(endpointId, "");
    }

    /** Follows the endpoints in use, fails checks past their timeout and starts the checks that are due. */
    public void tick() {
        final List<Target> current = targets.get();
        if (current != seenTargets) {
            follow(current);
            seenTargets = current;
        }
        final long now = nanoClock.getAsLong();
        for (Checked endpoint : checked.values()) {
            if (endpoint.inFlight && now - endpoint.startedNanos >= endpoint.settings.timeout.toNanos()) {
                complete(endpoint, endpoint.generation, false);
            }
            if (!endpoint.inFlight && now - endpoint.nextCheckNanos >= 0) {
                start(endpoint, now);
            }
        }
    }

    /** Checks the endpoints of checked pools among {@code targets}, keeping the state of those that stay. */
    private void follow(List<Target> targets) {
        final Map<String, Checked> next = new LinkedHashMap<>();
        for (Target target : targets) {
            final Settings settings = settingsByPool.get(target.pool());
            if (settings == null || next.containsKey(target.endpointId())) {
                continue;
            }
            Checked current = checked.get(target.endpointId());
            if (current == null) {
                current = new Checked(target.endpointId(), nanoClock.getAsLong());
                states.put(target.endpointId(), HEALTHY);
                listener.onStateChange(target.endpointId(), true);
            }
            current.settings = settings;
            current.address = target.address();
            next.put(target.endpointId(), current);
        }
        for (Checked gone : checked.values()) {
            if (!next.containsKey(gone.endpointId)) {
                // Late results of a check in flight are ignored from now on.
                gone.generation++;
                states.remove(gone.endpointId);
                health.setActiveCheckFailing(gone.endpointId, false);
            }
        }
        checked.clear();
        checked.putAll(next);
    }

    private void start(Checked endpoint, long now) {
        endpoint.inFlight = true;
        endpoint.startedNanos = now;
        endpoint.nextCheckNanos = now + endpoint.settings.interval.toNanos();
        final int generation = ++endpoint.generation;
        probe.check(endpoint.address, endpoint.settings, passed -> complete(endpoint, generation, passed));
    }

    private void complete(Checked endpoint, int generation, boolean passed) {
        if (!endpoint.inFlight || endpoint.generation != generation) {
            return;
        }
        endpoint.inFlight = false;
        listener.onCheck(endpoint.endpointId, passed);
        final Settings settings = endpoint.settings;
        if (passed) {
            endpoint.failures = 0;
            if (!endpoint.healthy && ++endpoint.passes >= settings.healthyThreshold) {
                endpoint.healthy = true;
                endpoint.passes = 0;
                changeState(endpoint, true);
            }
        } else {
            endpoint.passes = 0;
            if (endpoint.healthy && ++endpoint.failures >= settings.unhealthyThreshold) {
                endpoint.healthy = false;
                endpoint.failures = 0;
                changeState(endpoint, false);
            }
        }
    }

    private void changeState(Checked endpoint, boolean healthy) {
        states.put(endpoint.endpointId, healthy ? HEALTHY : UNHEALTHY);
        health.setActiveCheckFailing(endpoint.endpointId, !healthy);
        if (healthy) {
            logger.info("Access point {}: endpoint {} passed {} {} checks in a row, so it is back in selection",
                        accessPointId, endpoint.endpointId, endpoint.settings.healthyThreshold,
                        endpoint.settings.type);
        } else {
            logger.info("Access point {}: endpoint {} failed {} {} checks in a row, so it is out of selection"
                        + " until {} checks in a row pass",
                        accessPointId, endpoint.endpointId, endpoint.settings.unhealthyThreshold,
                        endpoint.settings.type, endpoint.settings.healthyThreshold);
        }
        listener.onStateChange(endpoint.endpointId, healthy);
    }

    /** The check state of one endpoint, owned by the checker's thread. */
    private static final class Checked {
        final String endpointId;
        Settings settings;
        InetSocketAddress address;
        boolean healthy = true;
        int passes;
        int failures;
        boolean inFlight;
        long startedNanos;
        long nextCheckNanos;
        // Moves with every check started, so a result that arrives after its timeout is ignored.
        int generation;

        Checked(String endpointId, long nowNanos) {
            this.endpointId = endpointId;
            this.nextCheckNanos = nowNanos;
        }
    }

    /**
     * An endpoint in use: its id, its pool ({@code Endpoint.pool}) and the address
     * that routes reach it at. Immutable.
     */
    public record Target(String endpointId, String pool, InetSocketAddress address) {
        public Target {
            requireNonNull(endpointId, "endpointId");
            requireNonNull(pool, "pool");
            requireNonNull(address, "address");
        }
    }

    /** The kind of check. */
    public enum Type {
        /** A TCP connect that succeeds. */
        TCP,
        /** An HTTP GET whose response has the expected status. */
        HTTP
    }

    /**
     * The check of one pool, with the defaults of {@code ActiveHealthCheck} applied.
     * Immutable.
     */
    public record Settings(Type type, String path, int expectedStatus, Duration interval, Duration timeout,
                           int healthyThreshold, int unhealthyThreshold) {

        static final int DEFAULT_INTERVAL_MS = 5000;
        static final int DEFAULT_TIMEOUT_MS = 1000;
        static final int DEFAULT_HEALTHY_THRESHOLD = 2;
        static final int DEFAULT_UNHEALTHY_THRESHOLD = 3;

        public Settings {
            requireNonNull(type, "type");
            requireNonNull(path, "path");
            requireNonNull(interval, "interval");
            requireNonNull(timeout, "timeout");
        }

        /**
         * Reads a validated check, where 0 or empty takes the default.
         *
         * @throws IllegalArgumentException when the type is neither "TCP" nor "HTTP"
         */
        public static Settings of(ActiveHealthCheck check) {
            final Type type = switch (check.getType()) {
                case "TCP" -> Type.TCP;
                case "HTTP" -> Type.HTTP;
                default -> throw new IllegalArgumentException("health_checks type: \"" + check.getType()
                                                              + "\" (expected: \"TCP\" or \"HTTP\")");
            };
            return new Settings(type, check.getPath().isEmpty() ? "/" : check.getPath(),
                                check.getExpectedStatus() == 0 ? 200 : check.getExpectedStatus(),
                                Duration.ofMillis(orDefault(check.getIntervalMs(), DEFAULT_INTERVAL_MS)),
                                Duration.ofMillis(orDefault(check.getTimeoutMs(), DEFAULT_TIMEOUT_MS)),
                                orDefault(check.getHealthyThreshold(), DEFAULT_HEALTHY_THRESHOLD),
                                orDefault(check.getUnhealthyThreshold(), DEFAULT_UNHEALTHY_THRESHOLD));
        }

        private static int orDefault(int value, int defaultValue) {
            return value == 0 ? defaultValue : value;
        }
    }

    /** Runs one check; implementations enforce the timeout themselves too, so connections do not linger. */
    @FunctionalInterface
    public interface Probe {
        /**
         * Starts a check of {@code address}. Calls {@code done} once, on the
         * checker's thread, with whether the check passed; it may call it before
         * returning.
         */
        void check(InetSocketAddress address, Settings settings, Result done);
    }

    /** The outcome callback of one check. */
    @FunctionalInterface
    public interface Result {
        void completed(boolean passed);
    }

    /** Receiver of check results and state changes, called on the checker's thread. */
    public interface Listener {
        Listener NONE = new Listener() {
            @Override
            public void onCheck(String endpointId, boolean passed) {
            }

            @Override
            public void onStateChange(String endpointId, boolean healthy) {
            }
        };

        /** Called after every check. */
        void onCheck(String endpointId, boolean passed);

        /** Called when an endpoint starts being checked (healthy) and on every change of its state. */
        void onStateChange(String endpointId, boolean healthy);
    }
}
