package io.guise.subset;

import java.util.Arrays;

/**
 * Lookup table from an IPv4 address to the value of its interval. Immutable and
 * thread-safe.
 *
 * <p>A direct index on the top {@code indexBits} address bits selects a bucket.
 * {@link #bucketValues} stores the value of the interval that covers each bucket's first
 * address, and {@link #bucketStarts} gives each bucket's range of the slice arrays, which
 * list the intervals that start inside the bucket: their start's offset within the bucket
 * and their value, sorted by offset.
 *
 * <p>The layout keeps the chain of dependent memory reads short, because with a million
 * prefixes each read is likely a cache miss. The first step reads the bucket's two
 * {@link #bucketStarts} entries and its {@link #bucketValues} entry, all from addresses
 * known up front. A bucket with no interval start inside it is done there. Otherwise the
 * second step reads offsets and values at the same positions of two arrays, so a short
 * slice costs one more round of parallel reads.
 */
final class Ipv4Table {

    // Maximum slice length searched by a linear scan. A linear scan can issue all its
    // reads at once, while each probe of a binary search waits for the one before.
    private static final int MAX_LINEAR_SLICE = 8;

    private final int shift;
    private final int offsetMask;
    private final int[] bucketStarts;
    private final Object[] bucketValues;
    private final int[] sliceOffsets;
    private final Object[] sliceValues;

    private Ipv4Table(int shift, int[] bucketStarts, Object[] bucketValues, int[] sliceOffsets, Object[] sliceValues) {
        this.shift = shift;
        this.offsetMask = (1 << shift) - 1;
        this.bucketStarts = bucketStarts;
        this.bucketValues = bucketValues;
        this.sliceOffsets = sliceOffsets;
        this.sliceValues = sliceValues;
    }

    /**
     * Builds the table from intervals, ignoring those that start at or above 2<sup>32</sup>.
     *
     * @param indexBits number of top address bits in the direct index, 1-24
     * @param values value for each value index, null at index 0
     */
    static Ipv4Table build(PrefixIntervals intervals, int indexBits, Object[] values) {
        final int shift = 32 - indexBits;
        final int bucketCount = 1 << indexBits;

        int count = 0;
        while (count < intervals.count && intervals.startHigh[count] == 0 && (intervals.startLow[count] >>> 32) == 0) {
            count++;
        }
        final long[] start = intervals.startLow;
        final int[] valueIndex = intervals.valueIndex;

        // Every interval but the first starts inside exactly one bucket unless it starts on
        // a bucket boundary, so count - 1 bounds the slice length.
        final int[] bucketStarts = new int[bucketCount + 1];
        final Object[] bucketValues = new Object[bucketCount];
        final int[] sliceOffsets = new int[Math.max(0, count - 1)];
        final Object[] sliceValues = new Object[sliceOffsets.length];
        int size = 0;
        // i is the interval that covers the first address of bucket b.
        int i = 0;
        for (int b = 0; b < bucketCount; b++) {
            final long bucketStart = (long) b << shift;
            while (i + 1 < count && start[i + 1] <= bucketStart) {
                i++;
            }
            bucketStarts[b] = size;
            bucketValues[b] = values[valueIndex[i]];
            int j = i + 1;
            while (j < count && (start[j] >>> shift) == b) {
                sliceOffsets[size] = (int) (start[j] - bucketStart);
                sliceValues[size] = values[valueIndex[j]];
                size++;
                j++;
            }
            i = j - 1;
        }
        bucketStarts[bucketCount] = size;
        return new Ipv4Table(shift, bucketStarts, bucketValues, trim(sliceOffsets, size), trim(sliceValues, size));
    }

    /** Returns the value of the interval that contains {@code address}, or null for no prefix. */
    Object find(int address) {
        final int bucket = address >>> shift;
        final int from = bucketStarts[bucket];
        final int to = bucketStarts[bucket + 1];
        final int offset = address & offsetMask;
        Object value = bucketValues[bucket];
        if (to - from <= MAX_LINEAR_SLICE) {
            // Offsets ascend, so the last entry at or below the offset wins.
            for (int i = from; i < to; i++) {
                final Object candidate = sliceValues[i];
                if (sliceOffsets[i] <= offset) {
                    value = candidate;
                }
            }
            return value;
        }
        // Find the first entry above the offset. The entry before it, when there is one,
        // is the interval that contains the address.
        int low = from;
        int high = to;
        while (low < high) {
            final int middle = (low + high) >>> 1;
            if (sliceOffsets[middle] <= offset) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low == from ? value : sliceValues[low - 1];
    }

    private static int[] trim(int[] array, int size) {
        return size == array.length ? array : Arrays.copyOf(array, size);
    }

    private static Object[] trim(Object[] array, int size) {
        return size == array.length ? array : Arrays.copyOf(array, size);
    }
}
