package io.guise.bench;

import io.guise.fault.FaultProfile;
import io.guise.fault.SplitMix64;
import io.guise.proto.Persona;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The fault decision the access point makes per L7 request or L4 connection:
 * {@link FaultProfile#drawDelayNanos} then {@link FaultProfile#drawError}, in that
 * order, from the connection's {@link SplitMix64}.
 *
 * <p>Profiles ({@code profile}):
 * <ul>
 *   <li>{@code none}: no latency and no errors, so neither draw consumes a number;</li>
 *   <li>{@code latency}: a fixed 50 ms, still no random draw;</li>
 *   <li>{@code latency-jitter-error}: 50 ms plus up to 20 ms of jitter and a 1% error
 *       rate, so each decision takes two draws.</li>
 * </ul>
 * {@code newConnectionGenerator} measures the per-connection setup of the generator
 * ({@link SplitMix64#forStream}) as a reference.
 *
 * <p>Build and run from the repository root:
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests
 * java -jar bench/target/benchmarks.jar FaultDecision -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class FaultDecisionBenchmark {

    private static final long SEED = 0x5EED_2026L;

    @Param({"none", "latency", "latency-jitter-error"})
    public String profile;

    private FaultProfile faults;
    private SplitMix64 random;
    private long connection;

    @Setup(Level.Trial)
    public void setUp() {
        final Persona.Builder persona = Persona.newBuilder().setId("bench");
        switch (profile) {
            case "none":
                break;
            case "latency":
                persona.setSimulatedLatencyMs(50);
                break;
            case "latency-jitter-error":
                persona.setSimulatedLatencyMs(50).setJitterMs(20).setErrorRatePercent(1.0);
                break;
            default:
                throw new IllegalArgumentException("profile: '" + profile
                        + "' (expected: none, latency or latency-jitter-error)");
        }
        faults = FaultProfile.of(persona.build());
        random = new SplitMix64(SEED);
    }

    /**
     * Returns the delay with the error flag in its sign, so the JIT cannot drop either
     * draw.
     */
    @Benchmark
    public long decide() {
        final long delayNanos = faults.drawDelayNanos(random);
        final boolean fail = faults.drawError(random);
        return fail ? -delayNanos - 1 : delayNanos;
    }

    @Benchmark
    public SplitMix64 newConnectionGenerator() {
        return SplitMix64.forStream(SEED, connection++);
    }
}
