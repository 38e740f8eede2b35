package io.guise.manager.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.guise.proto.RoutingSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The file names of a {@link FileRevisionStore} data directory, the snapshot file
 * format, and atomic file writes. Stateless and thread-safe.
 *
 * <p>A snapshot file is a 4-byte magic number, the 4-byte big-endian length and
 * CRC32C of the payload, then the serialized {@link RoutingSnapshot}.
 */
final class StoreFiles {

    static final String LOCK = "lock";
    static final String EPOCH = "epoch";
    static final String TEMP_SUFFIX = ".tmp";

    /** "GSNP" in ASCII: marks a snapshot file. */
    private static final int SNAPSHOT_MAGIC = 0x47534E50;
    private static final int SNAPSHOT_HEADER_BYTES = 12;

    private static final Pattern SEGMENT = Pattern.compile("log-([1-9][0-9]{0,18})\\.bin");
    private static final Pattern SNAPSHOT = Pattern.compile("snapshot-([1-9][0-9]{0,18})\\.bin");

    private StoreFiles() {
    }

    static String segmentName(long firstRevision) {
        return "log-" + firstRevision + ".bin";
    }

    static String snapshotName(long revision) {
        return "snapshot-" + revision + ".bin";
    }

    /**
     * The files of a data directory, classified by name.
     *
     * @param hasEpoch whether the epoch file exists
     * @param segments log segments keyed by first revision
     * @param snapshots snapshot files keyed by revision
     * @param tempFiles files left by a write that a crash interrupted
     */
    record Listing(boolean hasEpoch, TreeMap<Long, Path> segments, TreeMap<Long, Path> snapshots,
                   List<Path> tempFiles) {
    }

    /**
     * Lists a data directory.
     *
     * @throws IOException when the directory contains a file or folder that the store does not
     *     write, so that the store never initialises or changes a directory it does not own
     */
    static Listing list(Path dir) throws IOException {
        boolean hasEpoch = false;
        final TreeMap<Long, Path> segments = new TreeMap<>();
        final TreeMap<Long, Path> snapshots = new TreeMap<>();
        final List<Path> tempFiles = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                final String name = entry.getFileName().toString();
                if (!Files.isRegularFile(entry)) {
                    throw unexpected(dir, entry);
                }
                if (name.equals(LOCK)) {
                    continue;
                }
                if (name.equals(EPOCH)) {
                    hasEpoch = true;
                } else if (name.endsWith(TEMP_SUFFIX) && isStoreFile(name.substring(0, name.length() - 4))) {
                    tempFiles.add(entry);
                } else if (!addNumbered(SEGMENT, name, entry, segments)
                           && !addNumbered(SNAPSHOT, name, entry, snapshots)) {
                    throw unexpected(dir, entry);
                }
            }
        }
        return new Listing(hasEpoch, segments, snapshots, tempFiles);
    }

    private static boolean isStoreFile(String name) {
        return name.equals(EPOCH) || SNAPSHOT.matcher(name).matches();
    }

    private static boolean addNumbered(Pattern pattern, String name, Path entry, TreeMap<Long, Path> files) {
        final Matcher matcher = pattern.matcher(name);
        if (!matcher.matches()) {
            return false;
        }
        try {
            files.put(Long.parseLong(matcher.group(1)), entry);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static IOException unexpected(Path dir, Path entry) {
        return new IOException("data directory " + dir + " contains " + entry.getFileName()
                               + ", which the revision store does not write. Point the store at a directory "
                               + "of its own, or move that entry out");
    }

    /**
     * Writes a file so that it exists either whole or not at all after a crash: the
     * bytes go to a temp file that is fsynced, renamed over {@code name} in one atomic
     * step, and then the directory is fsynced so the rename is durable.
     */
    static void writeAtomically(Path dir, String name, byte[] content) throws IOException {
        final Path temp = dir.resolve(name + TEMP_SUFFIX);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                                                    StandardOpenOption.TRUNCATE_EXISTING)) {
            final ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(temp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(dir);
    }

    /**
     * Fsyncs a directory, so that files created, renamed or deleted in it stay that way
     * after a crash.
     */
    static void syncDirectory(Path dir) throws IOException {
        // NOTE: opening a directory as a FileChannel works on Linux and macOS but not on Windows.
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    static byte[] encodeSnapshot(RoutingSnapshot snapshot) {
        final byte[] payload = snapshot.toByteArray();
        final ByteBuffer file = ByteBuffer.allocate(SNAPSHOT_HEADER_BYTES + payload.length);
        file.putInt(SNAPSHOT_MAGIC);
        file.putInt(payload.length);
        file.putInt(RecordLog.crc32c(payload, 0, payload.length));
        file.put(payload);
        return file.array();
    }

    /**
     * Reads and verifies a snapshot file.
     *
     * @param revision the revision in the file name, which the snapshot must hold
     * @throws IOException when the file cannot be read or is not a valid snapshot at {@code revision}
     */
    static RoutingSnapshot readSnapshot(Path file, long revision) throws IOException {
        final byte[] data = Files.readAllBytes(file);
        if (data.length < SNAPSHOT_HEADER_BYTES) {
            throw new IOException("snapshot " + file + ": " + data.length + " bytes (expected: at least "
                                  + SNAPSHOT_HEADER_BYTES + ")");
        }

        final ByteBuffer header = ByteBuffer.wrap(data, 0, SNAPSHOT_HEADER_BYTES);
        final int magic = header.getInt();
        final int length = header.getInt();
        final int crc = header.getInt();

        if (magic != SNAPSHOT_MAGIC) {
            throw new IOException("snapshot " + file + ": magic number 0x" + Integer.toHexString(magic)
                                  + " (expected: 0x" + Integer.toHexString(SNAPSHOT_MAGIC) + ")");
        }
        if (length != data.length - SNAPSHOT_HEADER_BYTES) {
            throw new IOException("snapshot " + file + ": header length " + length + " but "
                                  + (data.length - SNAPSHOT_HEADER_BYTES) + " payload bytes");
        }
        if (RecordLog.crc32c(data, SNAPSHOT_HEADER_BYTES, length) != crc) {
            throw new IOException("snapshot " + file + ": CRC32C mismatch");
        }

        final RoutingSnapshot snapshot;
        try {
            snapshot = RoutingSnapshot.parseFrom(ByteBuffer.wrap(data, SNAPSHOT_HEADER_BYTES, length));
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("snapshot " + file + ": payload does not parse as a RoutingSnapshot", e);
        }
        if (snapshot.getRevision() != revision) {
            throw new IOException("snapshot " + file + ": contains revision " + snapshot.getRevision()
                                  + " (expected: " + revision + ", from the file name)");
        }
        return snapshot;
    }
}
