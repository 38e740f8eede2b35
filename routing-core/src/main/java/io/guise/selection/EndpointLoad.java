package io.guise.selection;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The load of one endpoint as measured by one access point: requests outstanding and
 * a moving average of response latency that decays in time, for P2C picks.
 *
 * <p>The average follows time, not sample count: at time {@code t} a value
 * {@code v} recorded at {@code t0} reads as {@code v * exp(-(t - t0) / decay)},
 * so an endpoint that gets no samples drifts towards zero cost and is tried again.
 * A sample {@code s} at {@code t} stores {@code read(t) + s * (1 - exp(-(t - t0) / decay))},
 * so the stored value converges to the samples whatever their rate. The first
 * sample is stored as it is.
 *
 * <p>Thread-safe and lock-free. Any event loop may count a dispatch or a
 * completion, and reads allocate nothing. A sample publishes a new immutable
 * (value, time) pair with a compare-and-set, which allocates one small object.
 */
public final class EndpointLoad {

    private final LongSupplier nanoClock;
    private final AtomicInteger outstanding = new AtomicInteger();
    private final AtomicReference<Sample> average = new AtomicReference<>();

    /** Creates the load of an endpoint with no samples and nothing outstanding. */
    public EndpointLoad(LongSupplier nanoClock) {
        this.nanoClock = requireNonNull(nanoClock, "nanoClock");
    }

    /** Counts a request or connection sent to the endpoint. */
    public void dispatched() {
        outstanding.incrementAndGet();
    }

    /** Counts the end of a request or connection counted by {@link #dispatched()}. */
    public void completed() {
        outstanding.decrementAndGet();
    }

    /** Returns the requests or connections dispatched and not yet completed. */
    public int outstanding() {
        return outstanding.get();
    }

    /** Returns the clock reading that {@link #latencyNanos} expects. */
    public long nowNanos() {
        return nanoClock.getAsLong();
    }

    /** Adds a latency sample taken now to the average with decay time {@code decayNanos}, > 0. */
    public void recordLatency(long latencyNanos, long decayNanos) {
        final long now = nanoClock.getAsLong();
        final double sample = Math.max(0, latencyNanos);
        while (true) {
            final Sample previous = average.get();
            final double value;
            if (previous == null) {
                value = sample;
            } else {
                final double weight = weight(previous, now, decayNanos);
                value = previous.value * weight + sample * (1 - weight);
            }
            // A racing sample taken later keeps its time, so the stored time never goes back.
            final long at = previous == null || now > previous.atNanos ? now : previous.atNanos;
            if (average.compareAndSet(previous, new Sample(value, at))) {
                return;
            }
        }
    }

    /**
     * Returns the average latency in nanoseconds at {@code nowNanos}, decayed with
     * {@code decayNanos} since the last sample, or NaN when there is no sample.
     */
    public double latencyNanos(long nowNanos, long decayNanos) {
        final Sample current = average.get();
        return current == null ? Double.NaN : current.value * weight(current, nowNanos, decayNanos);
    }

    /** Returns the share of a value recorded in {@code sample} that is left at {@code nowNanos}. */
    private static double weight(Sample sample, long nowNanos, long decayNanos) {
        final long elapsed = nowNanos - sample.atNanos;
        return elapsed <= 0 ? 1.0 : Math.exp(-(double) elapsed / decayNanos);
    }

    private record Sample(double value, long atNanos) {}
}
