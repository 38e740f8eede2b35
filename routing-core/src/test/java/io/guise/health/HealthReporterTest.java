package io.guise.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.guise.metrics.AccessPointMetrics;
import io.guise.metrics.EndpointStats;
import io.guise.proto.EndpointInterval;
import io.guise.proto.HealthReport;
import io.guise.proto.PersonaInterval;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Unit tests of the report contents, on an injected wall clock and a nanosecond clock for ejections. */
class HealthReporterTest {

    private final AtomicLong wallMillis = new AtomicLong(1_800_000_000_000L);
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(wallMillis.get());
        }
    };
    private final AccessPointMetrics metrics = new AccessPointMetrics();
    private final EndpointHealth health = EndpointHealth.builder().consecutiveFailures(2).maxEjectionPercent(100)
            .nanoClock(nanos::get).build();
    private List<String> endpointsInUse = List.of("web-1", "web-2");
    private final HealthReporter reporter = new HealthReporter(
            metrics, health.view(), id -> Map.of("web-1", "HEALTHY", "web-2", "UNHEALTHY").getOrDefault(id, ""),
            () -> endpointsInUse,
            () -> List.of("web"), clock);

    /** Creates the stats of the endpoints in use, as building a routing table does. */
    @BeforeEach
    void buildTable() {
        metrics.endpoint("web-1");
        metrics.endpoint("web-2");
    }

    private static Histogram decode(ByteString encoded) throws Exception {
        return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(encoded.toByteArray()), 0);
    }

    @Test
    void cut_reportsBoundsCountsAndEjections() throws Exception {
        final EndpointStats web1 = metrics.endpoint("web-1").forPersona(metrics.personaInterval("web"));
        final EndpointStats web2 = metrics.endpoint("web-2").forPersona(metrics.personaInterval("web"));
        final long start = wallMillis.get();
        web1.recordResponse(3_000_000, false);
        web1.recordResponse(5_000_000, false);
        web2.recordResponse(7_000_000, true);
        web2.recordFailure();
        web2.recordTimeout();
        health.member("web-2").recordFailure();
        health.member("web-2").recordFailure();
        metrics.persona("web", "l7").countInjectedError();
        wallMillis.addAndGet(1000);

        final HealthReport report = reporter.cut();

        assertThat(report.getIntervalStartMs()).isEqualTo(start);
        assertThat(report.getIntervalEndMs()).isEqualTo(start + 1000);
        assertThat(report.getEndpointsList()).extracting(EndpointInterval::getEndpointId)
                .containsExactly("web-1", "web-2");
        final EndpointInterval first = report.getEndpoints(0);
        assertThat(first.getSuccesses()).isEqualTo(2);
        assertThat(first.getFailures()).isZero();
        assertThat(first.getLocallyEjected()).isFalse();
        assertThat(first.getEjections()).isZero();
        assertThat(first.getActiveCheck()).isEqualTo("HEALTHY");
        final Histogram firstLatency = decode(first.getLatencyHistogram());
        assertThat(firstLatency.getTotalCount()).isEqualTo(2);
        assertThat(firstLatency.getMaxValue()).isBetween(4950L, 5050L);
        final EndpointInterval second = report.getEndpoints(1);
        assertThat(second.getSuccesses()).isZero();
        assertThat(second.getFailures()).isEqualTo(2);
        assertThat(second.getTimeouts()).isEqualTo(1);
        assertThat(second.getLocallyEjected()).isTrue();
        assertThat(second.getEjections()).isEqualTo(1);
        assertThat(second.getActiveCheck()).isEqualTo("UNHEALTHY");
        assertThat(decode(second.getLatencyHistogram()).getTotalCount()).isEqualTo(1);
        final PersonaInterval persona = report.getPersonas(0);
        assertThat(persona.getPersonaId()).isEqualTo("web");
        assertThat(persona.getSuccesses()).isEqualTo(2);
        assertThat(persona.getFailures()).isEqualTo(2);
        assertThat(persona.getTimeouts()).isEqualTo(1);
        assertThat(persona.getInjectedFaults()).isEqualTo(1);
        assertThat(decode(persona.getLatencyHistogram()).getTotalCount()).isEqualTo(3);
    }

    @Test
    void nextCut_countsOnlyNewResults() {
        metrics.endpoint("web-1").forPersona(metrics.personaInterval("web")).recordResponse(1_000_000, false);
        health.member("web-2").recordFailure();
        health.member("web-2").recordFailure();
        wallMillis.addAndGet(1000);
        final HealthReport first = reporter.cut();
        wallMillis.addAndGet(1500);

        final HealthReport second = reporter.cut();

        assertThat(second.getIntervalStartMs()).isEqualTo(first.getIntervalEndMs());
        assertThat(second.getIntervalEndMs()).isEqualTo(first.getIntervalEndMs() + 1500);
        assertThat(second.getEndpointsList()).extracting(EndpointInterval::getSuccesses).containsExactly(0L, 0L);
        assertThat(second.getEndpointsList()).extracting(EndpointInterval::getEjections).containsExactly(0, 0);
        assertThat(second.getEndpointsList()).extracting(EndpointInterval::getLocallyEjected)
                .containsExactly(false, true);
        assertThat(second.getEndpoints(0).getLatencyHistogram().isEmpty()).isTrue();
        assertThat(second.getPersonas(0).getSuccesses()).isZero();
    }

    @Test
    void unusedEndpoint_reportedOnlyWhenActive() {
        metrics.endpoint("old-1");
        reporter.cut();
        endpointsInUse = List.of("web-1");

        assertThat(reporter.cut().getEndpointsList()).extracting(EndpointInterval::getEndpointId)
                .containsExactly("web-1");

        metrics.endpoint("old-1").recordTimeout();
        assertThat(reporter.cut().getEndpointsList()).extracting(EndpointInterval::getEndpointId)
                .containsExactly("old-1", "web-1");
    }
}
