package io.guise.manager.store;

import static io.guise.manager.store.TestRecords.record;
import static io.guise.manager.store.TestRecords.replay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.guise.proto.RevisionRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kills a child JVM that appends to a {@link FileRevisionStore} (SIGKILL on Linux)
 * at seeded points, then checks that reopening keeps every acknowledged revision
 * and no half-applied one.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FileRevisionStoreCrashTest {

    private static final Logger logger = LoggerFactory.getLogger(FileRevisionStoreCrashTest.class);

    /** Small values, so that kills also land in snapshot writes and segment deletion. */
    private static final FileRevisionStore.Options OPTIONS = new FileRevisionStore.Options(7, 20);
    private static final long SEED = 20_261_204L;
    private static final int MAX_ACKS_BEFORE_KILL = 150;
    private static final long CHILD_DEADLINE_SECONDS = 10;

    @TempDir
    Path temp;

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killChildren() {
        children.forEach(Process::destroyForcibly);
    }

    /** What the parent saw of one child: the ACKs it read before the kill, and all that the child printed. */
    private record Run(long openedAt, long acksBeforeKill, long lastAckPrinted) {
    }

    @Test
    void kill_atSeededPoints_keepsAcknowledgedRevisions() throws Exception {
        final Random random = new Random(SEED);
        for (int round = 0; round < 5; round++) {
            final Path dir = temp.resolve("round-" + round);
            final int killAfter = 1 + random.nextInt(MAX_ACKS_BEFORE_KILL);

            final Run run = runUntilKilled(dir, killAfter);

            assertThat(run.openedAt()).isZero();
            assertThat(run.acksBeforeKill()).isEqualTo(killAfter);
            final long recovered = verifyRecovered(dir, run);
            logger.info("Round {}: killed after reading {} ACKs, child printed ACK up to {}, recovered revision {}",
                        round, killAfter, run.lastAckPrinted(), recovered);
        }
    }

    @Test
    void killRestartCycles_continueOneDirectory() throws Exception {
        final Random random = new Random(SEED + 1);
        final Path dir = temp.resolve("data");
        long recovered = 0;
        for (int cycle = 0; cycle < 3; cycle++) {
            final int killAfter = 1 + random.nextInt(MAX_ACKS_BEFORE_KILL);

            final Run run = runUntilKilled(dir, killAfter);

            assertThat(run.openedAt()).as("cycle %d opened at", cycle).isEqualTo(recovered);
            recovered = verifyRecovered(dir, run);
            logger.info("Cycle {}: killed after reading {} ACKs, child printed ACK up to {}, recovered revision {}",
                        cycle, killAfter, run.lastAckPrinted(), recovered);
        }

        try (FileRevisionStore store = FileRevisionStore.open(dir, OPTIONS)) {
            store.append(record(recovered + 1));
            assertThat(store.latestSnapshot()).isEqualTo(replay(recovered + 1));
        }
    }

    /**
     * Checks the store after a kill and returns its latest revision. Every revision
     * the child acknowledged must be there, and at most the one append in flight
     * beyond it, because the child appends one record at a time.
     */
    private static long verifyRecovered(Path dir, Run run) throws IOException {
        try (FileRevisionStore store = FileRevisionStore.open(dir, OPTIONS)) {
            final long latest = store.latestRevision();
            assertThat(latest).as("latest revision").isBetween(run.lastAckPrinted(), run.lastAckPrinted() + 1);
            assertThat(store.latestSnapshot()).as("state at revision %d", latest).isEqualTo(replay(latest));

            final long windowStart = Math.max(0, latest - OPTIONS.retainedRecords());
            final List<RevisionRecord> window = store.recordsAfter(windowStart);
            assertThat(window).as("records after %d", windowStart).hasSize((int) (latest - windowStart));
            for (int i = 0; i < window.size(); i++) {
                assertThat(window.get(i)).isEqualTo(record(windowStart + 1 + i));
            }
            return latest;
        }
    }

    /** Starts a writer child on {@code dir}, kills it after {@code killAfter} ACKs, and reads what it printed. */
    private Run runUntilKilled(Path dir, int killAfter) throws IOException, InterruptedException {
        final Path stderr = Files.createTempFile(temp, "child-", ".err");
        final Process child = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                CrashWriterMain.class.getName(),
                dir.toString(), Integer.toString(OPTIONS.snapshotEvery()),
                Integer.toString(OPTIONS.retainedRecords()))
                .redirectError(stderr.toFile())
                .start();
        children.add(child);
        // Bounds a child that hangs or starts slowly; the read below then ends at EOF and fails.
        CompletableFuture.runAsync(child::destroyForcibly,
                                   CompletableFuture.delayedExecutor(CHILD_DEADLINE_SECONDS, TimeUnit.SECONDS));

        long openedAt = -1;
        long acks = 0;
        long lastAck = -1;
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("OPENED ")) {
                    openedAt = Long.parseLong(line.substring(7));
                } else if (line.startsWith("ACK ")) {
                    lastAck = Long.parseLong(line.substring(4));
                    if (++acks == killAfter) {
                        // Process.destroyForcibly would also close the pipe that is read below,
                        // so the SIGKILL goes through the ProcessHandle, which only signals.
                        child.toHandle().destroyForcibly();
                        break;
                    }
                }
            }
            if (acks < killAfter) {
                child.waitFor(5, TimeUnit.SECONDS);
                fail("child exited after " + acks + " of " + killAfter + " ACKs; stderr:\n"
                     + Files.readString(stderr));
            }
            assertThat(child.waitFor(5, TimeUnit.SECONDS)).as("child exited after kill").isTrue();
            // The pipe still contains the lines the child printed before it died.
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    lastAck = Long.parseLong(line.substring(4));
                }
            }
        }
        return new Run(openedAt, acks, lastAck);
    }
}
