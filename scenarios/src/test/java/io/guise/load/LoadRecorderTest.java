package io.guise.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LoadRecorderTest {

    private static final long NANOS_PER_MILLI = TimeUnit.MILLISECONDS.toNanos(1);

    private static RequestResult ok(String group, long intendedMillis, long endMillis, String persona,
                                    String endpoint) {
        return new RequestResult(group, 0, intendedMillis * NANOS_PER_MILLI, intendedMillis * NANOS_PER_MILLI, endMillis * NANOS_PER_MILLI, 200, null,
                                 persona, endpoint, false);
    }

    @Test
    void snapshot_groupsByPersonaEndpointAndSecond() {
        final LoadRecorder recorder = new LoadRecorder();
        recorder.onResult(ok("g", 100, 110, "blue", "e1"));
        recorder.onResult(ok("g", 200, 230, "blue", "e2"));
        recorder.onResult(ok("g", 2_100, 2_150, "green", "e1"));
        recorder.onResult(new RequestResult("g", 1, 2_200 * NANOS_PER_MILLI, 2_210 * NANOS_PER_MILLI, 2_260 * NANOS_PER_MILLI, 503, null, "green", null,
                                            true));
        recorder.onResult(new RequestResult("h", 0, 500 * NANOS_PER_MILLI, RequestResult.NOT_SENT, 700 * NANOS_PER_MILLI, 0,
                                            ErrorKind.TIMEOUT, null, null, false));

        final LoadSnapshot snapshot = recorder.snapshot();

        assertThat(snapshot.total().requests()).isEqualTo(5);
        assertThat(snapshot.total().failures()).isEqualTo(2);
        assertThat(snapshot.total().injected()).isEqualTo(1);
        assertThat(snapshot.total().outcomes()).isEqualTo(Map.of("200", 3L, "503", 1L, "timeout", 1L));
        assertThat(snapshot.groups()).containsOnlyKeys("g", "h");
        assertThat(snapshot.groups().get("h").serviceTime().count()).isZero();
        assertThat(snapshot.groups().get("h").latency().maxMicros()).isBetween(199_000L, 201_000L);
        assertThat(snapshot.personas().get("blue").requests()).isEqualTo(2);
        assertThat(snapshot.personas().get("green").failures()).isEqualTo(1);
        assertThat(snapshot.endpoints()).containsOnlyKeys("e1", "e2");

        assertThat(snapshot.personaTimeline().get("blue")).extracting(TimeBucket::requests).containsExactly(2L, 0L, 0L);
        assertThat(snapshot.personaTimeline().get("green")).extracting(TimeBucket::requests)
                                                           .containsExactly(0L, 0L, 2L);
        assertThat(snapshot.personaTimeline().get("green").get(2).failures()).isEqualTo(1);
        assertThat(snapshot.personaTimeline().get("blue").get(0).p99Micros()).isBetween(29_900L, 30_100L);
        assertThat(snapshot.endpointRequestsPerSecond()).isEqualTo(Map.of("e1", List.of(1L, 0L, 1L),
                                                                          "e2", List.of(1L, 0L, 0L)));
        assertThat(snapshot.endpointLastRequestNanos()).isEqualTo(Map.of("e1", 2_100 * NANOS_PER_MILLI, "e2", 200 * NANOS_PER_MILLI));
    }

    @Test
    void timeline_bucketsAddUpToTotals() {
        final LoadRecorder recorder = new LoadRecorder();
        for (int i = 0; i < 1_000; i++) {
            final long intended = i * 7L;
            final int status = i % 10 == 0 ? 500 : 200;
            recorder.onResult(new RequestResult("g", i % 4, intended * NANOS_PER_MILLI, intended * NANOS_PER_MILLI, (intended + i % 50) * NANOS_PER_MILLI,
                                                status, null, "p" + i % 3, "e" + i % 5, false));
        }

        final LoadSnapshot snapshot = recorder.snapshot();

        long bucketRequests = 0;
        long bucketFailures = 0;
        for (List<TimeBucket> timeline : snapshot.personaTimeline().values()) {
            bucketRequests += timeline.stream().mapToLong(TimeBucket::requests).sum();
            bucketFailures += timeline.stream().mapToLong(TimeBucket::failures).sum();
        }
        assertThat(bucketRequests).isEqualTo(snapshot.total().requests());
        assertThat(bucketFailures).isEqualTo(snapshot.total().failures());
        assertThat(snapshot.groupTimeline().get("g").stream().mapToLong(TimeBucket::requests).sum())
                .isEqualTo(1_000);
        for (var entry : snapshot.endpointRequestsPerSecond().entrySet()) {
            assertThat(entry.getValue().stream().mapToLong(Long::longValue).sum())
                    .as("endpoint %s", entry.getKey())
                    .isEqualTo(snapshot.endpoints().get(entry.getKey()).requests());
        }
    }
}
