package io.guise.shaping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Unit tests of the token bucket on a clock that the test steps. */
class TokenBucketTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);

    @Test
    void tryAcquire_allowsBurstThenRefuses() {
        final TokenBucket bucket = new TokenBucket(50, 10, clock::get);

        for (int i = 0; i < 10; i++) {
            assertThat(bucket.tryAcquire()).as("request %d", i).isZero();
        }
        assertThat(bucket.tryAcquire()).isEqualTo(SECOND / 50);
        assertThat(bucket.availableTokens()).isZero();
    }

    @Test
    void tryAcquire_refillsAtRate() {
        final TokenBucket bucket = new TokenBucket(50, 10, clock::get);
        drain(bucket);

        clock.addAndGet(SECOND / 50 - 1);
        assertThat(bucket.tryAcquire()).isEqualTo(1);
        clock.addAndGet(1);
        assertThat(bucket.tryAcquire()).isZero();
        assertThat(bucket.tryAcquire()).isPositive();

        // Stepping 2 s in 1 ms ticks while asking on every tick admits exactly 100.
        int admitted = 0;
        for (int tick = 0; tick < 2000; tick++) {
            clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
            while (bucket.tryAcquire() == 0) {
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(100);
    }

    @Test
    void tryAcquire_capsTokensAtBurst() {
        final TokenBucket bucket = new TokenBucket(50, 10, clock::get);
        drain(bucket);

        clock.addAndGet(3600 * SECOND);

        assertThat(bucket.availableTokens()).isEqualTo(10);
        assertThat(drain(bucket)).isEqualTo(10);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void tryAcquire_concurrentThreadsNeverOverAdmit() throws Exception {
        final TokenBucket bucket = new TokenBucket(1000, 500, clock::get);
        final int threads = 8;
        final int attemptsPerThread = 20_000;
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            final CountDownLatch start = new CountDownLatch(1);
            final List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    int admitted = 0;
                    for (int i = 0; i < attemptsPerThread; i++) {
                        if (bucket.tryAcquire() == 0) {
                            admitted++;
                        }
                    }
                    return admitted;
                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> result : results) {
                total += result.get(20, TimeUnit.SECONDS);
            }
            // The clock does not move, so exactly the burst is admitted, however the CAS loops interleave.
            assertThat(total).isEqualTo(500);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void retryAfterSeconds_roundsUpToWholeSeconds() {
        assertThat(TokenBucket.retryAfterSeconds(1)).isEqualTo(1);
        assertThat(TokenBucket.retryAfterSeconds(SECOND)).isEqualTo(1);
        assertThat(TokenBucket.retryAfterSeconds(SECOND + 1)).isEqualTo(2);
        assertThat(TokenBucket.retryAfterSeconds(0)).isEqualTo(1);

        final TokenBucket slow = new TokenBucket(1, 1, clock::get);
        drain(slow);
        clock.addAndGet(SECOND / 4);
        assertThat(TokenBucket.retryAfterSeconds(slow.tryAcquire())).isEqualTo(1);
    }

    @Test
    void constructor_rejectsBadLimits() {
        assertThatThrownBy(() -> new TokenBucket(0, 1, clock::get))
                .hasMessage("ratePerSecond: 0 (expected: 1-1000000000)");
        assertThatThrownBy(() -> new TokenBucket(1, 0, clock::get)).hasMessage("burst: 0 (expected: >= 1)");
    }

    @Test
    void rateLimiters_keepBucketWhileLimitUnchanged() {
        final RateLimiters limiters = new RateLimiters(clock::get);
        final io.guise.proto.Persona persona = io.guise.proto.Persona.newBuilder().setId("web")
                .setRateLimit(io.guise.proto.RateLimit.newBuilder().setRequestsPerSecond(5).setBurst(2)).build();

        final TokenBucket first = limiters.bucketFor(persona);
        drain(first);

        assertThat(limiters.bucketFor(persona.toBuilder().setPriority(7).build())).isSameAs(first);
        final TokenBucket changed = limiters.bucketFor(persona.toBuilder()
                .setRateLimit(io.guise.proto.RateLimit.newBuilder().setRequestsPerSecond(5).setBurst(3)).build());
        assertThat(changed).isNotSameAs(first);
        assertThat(changed.availableTokens()).isEqualTo(3);
        assertThat(limiters.bucketFor(persona.toBuilder().clearRateLimit().build())).isNull();
    }

    private static int drain(TokenBucket bucket) {
        int acquired = 0;
        while (bucket.tryAcquire() == 0) {
            acquired++;
        }
        return acquired;
    }
}
