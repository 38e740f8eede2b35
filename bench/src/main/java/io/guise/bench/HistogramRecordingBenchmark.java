package io.guise.bench;

import io.guise.fault.SplitMix64;
import io.guise.metrics.AccessPointMetrics;
import io.guise.metrics.EndpointStats;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Latency recording on the data path. The access point records every upstream
 * response with {@link EndpointStats#recordResponse}: an HdrHistogram
 * {@link Recorder} with 3 significant digits, in microseconds, plus a Prometheus
 * success counter. Event loops that reach the same endpoint record into the same
 * {@link Recorder}, so the two-thread variants share one instance.
 * <ul>
 *   <li>{@code histogram1Thread}: a plain {@link Histogram}, not thread-safe, as the
 *       floor;</li>
 *   <li>{@code recorder1Thread}, {@code recorder2Threads}: {@link Recorder#recordValue};</li>
 *   <li>{@code endpointStats1Thread}, {@code endpointStats2Threads}: the call the
 *       access point makes, taken from {@link AccessPointMetrics#endpoint}.</li>
 * </ul>
 * Values are 4,096 pre-drawn latencies from 50 us to about 50 ms, uniform in their
 * logarithm; each thread walks them from its own offset. Nothing reads the recorder
 * during the run; a scrape would swap its histograms once per interval.
 *
 * <p>Build and run from the repository root:
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests
 * java -jar bench/target/benchmarks.jar HistogramRecording -prof gc
 * </pre>
 *
 * <p>The machine has 2 cores, so the two-thread figures are with both cores busy.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class HistogramRecordingBenchmark {

    private static final int VALUE_COUNT = 4096;
    private static final int VALUE_MASK = VALUE_COUNT - 1;

    private final long[] latencyMicros = new long[VALUE_COUNT];
    private final AtomicInteger threadOffsets = new AtomicInteger();
    private Histogram histogram;
    private Recorder recorder;
    private EndpointStats stats;

    @Setup(Level.Trial)
    public void setUp() {
        final SplitMix64 random = new SplitMix64(0x5EED_2026L);
        for (int i = 0; i < VALUE_COUNT; i++) {
            latencyMicros[i] = (long) (50 * Math.pow(1000, random.nextDouble()));
        }
        histogram = new Histogram(3);
        recorder = new Recorder(3);
        stats = new AccessPointMetrics().endpoint("bench-1");
    }

    /** The position of one benchmark thread in the value array. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;

        @Setup(Level.Trial)
        public void setUp(HistogramRecordingBenchmark shared) {
            next = shared.threadOffsets.getAndAdd(VALUE_COUNT / 2);
        }
    }

    @Benchmark
    @Threads(1)
    public void histogram1Thread(Cursor cursor) {
        histogram.recordValue(latencyMicros[cursor.next++ & VALUE_MASK]);
    }

    @Benchmark
    @Threads(1)
    public void recorder1Thread(Cursor cursor) {
        recorder.recordValue(latencyMicros[cursor.next++ & VALUE_MASK]);
    }

    @Benchmark
    @Threads(2)
    public void recorder2Threads(Cursor cursor) {
        recorder.recordValue(latencyMicros[cursor.next++ & VALUE_MASK]);
    }

    @Benchmark
    @Threads(1)
    public void endpointStats1Thread(Cursor cursor) {
        stats.recordResponse(latencyMicros[cursor.next++ & VALUE_MASK] * 1000, false);
    }

    @Benchmark
    @Threads(2)
    public void endpointStats2Threads(Cursor cursor) {
        stats.recordResponse(latencyMicros[cursor.next++ & VALUE_MASK] * 1000, false);
    }
}
