package io.guise.manager.health;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.HdrHistogram.Histogram;

/**
 * Decodes the latency histograms of health reports (HdrHistogram's compressed
 * encoding, microseconds). The header is checked before the histogram is built,
 * so that a report cannot make the manager allocate a huge counts array.
 * Stateless and thread-safe.
 */
final class HistogramDecoder {

    /** The maximum length of a decoded histogram's counts array: 8 MiB of longs. */
    static final int MAX_COUNTS = 1 << 20;

    private static final int COMPRESSED_COOKIE = 0x1c849314;
    private static final int ENCODING_COOKIE = 0x1c849313;
    private static final int HEADER_BYTES = 40;

    private HistogramDecoder() {
    }

    /** A histogram that cannot be decoded; the message names the rule it breaks. */
    static final class BadHistogramException extends Exception {
        private static final long serialVersionUID = 1L;

        BadHistogramException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Returns the decoded histogram, or null for empty bytes (no response was recorded).
     *
     * @throws BadHistogramException when the bytes are not a usable compressed histogram
     */
    static Histogram decode(ByteString bytes) throws BadHistogramException {
        if (bytes.isEmpty()) {
            return null;
        }
        final ByteBuffer buffer = bytes.asReadOnlyByteBuffer().order(ByteOrder.BIG_ENDIAN);
        if (buffer.remaining() < 8 || buffer.getInt(0) != COMPRESSED_COOKIE) {
            throw new BadHistogramException("does not start with the compressed HdrHistogram cookie 0x"
                                            + Integer.toHexString(COMPRESSED_COOKIE));
        }
        final int compressedLength = buffer.getInt(4);
        if (compressedLength <= 0 || compressedLength > buffer.remaining() - 8) {
            throw new BadHistogramException("compressed length " + compressedLength + " (expected: 1-"
                                            + (buffer.remaining() - 8) + ", the bytes that follow)");
        }
        checkHeader(bytes.substring(8, 8 + compressedLength).toByteArray());
        try {
            return Histogram.decodeFromCompressedByteBuffer(buffer, 0);
        } catch (DataFormatException | RuntimeException e) {
            throw new BadHistogramException("decoding failed: " + e);
        }
    }

    private static void checkHeader(byte[] compressed) throws BadHistogramException {
        final byte[] header = new byte[HEADER_BYTES];
        final Inflater inflater = new Inflater();
        try {
            inflater.setInput(compressed);
            int read = 0;
            while (read < HEADER_BYTES && !inflater.finished() && !inflater.needsInput()) {
                read += inflater.inflate(header, read, HEADER_BYTES - read);
            }
            if (read < HEADER_BYTES) {
                throw new BadHistogramException("header of " + read + " bytes (expected: " + HEADER_BYTES + ")");
            }
        } catch (DataFormatException e) {
            throw new BadHistogramException("not deflate data: " + e.getMessage());
        } finally {
            inflater.end();
        }
        final ByteBuffer fields = ByteBuffer.wrap(header).order(ByteOrder.BIG_ENDIAN);
        final int cookie = fields.getInt(0);
        final int digits = fields.getInt(12);
        final long lowest = fields.getLong(16);
        final long highest = fields.getLong(24);
        if (cookie != ENCODING_COOKIE) {
            throw new BadHistogramException("inner cookie 0x" + Integer.toHexString(cookie) + " (expected: 0x"
                                            + Integer.toHexString(ENCODING_COOKIE) + ")");
        }
        if (digits < 0 || digits > 5) {
            throw new BadHistogramException("significant digits " + digits + " (expected: 0-5)");
        }
        if (lowest < 1 || highest < 2 * lowest) {
            throw new BadHistogramException("trackable range " + lowest + "-" + highest
                                            + " (expected: lowest >= 1 and highest >= 2 * lowest)");
        }
        final long counts = countsLength(digits, lowest, highest);
        if (counts > MAX_COUNTS) {
            throw new BadHistogramException("range " + lowest + "-" + highest + " at " + digits
                                            + " significant digits needs " + counts + " counts (expected: at most "
                                            + MAX_COUNTS + ")");
        }
    }

    /** Returns the length of the counts array that HdrHistogram allocates for these parameters. */
    static long countsLength(int digits, long lowest, long highest) {
        final long singleUnitResolution = 2 * (long) Math.pow(10, digits);
        final int subBucketMagnitude = Math.max(1, 64 - Long.numberOfLeadingZeros(singleUnitResolution - 1));
        final long subBucketCount = 1L << subBucketMagnitude;
        final int unitMagnitude = 63 - Long.numberOfLeadingZeros(lowest);
        if (subBucketMagnitude + unitMagnitude > 62) {
            return Long.MAX_VALUE;
        }
        long smallestUntrackable = subBucketCount << unitMagnitude;
        int buckets = 1;
        while (smallestUntrackable <= highest) {
            if (smallestUntrackable > Long.MAX_VALUE / 2) {
                buckets++;
                break;
            }
            smallestUntrackable <<= 1;
            buckets++;
        }
        return (buckets + 1) * (subBucketCount / 2);
    }
}
