package io.guise.manager.store;

import static java.util.Objects.requireNonNull;

import io.guise.distribution.Deltas;
import io.guise.proto.RevisionRecord;
import io.guise.proto.RoutingSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A revision store in a local data directory: an append-only log of revision
 * records and periodic snapshots of the routing state. The embedded default store
 * of the manager.
 *
 * <h2>Data directory</h2>
 * <ul>
 *   <li>{@code lock}: an empty file that an open store holds an exclusive
 *       {@link FileLock} on, so two managers cannot open one directory.</li>
 *   <li>{@code epoch}: the store epoch, a random UUID written once when the directory
 *       is initialised.</li>
 *   <li>{@code log-<firstRevision>.bin}: log segments. A segment contains consecutive
 *       records from {@code firstRevision} on, each framed as a 4-byte big-endian length,
 *       the 4-byte CRC32C of the record bytes and the serialized {@link RevisionRecord}.
 *       A new segment starts after each snapshot.</li>
 *   <li>{@code snapshot-<revision>.bin}: the {@link RoutingSnapshot} at that revision,
 *       after a 12-byte header of magic number, length and CRC32C.</li>
 *   <li>{@code epoch.tmp}, {@code snapshot-<revision>.bin.tmp}: files being written.
 *       Open deletes the ones a crash left behind.</li>
 * </ul>
 * Open rejects a directory that contains any other entry, and a directory with
 * segments or snapshots but no epoch, so it never initialises or changes a
 * directory that it does not own.
 *
 * <h2>Durability</h2>
 * {@link #append} writes the record's frame and calls {@link FileChannel#force} before
 * it returns. The epoch and snapshots are written to a temp file, fsynced, renamed
 * over the final name and followed by an fsync of the directory. New segments are
 * made durable by an fsync of the directory before their first record is
 * acknowledged.
 *
 * <p>When a write or fsync in {@code append} throws, the store truncates the segment
 * back to its size before the record and then rejects every later append with an
 * {@link IOException}. It does not retry, because after a failed fsync Linux may
 * mark the unwritten pages clean and drop them, so a later fsync that succeeds would
 * not prove that the earlier bytes are on disk. Reopening the store re-reads and verifies the
 * log. Reads keep returning the last acknowledged state. An interrupt of the thread
 * that appends also counts as a failed write, because it closes the {@link FileChannel}.
 *
 * <h2>Recovery</h2>
 * Open loads the newest snapshot that passes its checks (falling back to older ones
 * with a WARN), then replays the log records after it, verifying each frame's CRC and
 * that revisions are consecutive. A bad frame at the end of the newest segment that no
 * valid frame follows is a write torn by a crash: it was never acknowledged, so open
 * logs a WARN with the file and offset and truncates it. Any other bad frame, a gap
 * in the revisions after that snapshot, or a snapshot newer than the log fails open
 * with an {@link IOException} that names the file, and the offset of a bad frame.
 * Apart from creating the directory and the lock file, open changes no file before
 * all checks have passed.
 *
 * <h2>Retention</h2>
 * Every {@link Options#snapshotEvery()} revisions the store writes a snapshot and
 * starts a new segment. It then deletes all snapshots but the newest two, and the
 * segments whose records are all older than both the older of those two snapshots
 * and the newest {@link Options#retainedRecords()} revisions. The log on disk can
 * therefore rebuild the state from either kept snapshot, and after a reopen
 * {@link #recordsAfter} still serves the retained window. A failed snapshot is
 * logged at WARN and retried {@code snapshotEvery} revisions later, and the log keeps
 * every record meanwhile.
 *
 * <h2>Thread safety</h2>
 * Thread-safe. Appends and close hold a write lock across disk I/O, so they run one
 * at a time. Reads hold a separate state lock that an append takes only to publish
 * the new state, so reads never wait for an fsync. Reads after {@link #close} return
 * the last state and appends throw {@link IllegalStateException}.
 */
public final class FileRevisionStore implements RevisionStore {

    private static final Logger logger = LoggerFactory.getLogger(FileRevisionStore.class);

    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    /**
     * Settings of a {@link FileRevisionStore}.
     *
     * @param snapshotEvery revisions between two snapshots; default 1000. Smaller values
     *     make open faster and segments smaller, at the cost of more snapshot writes.
     * @param retainedRecords how many of the newest records {@link #recordsAfter} serves,
     *     in memory and after a reopen; default 10,000
     */
    public record Options(int snapshotEvery, int retainedRecords) {

        public static final int DEFAULT_SNAPSHOT_EVERY = 1000;
        public static final int DEFAULT_RETAINED_RECORDS = 10_000;

        /**
         * Validates the settings.
         *
         * @throws IllegalArgumentException when a value is below 1
         */
        public Options {
            if (snapshotEvery < 1) {
                throw new IllegalArgumentException("snapshotEvery: " + snapshotEvery
                                                   + " (expected: 1 or more revisions)");
            }
            if (retainedRecords < 1) {
                throw new IllegalArgumentException("retainedRecords: " + retainedRecords
                                                   + " (expected: 1 or more records)");
            }
        }

        /** Returns the default settings: a snapshot every 1000 revisions, 10,000 retained records. */
        public static Options defaults() {
            return new Options(DEFAULT_SNAPSHOT_EVERY, DEFAULT_RETAINED_RECORDS);
        }

        public Options withSnapshotEvery(int snapshotEvery) {
            return new Options(snapshotEvery, retainedRecords);
        }

        public Options withRetainedRecords(int retainedRecords) {
            return new Options(snapshotEvery, retainedRecords);
        }
    }

    /** Opens log segment files. Tests substitute one whose channels fail on request. */
    @FunctionalInterface
    interface SegmentOpener {
        FileChannel open(Path file, OpenOption... options) throws IOException;
    }

    /** The state that open rebuilt from the files, before any file is changed. */
    private record Recovered(RoutingSnapshot snapshot, long snapshotRevision, List<RevisionRecord> window,
                             int replayedRecords, Map.Entry<Long, Path> newestSegment,
                             RecordLog.Contents newestContents) {
    }

    private final Path dir;
    private final Options options;
    private final String epoch;
    private final FileChannel lockChannel;
    private final SegmentOpener segmentOpener;

    private final Object writeLock = new Object();
    // Guarded by writeLock.
    private FileChannel segment;
    private Path segmentPath;
    private long segmentBytes;
    private long nextSnapshotRevision;
    private IOException failure;
    private boolean closed;

    private final Object stateLock = new Object();
    // Guarded by stateLock. Written only while writeLock is held too.
    private RoutingSnapshot snapshot;
    private final ArrayList<RevisionRecord> records;

    private FileRevisionStore(Path dir, Options options, String epoch, FileChannel lockChannel,
                              SegmentOpener segmentOpener, Recovered recovered) {
        this.dir = dir;
        this.options = options;
        this.epoch = epoch;
        this.lockChannel = lockChannel;
        this.segmentOpener = segmentOpener;
        this.snapshot = recovered.snapshot();
        this.records = new ArrayList<>(recovered.window());
        this.nextSnapshotRevision = recovered.snapshotRevision() + options.snapshotEvery();
    }

    /**
     * Opens the store in {@code dataDir}, creating and initialising the directory when
     * it does not exist or is empty, and recovering the state from its files otherwise.
     *
     * @throws IOException when the directory is locked by another open store, is not a
     *     store's directory, or contains data that fails the recovery checks (the message
     *     names the file, and the offset for a log record)
     */
    public static FileRevisionStore open(Path dataDir, Options options) throws IOException {
        return open(dataDir, options, FileChannel::open);
    }

    static FileRevisionStore open(Path dataDir, Options options, SegmentOpener segmentOpener) throws IOException {
        requireNonNull(dataDir, "dataDir");
        requireNonNull(options, "options");
        final Path dir = dataDir.toAbsolutePath().normalize();
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw new IOException("data directory " + dir + " is not a directory");
            }
            // Rejects a foreign directory before the lock file is created in it.
            StoreFiles.list(dir);
        }
        Files.createDirectories(dir);
        final FileChannel lockChannel = lock(dir);
        try {
            return recover(dir, options, lockChannel, segmentOpener);
        } catch (IOException | RuntimeException e) {
            closeQuietly(lockChannel, e);
            throw e;
        }
    }

    private static FileChannel lock(Path dir) throws IOException {
        final Path lockFile = dir.resolve(StoreFiles.LOCK);
        final FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel, e);
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("data directory " + dir + " is locked by another open revision store (lock file "
                                  + lockFile + "). Stop the other manager, or give this one another directory");
        }
        return channel;
    }

    private static FileRevisionStore recover(Path dir, Options options, FileChannel lockChannel,
                                             SegmentOpener segmentOpener) throws IOException {
        final StoreFiles.Listing listing = StoreFiles.list(dir);
        final boolean initialise = !listing.hasEpoch();
        if (initialise && (!listing.segments().isEmpty() || !listing.snapshots().isEmpty())) {
            throw new IOException("data directory " + dir + " contains log segments or snapshots but no epoch file. "
                                  + "Restore " + dir.resolve(StoreFiles.EPOCH) + " from a backup, or write a new "
                                  + "UUID into it to give the store a new epoch");
        }
        final String epoch = initialise ? UUID.randomUUID().toString() : readEpoch(dir.resolve(StoreFiles.EPOCH));
        final Recovered recovered = replay(dir, listing, options);

        // Every check has passed: from here on open may change files.
        for (Path temp : listing.tempFiles()) {
            logger.info("Revision store {}: deleting {}, left by an interrupted write", dir, temp.getFileName());
            Files.delete(temp);
        }
        if (initialise) {
            StoreFiles.writeAtomically(dir, StoreFiles.EPOCH,
                                       (epoch + "\n").getBytes(StandardCharsets.US_ASCII));
            logger.info("Revision store {}: initialised with new epoch {}", dir, epoch);
        }
        final FileRevisionStore store = new FileRevisionStore(dir, options, epoch, lockChannel, segmentOpener,
                                                                recovered);
        store.openNewestSegment(recovered);
        logger.info("Revision store {}: opened at revision {}, epoch {}, from snapshot at revision {} and {} "
                    + "replayed records, {} records retained", dir, recovered.snapshot().getRevision(), epoch,
                    recovered.snapshotRevision(), recovered.replayedRecords(), recovered.window().size());
        return store;
    }

    private static String readEpoch(Path file) throws IOException {
        final String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            throw new IOException("epoch file " + file + " is empty (expected: the UUID written when the directory "
                                  + "was initialised). Restore it from a backup, or write a new UUID into it to "
                                  + "give the store a new epoch");
        }
        if (!UUID_TEXT.matcher(text).matches()) {
            final String excerpt = text.length() > 40 ? text.substring(0, 40) + "..." : text;
            throw new IOException("epoch file " + file + " contains \"" + excerpt + "\" (expected: a lowercase UUID such "
                                  + "as " + new UUID(0, 0) + "). Restore it from a backup");
        }
        return text;
    }

    /** Rebuilds the state from the newest valid snapshot and the log, without changing any file. */
    private static Recovered replay(Path dir, StoreFiles.Listing listing, Options options) throws IOException {
        RoutingSnapshot state = RoutingSnapshot.getDefaultInstance();
        for (Map.Entry<Long, Path> entry : listing.snapshots().descendingMap().entrySet()) {
            try {
                state = StoreFiles.readSnapshot(entry.getValue(), entry.getKey());
                break;
            } catch (IOException e) {
                logger.warn("Revision store {}: skipping invalid snapshot, trying an older one: {}", dir,
                            e.getMessage());
            }
        }
        final long snapshotRevision = state.getRevision();
        final ArrayDeque<RevisionRecord> window = new ArrayDeque<>();
        int replayed = 0;
        long nextRevision = -1;
        Map.Entry<Long, Path> newestSegment = null;
        RecordLog.Contents newestContents = null;
        for (Map.Entry<Long, Path> entry : listing.segments().entrySet()) {
            final long first = entry.getKey();
            final Path file = entry.getValue();
            checkSegmentStart(dir, file, first, nextRevision, snapshotRevision, window);
            final boolean newest = entry.getKey().equals(listing.segments().lastKey());
            final RecordLog.Contents contents = RecordLog.read(file, first, newest);
            for (RevisionRecord record : contents.records()) {
                window.add(record);
                if (window.size() > options.retainedRecords()) {
                    window.removeFirst();
                }
                if (record.getRevision() > snapshotRevision) {
                    state = applyRecovered(file, state, record);
                    replayed++;
                }
            }
            nextRevision = first + contents.records().size();
            if (newest) {
                newestSegment = entry;
                newestContents = contents;
            }
        }
        if (snapshotRevision > 0 && nextRevision - 1 < snapshotRevision) {
            throw new IOException("data directory " + dir + ": the snapshot at revision " + snapshotRevision
                                  + " is newer than the log, which ends at revision " + Math.max(0, nextRevision - 1)
                                  + ". Log segments are missing; restore the data directory from a backup");
        }
        return new Recovered(state, snapshotRevision, List.copyOf(window), replayed, newestSegment, newestContents);
    }

    /**
     * Checks that a segment starts where the log so far ends. A gap is allowed only
     * before the snapshot that recovery starts from, because no state depends on the
     * records in it. The records before the gap then leave the retained window.
     */
    private static void checkSegmentStart(Path dir, Path file, long first, long nextRevision, long snapshotRevision,
                                          ArrayDeque<RevisionRecord> window) throws IOException {
        if (nextRevision < 0) {
            if (first > snapshotRevision + 1) {
                throw new IOException("data directory " + dir + ": the oldest log segment " + file.getFileName()
                                      + " starts at revision " + first + " but the newest valid snapshot is at revision "
                                      + snapshotRevision + ", so revisions " + (snapshotRevision + 1) + "-"
                                      + (first - 1) + " are missing. Restore the data directory from a backup");
            }
            return;
        }
        if (first == nextRevision) {
            return;
        }
        if (first > nextRevision && first <= snapshotRevision + 1) {
            logger.warn("Revision store {}: log segment {} starts at revision {}, after a gap from revision {}; "
                        + "the state comes from the snapshot at revision {}, so only the retained window shrinks",
                        dir, file.getFileName(), first, nextRevision, snapshotRevision);
            window.clear();
            return;
        }
        throw new IOException("data directory " + dir + ": log segment " + file.getFileName() + " starts at revision "
                              + first + " (expected: " + nextRevision + ", after the previous segment). Restore the "
                              + "data directory from a backup");
    }

    private static RoutingSnapshot applyRecovered(Path file, RoutingSnapshot state, RevisionRecord record)
            throws IOException {
        try {
            return Deltas.apply(state, record.getDelta());
        } catch (Deltas.RevisionGapException e) {
            throw new IOException("log segment " + file + ": record for revision " + record.getRevision()
                                  + " does not apply: " + e.getMessage(), e);
        }
    }

    /**
     * Truncates a torn tail of the newest segment and opens it for appends. A segment
     * that ends at the snapshot recovery started from stays closed, so the next append
     * starts a new segment, as it would have after that snapshot.
     */
    private void openNewestSegment(Recovered recovered) throws IOException {
        if (recovered.newestSegment() == null) {
            return;
        }
        final Path file = recovered.newestSegment().getValue();
        final RecordLog.Contents contents = recovered.newestContents();
        final FileChannel channel = segmentOpener.open(file, StandardOpenOption.WRITE);
        try {
            if (contents.tailProblem() != null) {
                final long fileBytes = channel.size();
                logger.warn("Revision store {}: torn record at the tail of {} at offset {} ({}); truncating {} "
                            + "bytes that were never acknowledged", dir, file, contents.validBytes(),
                            contents.tailProblem(), fileBytes - contents.validBytes());
                channel.truncate(contents.validBytes());
                channel.force(true);
            }
        } catch (IOException e) {
            closeQuietly(channel, e);
            throw e;
        }
        final boolean endsAtSnapshot = !contents.records().isEmpty()
                                       && contents.records().get(contents.records().size() - 1).getRevision()
                                          == recovered.snapshotRevision();
        if (endsAtSnapshot) {
            channel.close();
            return;
        }
        segment = channel;
        segmentPath = file;
        segmentBytes = contents.validBytes();
    }

    @Override
    public String epoch() {
        return epoch;
    }

    @Override
    public long latestRevision() {
        synchronized (stateLock) {
            return snapshot.getRevision();
        }
    }

    @Override
    public RoutingSnapshot latestSnapshot() {
        synchronized (stateLock) {
            return snapshot;
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException also when the record is larger than 64 MiB
     * @throws IOException also when an earlier append failed; reopen the store to recover
     * @throws IllegalStateException when the store is closed
     */
    @Override
    public void append(RevisionRecord record) throws IOException {
        requireNonNull(record, "record");
        synchronized (writeLock) {
            if (closed) {
                throw new IllegalStateException("revision store " + dir + " is closed");
            }
            if (failure != null) {
                throw new IOException("revision store " + dir + " rejects appends after an earlier write failure; "
                                      + "reopen it to recover", failure);
            }
            final RoutingSnapshot current = latestSnapshot();
            final RoutingSnapshot next = applyNext(current, record);
            final byte[] frame = RecordLog.frame(record);
            writeFrame(record.getRevision(), frame);
            synchronized (stateLock) {
                snapshot = next;
                records.add(record);
                if (records.size() > options.retainedRecords()) {
                    records.subList(0, records.size() - options.retainedRecords()).clear();
                }
            }
            if (next.getRevision() >= nextSnapshotRevision) {
                snapshotAndRoll(next);
            }
        }
    }

    private static RoutingSnapshot applyNext(RoutingSnapshot current, RevisionRecord record) {
        final long latest = current.getRevision();
        final long from = record.getDelta().getFromRevision();
        final long to = record.getDelta().getToRevision();
        if (record.getRevision() != latest + 1 || from != latest || to != record.getRevision()) {
            throw new IllegalArgumentException("record for revision " + record.getRevision() + " with a delta from "
                                               + from + " to " + to + " does not follow revision " + latest
                                               + " (expected: revision " + (latest + 1) + " with a delta from "
                                               + latest + " to " + (latest + 1) + ")");
        }
        try {
            return Deltas.apply(current, record.getDelta());
        } catch (Deltas.RevisionGapException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private void writeFrame(long revision, byte[] frame) throws IOException {
        if (segment == null) {
            try {
                createSegment(revision);
            } catch (IOException e) {
                failure = e;
                logger.error("Revision store {}: failed to create log segment {}; rejecting appends until the store "
                             + "is reopened", dir, segmentPath, e);
                throw new IOException("failed to create log segment " + segmentPath + " for revision " + revision
                                      + "; the store rejects appends until it is reopened", e);
            }
        }
        final long sizeBefore = segmentBytes;
        try {
            final ByteBuffer buffer = ByteBuffer.wrap(frame);
            long position = sizeBefore;
            while (buffer.hasRemaining()) {
                position += segment.write(buffer, position);
            }
            segment.force(false);
            segmentBytes = position;
        } catch (IOException e) {
            failure = e;
            truncateAfterFailure(sizeBefore, e);
            logger.error("Revision store {}: failed to append revision {} to {}; rejecting appends until the store "
                         + "is reopened", dir, revision, segmentPath, e);
            throw new IOException("failed to append revision " + revision + " to " + segmentPath + " at offset "
                                  + sizeBefore + "; the store rejects appends until it is reopened", e);
        }
    }

    private void createSegment(long firstRevision) throws IOException {
        final Path file = dir.resolve(StoreFiles.segmentName(firstRevision));
        segmentPath = file;
        segment = segmentOpener.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        segmentBytes = 0;
        StoreFiles.syncDirectory(dir);
    }

    private void truncateAfterFailure(long size, IOException failure) {
        try {
            segment.truncate(size);
            segment.force(false);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** Writes a snapshot of {@code state}, starts a new segment and deletes files past retention. */
    private void snapshotAndRoll(RoutingSnapshot state) {
        final long revision = state.getRevision();
        nextSnapshotRevision = revision + options.snapshotEvery();
        try {
            StoreFiles.writeAtomically(dir, StoreFiles.snapshotName(revision), StoreFiles.encodeSnapshot(state));
        } catch (IOException e) {
            logger.warn("Revision store {}: failed to write the snapshot at revision {}; the log keeps every record, "
                        + "next attempt at revision {}", dir, revision, nextSnapshotRevision, e);
            return;
        }
        logger.info("Revision store {}: wrote snapshot at revision {}", dir, revision);
        closeSegment();
        deleteExpiredFiles(revision);
    }

    private void closeSegment() {
        if (segment == null) {
            return;
        }
        try {
            segment.close();
        } catch (IOException e) {
            // Every record in it was forced, so closing has no data left to lose.
            logger.warn("Revision store {}: failed to close log segment {}", dir, segmentPath, e);
        }
        segment = null;
        segmentPath = null;
    }

    /**
     * Deletes all snapshots but the newest two, and the segments whose records are all
     * older than the older kept snapshot and than the retained window.
     */
    private void deleteExpiredFiles(long latestRevision) {
        final StoreFiles.Listing listing;
        try {
            listing = StoreFiles.list(dir);
        } catch (IOException e) {
            logger.warn("Revision store {}: failed to list the directory; old files are kept", dir, e);
            return;
        }
        final List<Long> snapshotRevisions = new ArrayList<>(listing.snapshots().descendingKeySet());
        final long olderKeptSnapshot = snapshotRevisions.size() >= 2 ? snapshotRevisions.get(1) : 0;
        final long keepFrom = Math.min(olderKeptSnapshot + 1, latestRevision - options.retainedRecords() + 1);

        int deletedSnapshots = 0;
        for (Long snapshotRevision : snapshotRevisions.subList(Math.min(2, snapshotRevisions.size()),
                                                               snapshotRevisions.size())) {
            if (delete(listing.snapshots().get(snapshotRevision))) {
                deletedSnapshots++;
            }
        }
        int deletedSegments = 0;
        final List<Long> firstRevisions = new ArrayList<>(listing.segments().keySet());
        for (int i = 0; i + 1 < firstRevisions.size(); i++) {
            final long lastRevision = firstRevisions.get(i + 1) - 1;
            if (lastRevision >= keepFrom) {
                break;
            }
            if (delete(listing.segments().get(firstRevisions.get(i)))) {
                deletedSegments++;
            }
        }
        if (deletedSnapshots > 0 || deletedSegments > 0) {
            logger.info("Revision store {}: deleted {} snapshots and {} log segments, keeping records from "
                        + "revision {}", dir, deletedSnapshots, deletedSegments, keepFrom);
        }
    }

    private boolean delete(Path file) {
        try {
            Files.delete(file);
            return true;
        } catch (IOException e) {
            logger.warn("Revision store {}: failed to delete {}; it is retried after the next snapshot", dir,
                        file.getFileName(), e);
            return false;
        }
    }

    @Override
    public List<RevisionRecord> recordsAfter(long fromRevision) {
        synchronized (stateLock) {
            final long latest = snapshot.getRevision();
            if (fromRevision == latest) {
                return List.of();
            }
            if (fromRevision > latest || records.isEmpty() || records.get(0).getRevision() > fromRevision + 1) {
                return null;
            }
            final int start = (int) (fromRevision + 1 - records.get(0).getRevision());
            return List.copyOf(records.subList(start, records.size()));
        }
    }

    @Override
    public long commitTimeMillis(long revision) {
        synchronized (stateLock) {
            if (records.isEmpty()) {
                return -1;
            }
            final long index = revision - records.get(0).getRevision();
            return index < 0 || index >= records.size() ? -1 : records.get((int) index).getCommitTimeMs();
        }
    }

    /** Closes the log segment and releases the directory lock. Calling it again does nothing. */
    @Override
    public void close() throws IOException {
        synchronized (writeLock) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (segment != null) {
                    segment.close();
                }
            } finally {
                segment = null;
                lockChannel.close();
            }
        }
        logger.info("Revision store {}: closed at revision {}", dir, latestRevision());
    }

    private static void closeQuietly(FileChannel channel, Exception failure) {
        try {
            channel.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
