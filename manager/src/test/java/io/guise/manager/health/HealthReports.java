package io.guise.manager.health;

import com.google.protobuf.ByteString;
import io.guise.proto.EndpointInterval;
import io.guise.proto.PersonaInterval;
import java.nio.ByteBuffer;
import org.HdrHistogram.Histogram;

/** Builds health report entries by hand for tests. */
public final class HealthReports {

    private HealthReports() {
    }

    /** Returns the compressed encoding of {@code count} response times of {@code micros} each. */
    public static ByteString latency(long micros, long count) {
        final Histogram histogram = new Histogram(3);
        if (count > 0) {
            histogram.recordValueWithCount(micros, count);
        }
        final ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        final int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        return ByteString.copyFrom(buffer.array(), 0, length);
    }

    /** An endpoint entry whose successes and failures each took {@code micros}; timeouts have no latency. */
    public static EndpointInterval endpoint(String id, long successes, long failures, long timeouts, long micros) {
        return EndpointInterval.newBuilder()
                .setEndpointId(id)
                .setSuccesses(successes)
                .setFailures(failures)
                .setTimeouts(timeouts)
                .setLatencyHistogram(latency(micros, successes + failures))
                .build();
    }

    public static PersonaInterval persona(String id, long successes, long failures, long timeouts, long micros) {
        return PersonaInterval.newBuilder()
                .setPersonaId(id)
                .setSuccesses(successes)
                .setFailures(failures)
                .setTimeouts(timeouts)
                .setLatencyHistogram(latency(micros, successes + failures))
                .build();
    }
}
