package io.guise.subset;

import java.util.Arrays;

/**
 * Lookup table from an IPv6 address to the value of its interval. Immutable and
 * thread-safe.
 *
 * <p>The layout follows {@link Ipv4Table}, with the direct index on the top
 * {@code indexBits} bits of the address's high 64 bits. Interval starts take two longs
 * each in {@link #sliceStarts}: the high 64 bits with the index bits cleared, then the low
 * 64 bits with the sign bit flipped, so that signed comparison orders both as unsigned.
 * A slice step compares two longs and reads 16 bytes of starts per interval, against 4 for
 * IPv4.
 */
final class Ipv6Table {

    // Maximum slice length searched by a linear scan, as in Ipv4Table.
    private static final int MAX_LINEAR_SLICE = 8;

    private final int shift;
    private final long offsetMask;
    private final int[] bucketStarts;
    private final Object[] bucketValues;
    private final long[] sliceStarts;
    private final Object[] sliceValues;

    private Ipv6Table(int shift, int[] bucketStarts, Object[] bucketValues, long[] sliceStarts, Object[] sliceValues) {
        this.shift = shift;
        this.offsetMask = -1L >>> (64 - shift);
        this.bucketStarts = bucketStarts;
        this.bucketValues = bucketValues;
        this.sliceStarts = sliceStarts;
        this.sliceValues = sliceValues;
    }

    /**
     * Builds the table from intervals.
     *
     * @param indexBits number of top address bits in the direct index, 1-24
     * @param values value for each value index, null at index 0
     */
    static Ipv6Table build(PrefixIntervals intervals, int indexBits, Object[] values) {
        final int shift = 64 - indexBits;
        final int bucketCount = 1 << indexBits;
        final long offsetMask = -1L >>> indexBits;
        final int count = intervals.count;
        final long[] startHigh = intervals.startHigh;
        final long[] startLow = intervals.startLow;
        final int[] valueIndex = intervals.valueIndex;

        final int[] bucketStarts = new int[bucketCount + 1];
        final Object[] bucketValues = new Object[bucketCount];
        final long[] sliceStarts = new long[2 * Math.max(0, count - 1)];
        final Object[] sliceValues = new Object[Math.max(0, count - 1)];
        int size = 0;
        // i is the interval that covers the first address of bucket b.
        int i = 0;
        for (int b = 0; b < bucketCount; b++) {
            final long bucketStart = (long) b << shift;
            while (i + 1 < count && !PrefixIntervals.lessUnsigned(bucketStart, 0, startHigh[i + 1], startLow[i + 1])) {
                i++;
            }
            bucketStarts[b] = size;
            bucketValues[b] = values[valueIndex[i]];
            int j = i + 1;
            while (j < count && (startHigh[j] >>> shift) == b) {
                sliceStarts[2 * size] = startHigh[j] & offsetMask;
                sliceStarts[2 * size + 1] = startLow[j] ^ Long.MIN_VALUE;
                sliceValues[size] = values[valueIndex[j]];
                size++;
                j++;
            }
            i = j - 1;
        }
        bucketStarts[bucketCount] = size;
        return new Ipv6Table(shift, bucketStarts, bucketValues, Arrays.copyOf(sliceStarts, 2 * size),
                Arrays.copyOf(sliceValues, size));
    }

    /** Returns the value of the interval that contains {@code high:low}, or null for no prefix. */
    Object find(long high, long low) {
        final int bucket = (int) (high >>> shift);
        final int from = bucketStarts[bucket];
        final int to = bucketStarts[bucket + 1];
        final long keyHigh = high & offsetMask;
        final long keyLow = low ^ Long.MIN_VALUE;
        Object value = bucketValues[bucket];
        if (to - from <= MAX_LINEAR_SLICE) {
            // Starts ascend, so the last entry at or below the address wins.
            for (int i = from; i < to; i++) {
                final Object candidate = sliceValues[i];
                if (atOrBelow(sliceStarts[2 * i], sliceStarts[2 * i + 1], keyHigh, keyLow)) {
                    value = candidate;
                }
            }
            return value;
        }
        // Find the first entry above the address. The entry before it, when there is one,
        // is the interval that contains the address.
        int lowerBound = from;
        int upperBound = to;
        while (lowerBound < upperBound) {
            final int middle = (lowerBound + upperBound) >>> 1;
            if (atOrBelow(sliceStarts[2 * middle], sliceStarts[2 * middle + 1], keyHigh, keyLow)) {
                lowerBound = middle + 1;
            } else {
                upperBound = middle;
            }
        }
        return lowerBound == from ? value : sliceValues[lowerBound - 1];
    }

    private static boolean atOrBelow(long startHigh, long startLow, long keyHigh, long keyLow) {
        return startHigh < keyHigh | startHigh == keyHigh & startLow <= keyLow;
    }
}
