package io.guise.subset;

import java.util.Arrays;

/**
 * Lookup table from an IPv6 address to the value index of its interval. Immutable and
 * thread-safe.
 *
 * <p>The layout follows {@link Ipv4Table}: a direct index on the top {@code indexBits}
 * address bits, whose entries either carry a value index (sign bit set) or point at a
 * slice of {@link #slices}. A slice starts with a head entry that packs the number of
 * entries after it (high 32 bits) with the value index of the interval covering the
 * bucket's first address (low 32 bits). Each interval that starts inside the bucket then
 * takes three longs: the high 64 bits of its start with the index bits cleared, the low
 * 64 bits with the sign bit flipped so that signed comparison orders them as unsigned,
 * and the value index.
 */
final class Ipv6Table {

    private static final int LEAF = 0x8000_0000;
    private static final int ENTRY_LONGS = 3;

    private final int shift;
    private final long offsetMask;
    private final int[] index;
    private final long[] slices;

    private Ipv6Table(int shift, int[] index, long[] slices) {
        this.shift = shift;
        this.offsetMask = -1L >>> (64 - shift);
        this.index = index;
        this.slices = slices;
    }

    /**
     * Builds the table from intervals.
     *
     * @param indexBits number of top address bits in the direct index, 8-24
     */
    static Ipv6Table build(PrefixIntervals intervals, int indexBits) {
        final int shift = 64 - indexBits;
        final int bucketCount = 1 << indexBits;
        final long offsetMask = -1L >>> indexBits;
        final int count = intervals.count;
        final long[] startHigh = intervals.startHigh;
        final long[] startLow = intervals.startLow;
        final int[] value = intervals.valueIndex;

        final int[] index = new int[bucketCount];
        long[] slices = new long[Math.min(count, bucketCount) + ENTRY_LONGS * count];
        int size = 0;
        // i is the interval that covers the first address of bucket b.
        int i = 0;
        for (int b = 0; b < bucketCount; b++) {
            final long bucketStart = (long) b << shift;
            while (i + 1 < count && !PrefixIntervals.lessUnsigned(bucketStart, 0, startHigh[i + 1], startLow[i + 1])) {
                i++;
            }
            int end = i + 1;
            while (end < count && (startHigh[end] >>> shift) == b) {
                end++;
            }
            final int inner = end - i - 1;
            if (inner == 0) {
                index[b] = LEAF | value[i];
                continue;
            }
            final int needed = 1 + ENTRY_LONGS * inner;
            if (size + needed > slices.length) {
                slices = Arrays.copyOf(slices, Math.max(size + needed, slices.length + (slices.length >> 1)));
            }
            index[b] = size;
            slices[size++] = (long) inner << 32 | value[i];
            for (int j = i + 1; j < end; j++) {
                slices[size++] = startHigh[j] & offsetMask;
                slices[size++] = startLow[j] ^ Long.MIN_VALUE;
                slices[size++] = value[j];
            }
            i = end - 1;
        }
        return new Ipv6Table(shift, index, Arrays.copyOf(slices, size));
    }

    /**
     * Returns the value index for {@code high:low}: one index read, then a binary search
     * comparing 128-bit starts in a small slice.
     */
    int find(long high, long low) {
        final int entry = index[(int) (high >>> shift)];
        if (entry < 0) {
            return entry & ~LEAF;
        }
        final long[] slices = this.slices;
        final long head = slices[entry];
        final long keyHigh = high & offsetMask;
        final long keyLow = low ^ Long.MIN_VALUE;
        // Count the interval starts at or below the address.
        int lowerBound = 0;
        int upperBound = (int) (head >>> 32);
        while (lowerBound < upperBound) {
            final int middle = (lowerBound + upperBound) >>> 1;
            final int at = entry + 1 + ENTRY_LONGS * middle;
            final long startHigh = slices[at];
            if (startHigh < keyHigh || startHigh == keyHigh && slices[at + 1] <= keyLow) {
                lowerBound = middle + 1;
            } else {
                upperBound = middle;
            }
        }
        if (lowerBound == 0) {
            return (int) head;
        }
        // Value index of entry lowerBound - 1.
        return (int) slices[entry + ENTRY_LONGS * lowerBound];
    }
}
