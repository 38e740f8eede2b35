package io.guise.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.fault.SplitMix64;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Unit tests of interval counting, the histogram encoding and the endpoint and persona handles. */
class IntervalStatsTest {

    @Test
    void drain_returnsEndedInterval() {
        final IntervalStats stats = new IntervalStats();
        stats.recordResponse(1_500_000, false);
        stats.recordResponse(2_500_000, false);
        stats.recordResponse(40_000_000, true);
        stats.recordFailure();
        stats.recordTimeout();
        stats.recordTimeout();
        stats.recordInjectedFault();

        final IntervalStats.Interval interval = stats.drain();

        assertThat(interval.successes()).isEqualTo(2);
        assertThat(interval.failures()).isEqualTo(2);
        assertThat(interval.timeouts()).isEqualTo(2);
        assertThat(interval.injectedFaults()).isEqualTo(1);
        final Histogram histogram = interval.decodeLatency();
        assertThat(histogram.getTotalCount()).isEqualTo(3);
        // Two significant digits: every value is kept within 1%.
        assertThat(histogram.getMinValue()).isBetween(1485L, 1515L);
        assertThat(histogram.getMaxValue()).isBetween(39_600L, 40_400L);
    }

    @Test
    void drain_startsAnEmptyInterval() {
        final IntervalStats stats = new IntervalStats();
        stats.recordResponse(1_000_000, false);
        stats.drain();

        final IntervalStats.Interval second = stats.drain();
        stats.recordTimeout();
        final IntervalStats.Interval third = stats.drain();

        assertThat(second.isEmpty()).isTrue();
        assertThat(second.latencyHistogram()).isEmpty();
        assertThat(second.decodeLatency().getTotalCount()).isZero();
        assertThat(third.timeouts()).isEqualTo(1);
        assertThat(third.successes()).isZero();
        assertThat(third.latencyHistogram()).isEmpty();
    }

    @Test
    @Timeout(30)
    void concurrentWriters_eachRecordCountedOnce() throws Exception {
        final IntervalStats stats = new IntervalStats();
        final int writers = 4;
        final int perWriter = 50_000;
        final CountDownLatch start = new CountDownLatch(1);
        final List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            final SplitMix64 random = new SplitMix64(w);
            final Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perWriter; i++) {
                    stats.recordResponse(1000 + random.nextLong(1_000_000), (i & 7) == 0);
                }
            });
            thread.start();
            threads.add(thread);
        }
        start.countDown();
        long successes = 0;
        long failures = 0;
        long histogramCount = 0;
        while (threads.stream().anyMatch(Thread::isAlive)) {
            final IntervalStats.Interval interval = stats.drain();
            successes += interval.successes();
            failures += interval.failures();
            histogramCount += interval.decodeLatency().getTotalCount();
            assertThat(interval.decodeLatency().getTotalCount()).isEqualTo(interval.successes() + interval.failures());
        }
        for (Thread thread : threads) {
            thread.join();
        }
        final IntervalStats.Interval last = stats.drain();
        successes += last.successes();
        failures += last.failures();
        histogramCount += last.decodeLatency().getTotalCount();

        assertThat(failures).isEqualTo((long) writers * perWriter / 8);
        assertThat(successes + failures).isEqualTo((long) writers * perWriter);
        assertThat(histogramCount).isEqualTo(successes + failures);
    }

    @Test
    void personaHandle_recordsBothIntervals() {
        final AccessPointMetrics metrics = new AccessPointMetrics();
        final EndpointStats endpoint = metrics.endpoint("web-1");
        final EndpointStats viaWeb = endpoint.forPersona(metrics.personaInterval("web"));
        final EndpointStats viaApi = endpoint.forPersona(metrics.personaInterval("api"));

        viaWeb.recordResponse(2_000_000, false);
        viaWeb.recordResponse(3_000_000, true);
        viaApi.recordFailure();
        viaApi.recordTimeout();
        metrics.persona("web", "l7").countInjectedError();
        metrics.persona("web", "l4").countInjectedLatency();

        final IntervalStats.Interval ofEndpoint = endpoint.interval().drain();
        assertThat(ofEndpoint.successes()).isEqualTo(1);
        assertThat(ofEndpoint.failures()).isEqualTo(2);
        assertThat(ofEndpoint.timeouts()).isEqualTo(1);
        assertThat(ofEndpoint.injectedFaults()).isZero();
        assertThat(ofEndpoint.decodeLatency().getTotalCount()).isEqualTo(2);
        final IntervalStats.Interval ofWeb = metrics.personaInterval("web").drain();
        assertThat(ofWeb.successes()).isEqualTo(1);
        assertThat(ofWeb.failures()).isEqualTo(1);
        assertThat(ofWeb.timeouts()).isZero();
        assertThat(ofWeb.injectedFaults()).isEqualTo(2);
        final IntervalStats.Interval ofApi = metrics.personaInterval("api").drain();
        assertThat(ofApi.failures()).isEqualTo(1);
        assertThat(ofApi.timeouts()).isEqualTo(1);
        assertThat(endpoint.successCount()).isEqualTo(1);
        assertThat(endpoint.failureCount()).isEqualTo(2);
        assertThat(viaApi.snapshot().getTotalCount()).isEqualTo(2);
    }
}
