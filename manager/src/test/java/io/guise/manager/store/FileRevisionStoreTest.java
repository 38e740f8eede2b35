package io.guise.manager.store;

import static io.guise.manager.store.TestRecords.appendRange;
import static io.guise.manager.store.TestRecords.record;
import static io.guise.manager.store.TestRecords.replay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.guise.distribution.Deltas;
import io.guise.proto.Delta;
import io.guise.proto.RevisionRecord;
import io.guise.proto.RoutingSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRevisionStoreTest {

    private static final FileRevisionStore.Options NO_SNAPSHOTS =
            FileRevisionStore.Options.defaults().withSnapshotEvery(1_000_000);

    @TempDir
    Path temp;

    @Test
    void reopen_keepsRevisionsAndEpoch() throws Exception {
        final Path dir = temp.resolve("data");
        final String epoch;
        try (FileRevisionStore store = FileRevisionStore.open(dir, FileRevisionStore.Options.defaults())) {
            appendRange(store, 1, 12);
            epoch = store.epoch();
        }

        try (FileRevisionStore store = FileRevisionStore.open(dir, FileRevisionStore.Options.defaults())) {
            assertThat(store.epoch()).isEqualTo(epoch);
            assertThat(store.latestRevision()).isEqualTo(12);
            assertThat(store.latestSnapshot()).isEqualTo(replay(12));
            assertThat(store.recordsAfter(0)).containsExactlyElementsOf(records(1, 12));
            assertThat(store.commitTimeMillis(7)).isEqualTo(record(7).getCommitTimeMs());

            store.append(record(13));
            assertThat(store.latestSnapshot()).isEqualTo(replay(13));
        }
    }

    @Test
    void freshDirectory_getsNewEpoch() throws Exception {
        final String first;
        final String second;
        try (FileRevisionStore store = FileRevisionStore.open(temp.resolve("a"), FileRevisionStore.Options.defaults())) {
            first = store.epoch();
            assertThat(store.latestRevision()).isZero();
            assertThat(store.latestSnapshot().getPersonasList()).isEmpty();
        }
        try (FileRevisionStore store = FileRevisionStore.open(temp.resolve("b"), FileRevisionStore.Options.defaults())) {
            second = store.epoch();
        }

        assertThat(first).isNotEqualTo(second);
        assertThat(UUID.fromString(first).toString()).isEqualTo(first);
        assertThat(Files.readString(temp.resolve("a/epoch")).strip()).isEqualTo(first);
    }

    @Test
    void recordsAfter_matchesInMemoryStore() throws Exception {
        final Path dir = temp.resolve("data");
        final FileRevisionStore.Options options = new FileRevisionStore.Options(4, 5);
        final InMemoryRevisionStore reference = new InMemoryRevisionStore(5);
        try (FileRevisionStore store = FileRevisionStore.open(dir, options)) {
            assertSameReads(store, reference, 0);
            appendRange(store, 1, 3);
            appendRange(reference, 1, 3);
            assertSameReads(store, reference, 3);
            appendRange(store, 4, 12);
            appendRange(reference, 4, 12);
            assertSameReads(store, reference, 12);

            assertThat(store.recordsAfter(12)).isEmpty();
            assertThat(store.recordsAfter(7)).containsExactlyElementsOf(records(8, 12));
            assertThat(store.recordsAfter(6)).isNull();
            assertThat(store.recordsAfter(13)).isNull();
        }

        try (FileRevisionStore store = FileRevisionStore.open(dir, options)) {
            assertSameReads(store, reference, 12);
        }
    }

    private static void assertSameReads(RevisionStore store, InMemoryRevisionStore reference, long latest) {
        assertThat(store.latestRevision()).isEqualTo(reference.latestRevision());
        assertThat(store.latestSnapshot()).isEqualTo(reference.latestSnapshot());
        for (long from = -2; from <= latest + 2; from++) {
            assertThat(store.recordsAfter(from)).as("recordsAfter(%d)", from).isEqualTo(reference.recordsAfter(from));
            assertThat(store.commitTimeMillis(from)).as("commitTimeMillis(%d)", from)
                    .isEqualTo(reference.commitTimeMillis(from));
        }
    }

    @Test
    void snapshots_everyNRevisions_usedOnReopen() throws Exception {
        final Path dir = temp.resolve("data");
        final FileRevisionStore.Options options = FileRevisionStore.Options.defaults().withSnapshotEvery(5);
        try (FileRevisionStore store = FileRevisionStore.open(dir, options)) {
            appendRange(store, 1, 12);
        }
        assertThat(fileNames(dir)).containsExactlyInAnyOrder(
                "lock", "epoch", "log-1.bin", "log-6.bin", "log-11.bin", "snapshot-5.bin", "snapshot-10.bin");

        // Without the older segments the state can only come from snapshot-10.bin.
        Files.delete(dir.resolve("log-1.bin"));
        Files.delete(dir.resolve("log-6.bin"));
        try (FileRevisionStore store = FileRevisionStore.open(dir, options)) {
            assertThat(store.latestSnapshot()).isEqualTo(replay(12));
            assertThat(store.recordsAfter(10)).containsExactlyElementsOf(records(11, 12));
            assertThat(store.recordsAfter(9)).isNull();
        }
    }

    @Test
    void segmentGap_beforeSnapshot_tolerated() throws Exception {
        final Path dir = temp.resolve("data");
        final FileRevisionStore.Options options = FileRevisionStore.Options.defaults().withSnapshotEvery(5);
        try (FileRevisionStore store = FileRevisionStore.open(dir, options)) {
            appendRange(store, 1, 12);
        }
        Files.delete(dir.resolve("log-6.bin"));

        try (FileRevisionStore store = FileRevisionStore.open(dir, options)) {
            assertThat(store.latestSnapshot()).isEqualTo(replay(12));
            assertThat(store.recordsAfter(10)).containsExactlyElementsOf(records(11, 12));
            assertThat(store.recordsAfter(4)).isNull();
        }
    }

    @Test
    void segmentGap_afterSnapshot_failsOpen() throws Exception {
        final Path dir = temp.resolve("data");
        final FileRevisionStore.Options options = FileRevisionStore.Options.defaults().withSnapshotEvery(5);
        try (FileRevisionStore store = FileRevisionStore.open(dir, options)) {
            appendRange(store, 1, 12);
        }
        Files.delete(dir.resolve("log-6.bin"));
        Files.delete(dir.resolve("snapshot-10.bin"));

        assertThatThrownBy(() -> FileRevisionStore.open(dir, options))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("log segment log-11.bin starts at revision 11 (expected: 6");
    }

    @Test
    void snapshot_invalidNewest_fallsBackToOlder() throws Exception {
        final Path dir = temp.resolve("data");
        final FileRevisionStore.Options options = FileRevisionStore.Options.defaults().withSnapshotEvery(5);
        try (FileRevisionStore store = FileRevisionStore.open(dir, options)) {
            appendRange(store, 1, 12);
        }
        flipByte(dir.resolve("snapshot-10.bin"), 20);

        try (FileRevisionStore store = FileRevisionStore.open(dir, options)) {
            assertThat(store.latestSnapshot()).isEqualTo(replay(12));
        }
    }

    @Test
    void retention_deletesOldFiles_servesRetainedRecords() throws Exception {
        final Path dir = temp.resolve("data");
        final FileRevisionStore.Options options = new FileRevisionStore.Options(5, 7);
        try (FileRevisionStore store = FileRevisionStore.open(dir, options)) {
            appendRange(store, 1, 30);
            assertThat(store.recordsAfter(23)).containsExactlyElementsOf(records(24, 30));
            assertThat(store.recordsAfter(22)).isNull();
        }
        // Kept: the newest two snapshots, and segments from the one containing revision 24 (30 - 7 + 1).
        assertThat(fileNames(dir)).containsExactlyInAnyOrder(
                "lock", "epoch", "log-21.bin", "log-26.bin", "snapshot-25.bin", "snapshot-30.bin");

        try (FileRevisionStore store = FileRevisionStore.open(dir, options)) {
            assertThat(store.latestSnapshot()).isEqualTo(replay(30));
            assertThat(store.recordsAfter(23)).containsExactlyElementsOf(records(24, 30));
            assertThat(store.recordsAfter(22)).isNull();
            store.append(record(31));
            assertThat(store.recordsAfter(24)).containsExactlyElementsOf(records(25, 31));
        }
        assertThat(fileNames(dir)).contains("log-31.bin");
    }

    @Test
    void tornTail_dropsOnlyLastRecord() throws Exception {
        final Path original = temp.resolve("original");
        try (FileRevisionStore store = FileRevisionStore.open(original, NO_SNAPSHOTS)) {
            appendRange(store, 1, 6);
        }
        final byte[] segment = Files.readAllBytes(original.resolve("log-1.bin"));
        final int lastStart = segment.length - RecordLog.frame(record(6)).length;
        final Random random = new Random(42);
        final int[] cuts = {lastStart + 1, lastStart + 4, lastStart + 8, lastStart + 9, lastStart + 20,
                            segment.length - 1};

        int round = 0;
        for (int cut : cuts) {
            for (boolean garbage : new boolean[] {false, true}) {
                final Path dir = temp.resolve("torn-" + round++);
                copyDirectory(original, dir);
                byte[] torn = Arrays.copyOf(segment, cut);
                if (garbage) {
                    final byte[] tail = new byte[37];
                    random.nextBytes(tail);
                    torn = concat(torn, tail);
                }
                Files.write(dir.resolve("log-1.bin"), torn);

                try (FileRevisionStore store = FileRevisionStore.open(dir, NO_SNAPSHOTS)) {
                    assertThat(store.latestRevision()).as("cut at %d, garbage %s", cut, garbage).isEqualTo(5);
                    assertThat(store.latestSnapshot()).isEqualTo(replay(5));
                    assertThat(Files.size(dir.resolve("log-1.bin"))).isEqualTo(lastStart);
                    store.append(record(6));
                }
                try (FileRevisionStore store = FileRevisionStore.open(dir, NO_SNAPSHOTS)) {
                    assertThat(store.latestSnapshot()).as("reopen after cut at %d", cut).isEqualTo(replay(6));
                }
            }
        }
    }

    @Test
    void tornTail_zeroFillOrBadCrc_dropped() throws Exception {
        final Path dir = temp.resolve("data");
        try (FileRevisionStore store = FileRevisionStore.open(dir, NO_SNAPSHOTS)) {
            appendRange(store, 1, 6);
        }
        final Path segment = dir.resolve("log-1.bin");
        final long size = Files.size(segment);
        Files.write(segment, new byte[4096], StandardOpenOption.APPEND);

        try (FileRevisionStore store = FileRevisionStore.open(dir, NO_SNAPSHOTS)) {
            assertThat(store.latestRevision()).isEqualTo(6);
        }
        assertThat(Files.size(segment)).isEqualTo(size);

        flipByte(segment, size - 3);
        try (FileRevisionStore store = FileRevisionStore.open(dir, NO_SNAPSHOTS)) {
            assertThat(store.latestRevision()).isEqualTo(5);
            assertThat(store.latestSnapshot()).isEqualTo(replay(5));
        }
    }

    @Test
    void corruptMiddleCrc_failsOpen() throws Exception {
        final Path dir = temp.resolve("data");
        try (FileRevisionStore store = FileRevisionStore.open(dir, NO_SNAPSHOTS)) {
            appendRange(store, 1, 6);
        }
        final Path segment = dir.resolve("log-1.bin");
        final int thirdStart = RecordLog.frame(record(1)).length + RecordLog.frame(record(2)).length;
        flipByte(segment, thirdStart + 12);
        final byte[] before = Files.readAllBytes(segment);

        assertThatThrownBy(() -> FileRevisionStore.open(dir, NO_SNAPSHOTS))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(segment.toString())
                .hasMessageContaining("offset " + thirdStart)
                .hasMessageContaining("CRC32C mismatch");
        assertThat(Files.readAllBytes(segment)).isEqualTo(before);
    }

    @Test
    void corruptMiddleLength_failsOpen() throws Exception {
        final Path dir = temp.resolve("data");
        try (FileRevisionStore store = FileRevisionStore.open(dir, NO_SNAPSHOTS)) {
            appendRange(store, 1, 6);
        }
        final Path segment = dir.resolve("log-1.bin");
        final int secondStart = RecordLog.frame(record(1)).length;
        flipByte(segment, secondStart);

        assertThatThrownBy(() -> FileRevisionStore.open(dir, NO_SNAPSHOTS))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("offset " + secondStart)
                .hasMessageContaining("invalid record length");
    }

    @Test
    void corruptEndOfOlderSegment_failsOpen() throws Exception {
        final Path dir = temp.resolve("data");
        final FileRevisionStore.Options options = FileRevisionStore.Options.defaults().withSnapshotEvery(3);
        try (FileRevisionStore store = FileRevisionStore.open(dir, options)) {
            appendRange(store, 1, 7);
        }
        final Path segment = dir.resolve("log-1.bin");
        flipByte(segment, Files.size(segment) - 2);

        assertThatThrownBy(() -> FileRevisionStore.open(dir, options))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(segment.toString())
                .hasMessageContaining("not a write torn by a crash");
    }

    @Test
    void lockedDirectory_secondOpenFails() throws Exception {
        final Path dir = temp.resolve("data");
        try (FileRevisionStore store = FileRevisionStore.open(dir, NO_SNAPSHOTS)) {
            store.append(record(1));
            assertThatThrownBy(() -> FileRevisionStore.open(dir, NO_SNAPSHOTS))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("is locked by another open revision store");
            store.append(record(2));
        }

        try (FileRevisionStore store = FileRevisionStore.open(dir, NO_SNAPSHOTS)) {
            assertThat(store.latestRevision()).isEqualTo(2);
        }
    }

    @Test
    void append_wrongRevision_rejectedAndNothingWritten() throws Exception {
        final Path dir = temp.resolve("data");
        try (FileRevisionStore store = FileRevisionStore.open(dir, NO_SNAPSHOTS)) {
            appendRange(store, 1, 3);
            final long size = Files.size(dir.resolve("log-1.bin"));
            final RevisionRecord wrongStart = record(4).toBuilder()
                    .setDelta(Delta.newBuilder().setFromRevision(2).setToRevision(4))
                    .build();

            for (RevisionRecord wrong : List.of(record(5), record(3), record(0), wrongStart)) {
                assertThatThrownBy(() -> store.append(wrong))
                        .as("revision %d", wrong.getRevision())
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("does not follow revision 3");
            }

            assertThat(Files.size(dir.resolve("log-1.bin"))).isEqualTo(size);
            assertThat(store.latestRevision()).isEqualTo(3);
            store.append(record(4));
        }
        try (FileRevisionStore store = FileRevisionStore.open(dir, NO_SNAPSHOTS)) {
            assertThat(store.latestSnapshot()).isEqualTo(replay(4));
        }
    }

    @Test
    void append_writeFails_truncatesAndRejectsLater() throws Exception {
        assertFailedAppendLeavesNoPartialRecord(channel -> channel.failWrites = true, "injected write failure");
    }

    @Test
    void append_fsyncFails_truncatesAndRejectsLater() throws Exception {
        assertFailedAppendLeavesNoPartialRecord(channel -> channel.failForce = true, "injected fsync failure");
    }

    private void assertFailedAppendLeavesNoPartialRecord(Consumer<FaultyFileChannel> fault, String cause)
            throws Exception {
        final Path dir = temp.resolve("data");
        final List<FaultyFileChannel> channels = new ArrayList<>();
        final FileRevisionStore.SegmentOpener opener = (file, openOptions) -> {
            final FaultyFileChannel channel = new FaultyFileChannel(FileChannel.open(file, openOptions));
            channels.add(channel);
            return channel;
        };
        final Path segment = dir.resolve("log-1.bin");
        try (FileRevisionStore store = FileRevisionStore.open(dir, NO_SNAPSHOTS, opener)) {
            appendRange(store, 1, 3);
            final long size = Files.size(segment);
            fault.accept(channels.get(0));

            assertThatThrownBy(() -> store.append(record(4)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("failed to append revision 4 to " + segment + " at offset " + size)
                    .hasRootCauseMessage(cause);
            assertThat(Files.size(segment)).isEqualTo(size);
            assertThat(store.latestRevision()).isEqualTo(3);

            channels.get(0).failWrites = false;
            channels.get(0).failForce = false;
            assertThatThrownBy(() -> store.append(record(4)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("rejects appends after an earlier write failure");
            assertThat(Files.size(segment)).isEqualTo(size);
        }

        try (FileRevisionStore store = FileRevisionStore.open(dir, NO_SNAPSHOTS)) {
            assertThat(store.latestSnapshot()).isEqualTo(replay(3));
            store.append(record(4));
            assertThat(store.latestSnapshot()).isEqualTo(replay(4));
        }
    }

    @Test
    void reads_duringAppends_seeWholeRevisions() throws Exception {
        final int revisions = 200;
        final List<RoutingSnapshot> expected = new ArrayList<>();
        expected.add(RoutingSnapshot.getDefaultInstance());
        for (int revision = 1; revision <= revisions; revision++) {
            expected.add(Deltas.apply(expected.get(revision - 1), record(revision).getDelta()));
        }
        final FileRevisionStore.Options options = new FileRevisionStore.Options(16, 50);
        try (FileRevisionStore store = FileRevisionStore.open(temp.resolve("data"), options)) {
            final AtomicReference<Throwable> readerFailure = new AtomicReference<>();
            final AtomicBoolean done = new AtomicBoolean();
            final AtomicInteger reads = new AtomicInteger();
            final Thread reader = new Thread(() -> {
                try {
                    while (!done.get()) {
                        final RoutingSnapshot snapshot = store.latestSnapshot();
                        reads.incrementAndGet();
                        assertThat(snapshot).isEqualTo(expected.get((int) snapshot.getRevision()));
                        final List<RevisionRecord> tail = store.recordsAfter(Math.max(0, snapshot.getRevision() - 10));
                        if (tail != null && !tail.isEmpty()) {
                            final long first = tail.get(0).getRevision();
                            for (int i = 0; i < tail.size(); i++) {
                                assertThat(tail.get(i)).isEqualTo(record(first + i));
                            }
                        }
                    }
                } catch (Throwable t) {
                    readerFailure.set(t);
                }
            }, "store-reader");
            reader.start();

            appendRange(store, 1, revisions);
            done.set(true);
            reader.join();

            assertThat(readerFailure.get()).isNull();
            assertThat(reads.get()).isPositive();
            assertThat(store.latestSnapshot()).isEqualTo(expected.get(revisions));
        }
    }

    @Test
    void append_afterClose_throws() throws Exception {
        final FileRevisionStore store = FileRevisionStore.open(temp.resolve("data"), NO_SNAPSHOTS);
        store.close();

        assertThatThrownBy(() -> store.append(record(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed");
    }

    @Test
    void unrelatedFiles_rejectedWithoutChanges() throws Exception {
        final Path dir = Files.createDirectories(temp.resolve("other"));
        Files.writeString(dir.resolve("notes.txt"), "keep me");

        assertThatThrownBy(() -> FileRevisionStore.open(dir, NO_SNAPSHOTS))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("contains notes.txt");
        assertThat(fileNames(dir)).containsExactly("notes.txt");
    }

    @Test
    void notADirectory_rejected() throws Exception {
        final Path file = Files.writeString(temp.resolve("file"), "data");

        assertThatThrownBy(() -> FileRevisionStore.open(file, NO_SNAPSHOTS))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("is not a directory");
        assertThat(Files.readString(file)).isEqualTo("data");
    }

    @Test
    void epochFile_emptyOrInvalid_rejected() throws Exception {
        final Path dir = temp.resolve("data");
        try (FileRevisionStore store = FileRevisionStore.open(dir, NO_SNAPSHOTS)) {
            appendRange(store, 1, 2);
        }
        final Path epoch = dir.resolve("epoch");

        Files.write(epoch, new byte[0]);
        assertThatThrownBy(() -> FileRevisionStore.open(dir, NO_SNAPSHOTS))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("epoch file " + epoch + " is empty");

        Files.writeString(epoch, "not-a-uuid");
        assertThatThrownBy(() -> FileRevisionStore.open(dir, NO_SNAPSHOTS))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("contains \"not-a-uuid\"");

        Files.delete(epoch);
        assertThatThrownBy(() -> FileRevisionStore.open(dir, NO_SNAPSHOTS))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("but no epoch file");
        assertThat(fileNames(dir)).containsExactlyInAnyOrder("lock", "log-1.bin");
    }

    @Test
    void leftoverTempFiles_deletedOnOpen() throws Exception {
        final Path dir = temp.resolve("data");
        try (FileRevisionStore store = FileRevisionStore.open(dir, NO_SNAPSHOTS)) {
            appendRange(store, 1, 2);
        }
        Files.writeString(dir.resolve("snapshot-9.bin.tmp"), "half");

        try (FileRevisionStore store = FileRevisionStore.open(dir, NO_SNAPSHOTS)) {
            assertThat(store.latestRevision()).isEqualTo(2);
        }
        assertThat(fileNames(dir)).containsExactlyInAnyOrder("lock", "epoch", "log-1.bin");
    }

    @Test
    void options_invalidValues_rejected() {
        assertThatThrownBy(() -> new FileRevisionStore.Options(0, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("snapshotEvery: 0 (expected: 1 or more revisions)");
        assertThatThrownBy(() -> FileRevisionStore.Options.defaults().withRetainedRecords(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("retainedRecords: -1 (expected: 1 or more records)");
        assertThat(FileRevisionStore.Options.defaults()).isEqualTo(new FileRevisionStore.Options(1000, 10_000));
    }

    private static List<RevisionRecord> records(long first, long last) {
        return LongStream.rangeClosed(first, last).mapToObj(TestRecords::record).toList();
    }

    private static List<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString()).toList();
        }
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            final ByteBuffer original = ByteBuffer.allocate(1);
            channel.read(original, offset);
            original.flip();
            final byte flipped = (byte) (original.get() ^ 0x5A);
            channel.write(ByteBuffer.wrap(new byte[] {flipped}), offset);
        }
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    private static byte[] concat(byte[] first, byte[] second) {
        final byte[] result = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, result, first.length, second.length);
        return result;
    }
}
