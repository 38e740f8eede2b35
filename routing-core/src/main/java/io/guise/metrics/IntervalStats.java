package io.guise.metrics;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.WriterReaderPhaser;

/**
 * Figures of one endpoint or one persona in the current health report
 * interval: successes, failures, timeouts, injected faults and a histogram of
 * response times in microseconds. {@link #drain()} ends the interval and starts
 * the next one.
 *
 * <p>Thread-safe. Writers on any event loop are wait-free: each record enters a
 * {@link WriterReaderPhaser} critical section, bumps atomic counters and records
 * into a {@link ConcurrentHistogram}, and allocates nothing except when the
 * histogram grows its range. Each half creates its histogram at its first
 * response, so the many personas of a large table that see no traffic cost a few
 * counters each, not a histogram. Every record lands whole in one interval, so the
 * histogram count of an interval always equals the responses counted in it.
 * {@link #drain()} swaps the active half with the idle one and waits for the
 * writers of the old half to leave; calls to it are serialized on this object.
 */
public final class IntervalStats {

    // Two digits keep every value within 1%, enough to compare endpoints and canary arms, at an
    // eighth of the memory of three digits: a few kilobytes per histogram instead of tens.
    private static final int SIGNIFICANT_DIGITS = 2;

    private final WriterReaderPhaser phaser = new WriterReaderPhaser();
    private volatile Half active = new Half();
    // Guarded by this: the half that writers no longer touch.
    private Half idle = new Half();

    /** Records a response that the endpoint completed, a failure when {@code failed} (a 5xx response). */
    public void recordResponse(long latencyNanos, boolean failed) {
        final long stamp = phaser.writerCriticalSectionEnter();
        try {
            final Half half = active;
            half.latency().recordValue(Math.max(0, latencyNanos / 1000));
            (failed ? half.failures : half.successes).incrementAndGet();
        } finally {
            phaser.writerCriticalSectionExit(stamp);
        }
    }

    /** Records a failure without a response time: a connect error or a reset. */
    public void recordFailure() {
        count(CounterKind.FAILURE);
    }

    /** Records a response that did not arrive within the response timeout. */
    public void recordTimeout() {
        count(CounterKind.TIMEOUT);
    }

    /** Records an injected persona fault: a delay or an error the persona's profile added. */
    public void recordInjectedFault() {
        count(CounterKind.INJECTED);
    }

    private void count(CounterKind kind) {
        final long stamp = phaser.writerCriticalSectionEnter();
        try {
            final Half half = active;
            switch (kind) {
                case FAILURE -> half.failures.incrementAndGet();
                case TIMEOUT -> half.timeouts.incrementAndGet();
                case INJECTED -> half.injectedFaults.incrementAndGet();
            }
        } finally {
            phaser.writerCriticalSectionExit(stamp);
        }
    }

    /** Ends the current interval, starts the next, and returns what the ended one saw. */
    public synchronized Interval drain() {
        phaser.readerLock();
        try {
            final Half ended = active;
            idle.reset();
            active = idle;
            phaser.flipPhase();
            idle = ended;
            return ended.toInterval();
        } finally {
            phaser.readerUnlock();
        }
    }

    private enum CounterKind { FAILURE, TIMEOUT, INJECTED }

    private static final java.lang.invoke.VarHandle LATENCY;

    static {
        try {
            LATENCY = java.lang.invoke.MethodHandles.lookup()
                    .findVarHandle(Half.class, "latencyMicros", ConcurrentHistogram.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One interval's counters and histogram. */
    private static final class Half {
        final AtomicLong successes = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicLong timeouts = new AtomicLong();
        final AtomicLong injectedFaults = new AtomicLong();
        // Null until the first response of this half; set once, then kept across intervals.
        volatile ConcurrentHistogram latencyMicros;

        ConcurrentHistogram latency() {
            final ConcurrentHistogram existing = latencyMicros;
            if (existing != null) {
                return existing;
            }
            final ConcurrentHistogram created = new ConcurrentHistogram(SIGNIFICANT_DIGITS);
            final ConcurrentHistogram witness =
                    (ConcurrentHistogram) LATENCY.compareAndExchange(this, null, created);
            return witness == null ? created : witness;
        }

        void reset() {
            successes.set(0);
            failures.set(0);
            timeouts.set(0);
            injectedFaults.set(0);
            final ConcurrentHistogram latency = latencyMicros;
            if (latency != null) {
                latency.reset();
            }
        }

        Interval toInterval() {
            final ConcurrentHistogram latency = latencyMicros;
            return new Interval(successes.get(), failures.get(), timeouts.get(), injectedFaults.get(),
                                latency == null ? new byte[0] : encode(latency));
        }
    }

    /**
     * Returns {@code histogram} in HdrHistogram's compressed encoding, or an empty
     * array when it contains no value.
     */
    static byte[] encode(Histogram histogram) {
        if (histogram.getTotalCount() == 0) {
            return new byte[0];
        }
        final ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        final int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        final byte[] bytes = new byte[length];
        buffer.flip();
        buffer.get(bytes);
        return bytes;
    }

    /**
     * The figures of one ended interval. Immutable.
     *
     * @param latencyHistogram response times in microseconds in HdrHistogram's
     *     compressed encoding; empty when no response was recorded. Callers must
     *     not modify the array.
     */
    public record Interval(long successes, long failures, long timeouts, long injectedFaults,
                           byte[] latencyHistogram) {

        /** Returns whether the interval recorded nothing at all. */
        public boolean isEmpty() {
            return successes == 0 && failures == 0 && timeouts == 0 && injectedFaults == 0;
        }

        /** Decodes the latency histogram; an empty encoding gives an empty histogram. */
        public Histogram decodeLatency() {
            if (latencyHistogram.length == 0) {
                return new Histogram(SIGNIFICANT_DIGITS);
            }
            try {
                return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(latencyHistogram), 0);
            } catch (java.util.zip.DataFormatException e) {
                throw new IllegalStateException("a histogram this class encoded does not decode", e);
            }
        }
    }
}
