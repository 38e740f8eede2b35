package io.guise.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import io.guise.distribution.Deltas;
import io.guise.proto.Delta;
import io.guise.proto.DeltaUpdate;
import io.guise.proto.FullSnapshot;
import io.guise.proto.ManagerMessage;
import io.guise.proto.RoutingSnapshot;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Wire size and encode and decode time of the two messages the distribution server
 * can send an access point that serves 100,000 personas (the state of
 * {@link DeltaApplyBenchmark}) after one persona changed: a {@link DeltaUpdate} with a
 * one-persona {@link Delta}, or a {@link FullSnapshot}. Both are wrapped in the
 * {@link ManagerMessage} that goes on the stream, with a 36-character epoch.
 *
 * <p>The setup prints the serialized sizes as a table (they do not depend on timing).
 * {@code encode*} calls {@code toByteArray()} on a built message, which is the
 * serialization gRPC's marshaller performs; {@code decode*} parses those bytes back, as
 * the access point's stub does. {@code diff} is the manager's computation of the
 * delta from two snapshots.
 *
 * <p>Build and run from the repository root:
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests
 * java -jar bench/target/benchmarks.jar DeltaEncoding -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class DeltaEncodingBenchmark {

    private static final String EPOCH = "0123456789abcdef0123456789abcdef0123";

    private RoutingSnapshot before;
    private RoutingSnapshot after;
    private ManagerMessage deltaMessage;
    private ManagerMessage snapshotMessage;
    private byte[] deltaBytes;
    private byte[] snapshotBytes;

    @Setup(Level.Trial)
    public void setUp() {
        before = RoutingFixtures.snapshot(1, DeltaApplyBenchmark.PERSONAS, DeltaApplyBenchmark.POOLS);
        after = RoutingFixtures.withChangedPersona(before, 2, DeltaApplyBenchmark.CHANGED_PERSONA, 900);
        final Delta delta = Deltas.diff(before, after);
        deltaMessage = ManagerMessage.newBuilder()
                .setDelta(DeltaUpdate.newBuilder().setEpoch(EPOCH).setDelta(delta))
                .build();
        snapshotMessage = ManagerMessage.newBuilder()
                .setSnapshot(FullSnapshot.newBuilder().setEpoch(EPOCH).setSnapshot(after))
                .build();
        deltaBytes = deltaMessage.toByteArray();
        snapshotBytes = snapshotMessage.toByteArray();

        final RoutingSnapshot personasOnly = RoutingSnapshot.newBuilder().setRevision(2)
                .addAllPersonas(after.getPersonasList()).build();
        System.out.printf("%n| message | bytes |%n| --- | ---: |%n");
        System.out.printf("| delta update, 1 persona changed | %,d |%n", deltaBytes.length);
        System.out.printf("| full snapshot: %,d personas, %,d endpoints, %,d subsets | %,d |%n",
                          after.getPersonasCount(), after.getEndpointsCount(), after.getSubsetsCount(),
                          snapshotBytes.length);
        System.out.printf("| of which the personas alone | %,d |%n", personasOnly.getSerializedSize());
        System.out.printf("| full snapshot / delta update | %,.0fx |%n%n",
                          (double) snapshotBytes.length / deltaBytes.length);
    }

    @Benchmark
    public byte[] encodeDelta() {
        return deltaMessage.toByteArray();
    }

    @Benchmark
    public byte[] encodeFullSnapshot() {
        return snapshotMessage.toByteArray();
    }

    @Benchmark
    public ManagerMessage decodeDelta() throws InvalidProtocolBufferException {
        return ManagerMessage.parseFrom(deltaBytes);
    }

    @Benchmark
    public ManagerMessage decodeFullSnapshot() throws InvalidProtocolBufferException {
        return ManagerMessage.parseFrom(snapshotBytes);
    }

    @Benchmark
    public Delta diff() {
        return Deltas.diff(before, after);
    }
}
