package io.guise.subset;

import java.util.Arrays;

/**
 * Lookup table from an IPv4 address to the value index of its interval. Immutable and
 * thread-safe.
 *
 * <p>A direct index on the top {@code indexBits} address bits selects a bucket. A bucket
 * that lies inside one interval stores that interval's value index in the index entry
 * itself, with the sign bit set, so its lookup reads one array element. Any other bucket
 * points at its slice of {@link #slices}: a head entry holding the number of entries after it and
 * the value index of the interval that covers the bucket's first address, followed by one
 * entry per interval that starts inside the bucket, sorted. Each entry packs the interval
 * start's offset within the bucket (high 32 bits) with its value index (low 32 bits), so a
 * binary search over one {@code long[]} yields the value index without a second array read.
 */
final class Ipv4Table {

    private static final int LEAF = 0x8000_0000;

    private final int shift;
    private final int offsetMask;
    private final int[] index;
    private final long[] slices;

    private Ipv4Table(int shift, int[] index, long[] slices) {
        this.shift = shift;
        this.offsetMask = (1 << shift) - 1;
        this.index = index;
        this.slices = slices;
    }

    /**
     * Builds the table from intervals, ignoring those that start at or above 2<sup>32</sup>.
     *
     * @param indexBits number of top address bits in the direct index, 8-24
     */
    static Ipv4Table build(PrefixIntervals intervals, int indexBits) {
        final int shift = 32 - indexBits;
        final int bucketCount = 1 << indexBits;

        int count = 0;
        while (count < intervals.count && intervals.startHigh[count] == 0 && (intervals.startLow[count] >>> 32) == 0) {
            count++;
        }
        final long[] start = intervals.startLow;
        final int[] value = intervals.valueIndex;

        final int[] index = new int[bucketCount];
        long[] slices = new long[Math.min(count, bucketCount) + count];
        int size = 0;
        // i is the interval that covers the first address of bucket b.
        int i = 0;
        for (int b = 0; b < bucketCount; b++) {
            final long bucketStart = (long) b << shift;
            while (i + 1 < count && start[i + 1] <= bucketStart) {
                i++;
            }
            int end = i + 1;
            while (end < count && (start[end] >>> shift) == b) {
                end++;
            }
            final int inner = end - i - 1;
            if (inner == 0) {
                index[b] = LEAF | value[i];
                continue;
            }
            if (size + inner + 1 > slices.length) {
                slices = Arrays.copyOf(slices, Math.max(size + inner + 1, slices.length + (slices.length >> 1)));
            }
            index[b] = size;
            slices[size++] = (long) inner << 32 | value[i];
            for (int j = i + 1; j < end; j++) {
                slices[size++] = (start[j] - bucketStart) << 32 | value[j];
            }
            i = end - 1;
        }
        return new Ipv4Table(shift, index, Arrays.copyOf(slices, size));
    }

    /** Returns the value index for {@code address}: one index read, then a binary search in a small slice. */
    int find(int address) {
        final int entry = index[address >>> shift];
        if (entry < 0) {
            return entry & ~LEAF;
        }
        final long[] slices = this.slices;
        final long key = (long) (address & offsetMask) << 32 | 0xFFFF_FFFFL;
        // Find the first entry after the head whose start lies above the address.
        int low = entry + 1;
        int high = entry + 1 + (int) (slices[entry] >>> 32);
        while (low < high) {
            final int middle = (low + high) >>> 1;
            if (slices[middle] <= key) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        // The entry before it is the interval that contains the address. The head also
        // carries a value index in its low 32 bits: that of the interval covering the
        // bucket's first address.
        return (int) slices[low - 1];
    }
}
