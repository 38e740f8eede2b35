package io.guise.manager.health;

import static io.guise.manager.health.HealthReports.endpoint;
import static io.guise.manager.health.HealthReports.persona;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.guise.proto.Endpoint;
import io.guise.proto.HealthReport;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** Summing reports of several access points into one window, and dropping what cannot be used. */
class HealthAggregatorTest {

    private static final RoutingSnapshot ROUTING = RoutingSnapshot.newBuilder()
            .setRevision(3)
            .addEndpoints(Endpoint.newBuilder().setId("web-1").setPool("web"))
            .addEndpoints(Endpoint.newBuilder().setId("web-2").setPool("web"))
            .addPersonas(Persona.newBuilder().setId("stable"))
            .build();

    private final HealthAggregator aggregator = new HealthAggregator(() -> ROUTING,
                                                                     new ManualClock(Instant.EPOCH));

    @Test
    void acceptFromReplica_notPassedOn() {
        final java.util.List<String> passedOn = new java.util.ArrayList<>();
        aggregator.addReportListener((accessPointId, report) -> passedOn.add(accessPointId));
        final HealthReport report = HealthReport.newBuilder().addEndpoints(endpoint("web-1", 10, 0, 0, 1_000)).build();

        aggregator.accept("ap-local", report);
        aggregator.acceptFromReplica("ap-remote", report);

        assertThat(passedOn).containsExactly("ap-local");
        assertThat(aggregator.reportsReceived()).isEqualTo(2);
        final EndpointWindow web1 = aggregator.closeWindow().endpoints().get("web-1");
        assertThat(web1.successes()).isEqualTo(20);
        assertThat(web1.reporters()).containsExactlyInAnyOrder("ap-local", "ap-remote");
    }

    @Test
    void accept_twoAccessPointsSummed() {
        aggregator.accept("ap-1", HealthReport.newBuilder()
                .addEndpoints(endpoint("web-1", 10, 2, 1, 1_000))
                .addPersonas(persona("stable", 10, 2, 1, 1_000)).build());
        aggregator.accept("ap-2", HealthReport.newBuilder()
                .addEndpoints(endpoint("web-1", 5, 0, 3, 2_000))
                .addEndpoints(endpoint("web-2", 7, 0, 0, 3_000)).build());

        final HealthWindow window = aggregator.closeWindow();

        final EndpointWindow web1 = window.endpoints().get("web-1");
        assertThat(web1.successes()).isEqualTo(15);
        assertThat(web1.failures()).isEqualTo(2);
        assertThat(web1.timeouts()).isEqualTo(4);
        assertThat(web1.latencyMicros().getTotalCount()).isEqualTo(17);
        assertThat(web1.reporters()).containsExactlyInAnyOrder("ap-1", "ap-2");
        final WindowStats stats = web1.toStats();
        assertThat(stats.requests()).isEqualTo(21);
        assertThat(stats.failures()).isEqualTo(6);
        assertThat(stats.p99Millis()).isEqualTo(2.0);
        assertThat(window.endpoints().get("web-2").reporters()).containsExactly("ap-2");
        assertThat(window.personas().get("stable").requests()).isEqualTo(13);
        assertThat(aggregator.reportsReceived()).isEqualTo(2);
        assertThat(aggregator.closeWindow().endpoints()).isEmpty();
    }

    @Test
    void accept_badEntriesDroppedAndCounted() {
        final Histogram huge = new Histogram(1, Long.MAX_VALUE / 4, 5);
        huge.recordValue(1);
        final ByteBuffer buffer = ByteBuffer.allocate(huge.getNeededByteBufferCapacity());
        final int length = huge.encodeIntoCompressedByteBuffer(buffer);
        aggregator.accept("ap-1", HealthReport.newBuilder()
                .addEndpoints(endpoint("gone", 10, 0, 0, 1_000))
                .addEndpoints(endpoint("web-1", 10, 0, 0, 1_000).toBuilder()
                                      .setLatencyHistogram(ByteString.copyFromUtf8("not a histogram")))
                .addEndpoints(endpoint("web-1", 10, 0, 0, 1_000).toBuilder()
                                      .setLatencyHistogram(ByteString.copyFrom(buffer.array(), 0, length)))
                .addEndpoints(endpoint("web-2", -1, 0, 0, 1_000))
                .addEndpoints(endpoint("web-2", 4, 1, 0, 1_000))
                .addPersonas(persona("retired", 1, 0, 0, 1_000))
                .build());

        final HealthWindow window = aggregator.closeWindow();

        assertThat(window.endpoints()).containsOnlyKeys("web-2");
        assertThat(window.endpoints().get("web-2").successes()).isEqualTo(4);
        assertThat(window.personas()).isEmpty();
        assertThat(aggregator.ignored(HealthAggregator.Ignored.UNKNOWN_ENDPOINT)).isEqualTo(1);
        assertThat(aggregator.ignored(HealthAggregator.Ignored.BAD_HISTOGRAM)).isEqualTo(2);
        assertThat(aggregator.ignored(HealthAggregator.Ignored.NEGATIVE_COUNT)).isEqualTo(1);
        assertThat(aggregator.ignored(HealthAggregator.Ignored.UNKNOWN_PERSONA)).isEqualTo(1);
    }

    @Test
    void countsLength_matchesHdrHistogramAllocation() {
        // A Histogram's footprint is 512 bytes plus 8 per count.
        assertThat(HistogramDecoder.countsLength(3, 1, 262_143))
                .isEqualTo((new Histogram(1, 262_143, 3).getEstimatedFootprintInBytes() - 512) / 8);
        assertThat(HistogramDecoder.countsLength(2, 1_000, 3_600_000_000L))
                .isEqualTo((new Histogram(1_000, 3_600_000_000L, 2).getEstimatedFootprintInBytes() - 512) / 8);
        assertThat(HistogramDecoder.countsLength(5, 1, Long.MAX_VALUE / 4)).isGreaterThan(HistogramDecoder.MAX_COUNTS);
    }
}
