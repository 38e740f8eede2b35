package io.guise.shaping;

import static java.util.Objects.requireNonNull;

import io.guise.proto.Persona;
import io.guise.proto.RateLimit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The token buckets of one access point, one per rate-limited persona, keyed by
 * persona id so that a bucket outlives routing table rebuilds. A bucket is kept
 * while the persona's limit stays the same and replaced by a full one when the
 * limit changes. Thread-safe: lookups read a concurrent map; a replacement is a
 * single compare-and-set on the map entry.
 */
public final class RateLimiters {

    private final LongSupplier nanoClock;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    public RateLimiters(LongSupplier nanoClock) {
        this.nanoClock = requireNonNull(nanoClock, "nanoClock");
    }

    /** Returns the bucket of {@code persona}, or null when it has no rate limit. */
    public TokenBucket bucketFor(Persona persona) {
        if (!persona.hasRateLimit()) {
            return null;
        }
        // NOTE: buckets of personas that a later revision removes stay until the access point stops.
        final RateLimit limit = persona.getRateLimit();
        final TokenBucket current = buckets.get(persona.getId());
        if (current != null && matches(current, limit)) {
            return current;
        }
        return buckets.compute(persona.getId(), (id, existing) -> existing != null && matches(existing, limit)
                ? existing : new TokenBucket(limit.getRequestsPerSecond(), limit.getBurst(), nanoClock));
    }

    private static boolean matches(TokenBucket bucket, RateLimit limit) {
        return bucket.ratePerSecond() == limit.getRequestsPerSecond() && bucket.burst() == limit.getBurst();
    }
}
