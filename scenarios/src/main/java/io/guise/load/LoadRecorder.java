package io.guise.load;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * A {@link LoadObserver} that aggregates outcomes into HdrHistograms (microseconds,
 * three significant digits) and counts: per group, per persona and per endpoint, per
 * second of the run for groups and personas, and per second per endpoint.
 *
 * <p>Thread-safe: recording and {@link #snapshot()} synchronize on this object, which
 * is cheap next to a network round trip at the rates a loopback run reaches. Memory
 * grows with the number of distinct groups, personas and endpoints times the seconds
 * of the run.
 */
public final class LoadRecorder implements LoadObserver {

    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int SIGNIFICANT_DIGITS = 3;

    private final StatsAccumulator total = new StatsAccumulator();
    private final Map<String, StatsAccumulator> groups = new HashMap<>();
    private final Map<String, StatsAccumulator> personas = new HashMap<>();
    private final Map<String, StatsAccumulator> endpoints = new HashMap<>();
    private final Map<String, TreeMap<Integer, BucketAccumulator>> groupTimeline = new HashMap<>();
    private final Map<String, TreeMap<Integer, BucketAccumulator>> personaTimeline = new HashMap<>();
    private final Map<String, TreeMap<Integer, long[]>> endpointSeconds = new HashMap<>();
    private final Map<String, Long> endpointLastRequestNanos = new HashMap<>();
    private int lastSecond = -1;

    @Override
    public synchronized void onResult(RequestResult result) {
        final int second = (int) Math.max(0, result.endNanos() / SECOND_NANOS);
        lastSecond = Math.max(lastSecond, second);

        total.add(result);
        groups.computeIfAbsent(result.group(), key -> new StatsAccumulator()).add(result);
        bucket(groupTimeline, result.group(), second).add(result);

        if (result.persona() != null) {
            personas.computeIfAbsent(result.persona(), key -> new StatsAccumulator()).add(result);
            bucket(personaTimeline, result.persona(), second).add(result);
        }

        final String endpoint = result.endpoint();
        if (endpoint != null) {
            endpoints.computeIfAbsent(endpoint, key -> new StatsAccumulator()).add(result);
            endpointSeconds.computeIfAbsent(endpoint, key -> new TreeMap<>())
                           .computeIfAbsent(second, key -> new long[1])[0]++;
            if (result.actualStartNanos() != RequestResult.NOT_SENT) {
                endpointLastRequestNanos.merge(endpoint, result.actualStartNanos(), Math::max);
            }
        }
    }

    /** Returns a copy of everything recorded so far. */
    public synchronized LoadSnapshot snapshot() {
        return new LoadSnapshot(total.toStats(), toStats(groups), toStats(personas), toStats(endpoints),
                                toTimelines(groupTimeline), toTimelines(personaTimeline), endpointCounts(),
                                Collections.unmodifiableMap(new TreeMap<>(endpointLastRequestNanos)));
    }

    /** Returns a copy of the latency histogram of {@code group} in microseconds, empty when it has no requests. */
    public synchronized Histogram groupLatencyHistogram(String group) {
        final StatsAccumulator stats = groups.get(group);
        return stats == null ? new Histogram(SIGNIFICANT_DIGITS) : stats.latency.copy();
    }

    private static BucketAccumulator bucket(Map<String, TreeMap<Integer, BucketAccumulator>> timeline, String key,
                                            int second) {
        return timeline.computeIfAbsent(key, k -> new TreeMap<>())
                       .computeIfAbsent(second, k -> new BucketAccumulator());
    }

    private static Map<String, RequestStats> toStats(Map<String, StatsAccumulator> accumulators) {
        return sortedCopy(accumulators, StatsAccumulator::toStats);
    }

    private Map<String, List<TimeBucket>> toTimelines(Map<String, TreeMap<Integer, BucketAccumulator>> timelines) {
        return sortedCopy(timelines, buckets -> {
            final List<TimeBucket> dense = new ArrayList<>(lastSecond + 1);
            for (int second = 0; second <= lastSecond; second++) {
                final BucketAccumulator bucket = buckets.get(second);
                dense.add(bucket == null ? new TimeBucket(second, 0, 0, 0, 0) : bucket.toBucket(second));
            }
            return List.copyOf(dense);
        });
    }

    private Map<String, List<Long>> endpointCounts() {
        return sortedCopy(endpointSeconds, counts -> {
            final List<Long> dense = new ArrayList<>(lastSecond + 1);
            for (int second = 0; second <= lastSecond; second++) {
                final long[] count = counts.get(second);
                dense.add(count == null ? 0L : count[0]);
            }
            return List.copyOf(dense);
        });
    }

    private static <V, R> Map<String, R> sortedCopy(Map<String, V> source, Function<V, R> convert) {
        final Map<String, R> sorted = new LinkedHashMap<>();
        new TreeMap<>(source).forEach((key, value) -> sorted.put(key, convert.apply(value)));
        return Collections.unmodifiableMap(sorted);
    }

    private static long micros(long nanos) {
        return Math.max(0, nanos / 1_000);
    }

    /** Counts and histograms of one set of requests. */
    private static final class StatsAccumulator {
        long requests;
        long failures;
        long injected;
        final Map<String, Long> outcomes = new HashMap<>();
        final Histogram latency = new Histogram(SIGNIFICANT_DIGITS);
        final Histogram serviceTime = new Histogram(SIGNIFICANT_DIGITS);

        void add(RequestResult result) {
            requests++;
            if (result.failed()) {
                failures++;
            }
            if (result.injected()) {
                injected++;
            }
            final String outcome = result.error() != null ? result.error().reportName()
                                                          : Integer.toString(result.status());
            outcomes.merge(outcome, 1L, Long::sum);
            latency.recordValue(micros(result.latencyNanos()));
            if (result.actualStartNanos() != RequestResult.NOT_SENT) {
                serviceTime.recordValue(micros(result.endNanos() - result.actualStartNanos()));
            }
        }

        RequestStats toStats() {
            return new RequestStats(requests, failures, injected, outcomes, LatencySummary.of(latency),
                                    LatencySummary.of(serviceTime));
        }
    }

    /** Counts and a latency histogram of one second. */
    private static final class BucketAccumulator {
        long requests;
        long failures;
        final Histogram latency = new Histogram(SIGNIFICANT_DIGITS);

        void add(RequestResult result) {
            requests++;
            if (result.failed()) {
                failures++;
            }
            latency.recordValue(micros(result.latencyNanos()));
        }

        TimeBucket toBucket(int second) {
            return new TimeBucket(second, requests, failures, latency.getValueAtPercentile(50),
                                  latency.getValueAtPercentile(99));
        }
    }
}
