package io.guise.manager.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.guise.proto.RevisionRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The record framing of log segments, and the reader that verifies a segment on
 * open. A frame is a 4-byte big-endian record length, the 4-byte big-endian
 * CRC32C of the record bytes, then the serialized {@link RevisionRecord}.
 * Stateless and thread-safe.
 */
final class RecordLog {

    /** Maximum size of one serialized record; a larger length field marks a corrupt frame. */
    static final int MAX_RECORD_BYTES = 64 * 1024 * 1024;

    static final int FRAME_HEADER_BYTES = 8;

    private RecordLog() {
    }

    /**
     * Returns the frame of a record.
     *
     * @throws IllegalArgumentException when the record is larger than {@link #MAX_RECORD_BYTES}
     */
    static byte[] frame(RevisionRecord record) {
        final byte[] payload = record.toByteArray();
        if (payload.length > MAX_RECORD_BYTES) {
            throw new IllegalArgumentException("record for revision " + record.getRevision() + ": "
                                               + payload.length + " bytes (expected: at most "
                                               + MAX_RECORD_BYTES + ")");
        }
        final ByteBuffer frame = ByteBuffer.allocate(FRAME_HEADER_BYTES + payload.length);
        frame.putInt(payload.length);
        frame.putInt(crc32c(payload, 0, payload.length));
        frame.put(payload);
        return frame.array();
    }

    /**
     * The verified contents of one segment file.
     *
     * @param records the records in order, consecutive from the segment's first revision
     * @param validBytes the length of the prefix that contains {@code records}
     * @param tailProblem why the bytes after {@code validBytes} are not a record, or null when
     *     the file ends at {@code validBytes}
     */
    record Contents(List<RevisionRecord> records, long validBytes, String tailProblem) {
    }

    /**
     * Reads and verifies a segment. In the newest segment a bad frame that no valid
     * frame follows is a write torn by a crash: it is reported in {@link Contents#tailProblem()}
     * and left for the caller to truncate. Any other bad frame fails the read, because
     * dropping it could lose acknowledged records.
     *
     * @param firstRevision the revision the file name gives to the first record
     * @param newest whether this is the newest segment, the only one a crash can leave torn
     * @throws IOException when the file cannot be read, contains a bad frame that is not a
     *     torn tail, or contains records that are not consecutive from {@code firstRevision}
     */
    static Contents read(Path file, long firstRevision, boolean newest) throws IOException {
        final long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 16) {
            // NOTE: segments roll at every snapshot, so only records of several MiB each
            // with a large snapshotEvery come near this limit.
            throw new IOException("log segment " + file + ": " + size + " bytes (expected: under 2 GiB, "
                                  + "the largest segment this reader loads)");
        }
        final byte[] data = Files.readAllBytes(file);
        final List<RevisionRecord> records = new ArrayList<>();
        long expectedRevision = firstRevision;
        int offset = 0;
        while (offset < data.length) {
            final String problem = checkFrame(data, offset);
            if (problem != null) {
                return badFrame(file, data, offset, problem, newest, records);
            }
            final int length = ByteBuffer.wrap(data, offset, 4).getInt();
            final RevisionRecord record = parse(data, offset + FRAME_HEADER_BYTES, length);
            if (record == null) {
                return badFrame(file, data, offset, "record bytes do not parse as a RevisionRecord",
                                newest, records);
            }
            checkSequence(file, offset, record, expectedRevision);
            records.add(record);
            expectedRevision++;
            offset += FRAME_HEADER_BYTES + length;
        }
        return new Contents(records, data.length, null);
    }

    private static Contents badFrame(Path file, byte[] data, int offset, String problem, boolean newest,
                                     List<RevisionRecord> records) throws IOException {
        final String where = "log segment " + file + " at offset " + offset;
        if (!newest) {
            throw new IOException("corrupt record in " + where + ": " + problem + ". Newer segments follow, "
                                  + "so this is not a write torn by a crash; restore the data directory "
                                  + "from a backup");
        }
        final int validAfter = findValidFrame(data, offset + 1);
        if (validAfter >= 0) {
            throw new IOException("corrupt record in " + where + ": " + problem + ", followed by a valid "
                                  + "record at offset " + validAfter + ". Dropping the records from offset "
                                  + offset + " on could lose acknowledged revisions; restore the data "
                                  + "directory from a backup");
        }
        return new Contents(records, offset, problem);
    }

    /** Returns why the frame at {@code offset} is invalid, or null when its length and CRC are valid. */
    private static String checkFrame(byte[] data, int offset) {
        final int available = data.length - offset;
        if (available < FRAME_HEADER_BYTES) {
            return "frame header cut short: " + available + " of " + FRAME_HEADER_BYTES + " bytes";
        }
        final ByteBuffer header = ByteBuffer.wrap(data, offset, FRAME_HEADER_BYTES);
        final int length = header.getInt();
        final int crc = header.getInt();
        if (length < 1 || length > MAX_RECORD_BYTES) {
            return "invalid record length " + length + " (expected: 1-" + MAX_RECORD_BYTES + ")";
        }
        if (length > available - FRAME_HEADER_BYTES) {
            return "record cut short: " + (available - FRAME_HEADER_BYTES) + " of " + length + " bytes";
        }
        if (crc32c(data, offset + FRAME_HEADER_BYTES, length) != crc) {
            return "CRC32C mismatch";
        }
        return null;
    }

    /** Returns the offset of the first valid, parsable frame at or after {@code from}, or -1. */
    private static int findValidFrame(byte[] data, int from) {
        for (int offset = from; offset + FRAME_HEADER_BYTES < data.length; offset++) {
            if (checkFrame(data, offset) == null) {
                final int length = ByteBuffer.wrap(data, offset, 4).getInt();
                if (parse(data, offset + FRAME_HEADER_BYTES, length) != null) {
                    return offset;
                }
            }
        }
        return -1;
    }

    private static void checkSequence(Path file, int offset, RevisionRecord record, long expectedRevision)
            throws IOException {
        final long revision = record.getRevision();
        if (revision != expectedRevision) {
            throw new IOException("log segment " + file + " at offset " + offset + ": record for revision "
                                  + revision + " (expected: revision " + expectedRevision
                                  + ", consecutive from the revision in the file name)");
        }
        if (record.getDelta().getFromRevision() != revision - 1 || record.getDelta().getToRevision() != revision) {
            throw new IOException("log segment " + file + " at offset " + offset + ": record for revision "
                                  + revision + " holds a delta from revision " + record.getDelta().getFromRevision()
                                  + " to " + record.getDelta().getToRevision() + " (expected: from "
                                  + (revision - 1) + " to " + revision + ")");
        }
    }

    private static RevisionRecord parse(byte[] data, int offset, int length) {
        try {
            return RevisionRecord.parseFrom(ByteBuffer.wrap(data, offset, length));
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
    }

    static int crc32c(byte[] data, int offset, int length) {
        final CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        return (int) crc.getValue();
    }
}
