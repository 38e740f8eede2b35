package io.guise.subset;

import java.util.Arrays;

/**
 * Disjoint address intervals that cover the whole 128-bit address space, each carrying
 * the value index of the most specific prefix that covers it (0 when none does).
 * Immutable once built.
 *
 * <p>Interval {@code i} runs from its start ({@code startHigh[i]:startLow[i]}, unsigned)
 * up to the start of interval {@code i + 1} minus one, and the last interval runs to the
 * end of the address space. Interval 0 starts at address 0. Adjacent intervals always
 * carry different value indexes.
 *
 * <p>IPv4 prefixes are flattened in the same 128-bit space as {@code ::a.b.c.d/(96 + n)},
 * so the caller keeps only the intervals that start below 2<sup>32</sup>.
 */
final class PrefixIntervals {

    final long[] startHigh;
    final long[] startLow;
    final int[] valueIndex;
    final int count;

    private PrefixIntervals(long[] startHigh, long[] startLow, int[] valueIndex, int count) {
        this.startHigh = startHigh;
        this.startLow = startLow;
        this.valueIndex = valueIndex;
        this.count = count;
    }

    /**
     * Flattens prefixes into intervals in O(n log n) time.
     *
     * <p>The prefixes are sorted by start address, covering prefixes before the prefixes
     * they contain. A sweep then keeps the chain of open prefixes on a stack: when a
     * prefix ends, the interval after it takes the value of the prefix below it on the
     * stack. Two CIDR prefixes are either disjoint or nested, so the stack never keeps a
     * prefix that ends inside a later one, and it has at most 129 entries.
     *
     * @param high high 64 bits of each prefix's first address
     * @param low low 64 bits of each prefix's first address
     * @param length each prefix's length, 0-128, with no host bits set and no duplicates
     * @param valueIndex each prefix's value index, at least 1
     * @param members indexes of the prefixes to flatten; the array is sorted in place
     */
    static PrefixIntervals flatten(long[] high, long[] low, int[] length, int[] valueIndex, int[] members) {
        sortByStartThenLength(members, high, low, length);

        final Output out = new Output(2 * members.length + 1);
        out.emit(0, 0, 0);

        final long[] stackLastHigh = new long[129];
        final long[] stackLastLow = new long[129];
        final int[] stackValue = new int[129];
        int depth = 0;

        for (final int p : members) {
            final long startHigh = high[p];
            final long startLow = low[p];
            while (depth > 0 && lessUnsigned(stackLastHigh[depth - 1], stackLastLow[depth - 1], startHigh, startLow)) {
                depth--;
                out.emitAfter(stackLastHigh[depth], stackLastLow[depth], depth > 0 ? stackValue[depth - 1] : 0);
            }
            out.emit(startHigh, startLow, valueIndex[p]);
            stackLastHigh[depth] = startHigh | hostMaskHigh(length[p]);
            stackLastLow[depth] = startLow | hostMaskLow(length[p]);
            stackValue[depth] = valueIndex[p];
            depth++;
        }
        while (depth > 0) {
            depth--;
            out.emitAfter(stackLastHigh[depth], stackLastLow[depth], depth > 0 ? stackValue[depth - 1] : 0);
        }
        return new PrefixIntervals(out.high, out.low, out.value, out.count);
    }

    /** Growable interval list that merges an interval into its predecessor when both carry one value. */
    private static final class Output {
        long[] high;
        long[] low;
        int[] value;
        int count;

        Output(int capacity) {
            high = new long[capacity];
            low = new long[capacity];
            value = new int[capacity];
        }

        /** Starts a new interval after {@code lastHigh:lastLow} unless that is the last address. */
        void emitAfter(long lastHigh, long lastLow, int valueIndex) {
            if (lastHigh == -1L && lastLow == -1L) {
                return;
            }
            final long nextLow = lastLow + 1;
            final long nextHigh = nextLow == 0 ? lastHigh + 1 : lastHigh;
            emit(nextHigh, nextLow, valueIndex);
        }

        /** Starts a new interval, replacing the previous one when it starts at the same address. */
        void emit(long startHigh, long startLow, int valueIndex) {
            if (count > 0 && high[count - 1] == startHigh && low[count - 1] == startLow) {
                // The previous interval is empty: the new prefix or the end of a nested
                // one takes over at the same address.
                count--;
            }
            if (count > 0 && value[count - 1] == valueIndex) {
                return;
            }
            if (count == high.length) {
                final int capacity = count + (count >> 1) + 1;
                high = Arrays.copyOf(high, capacity);
                low = Arrays.copyOf(low, capacity);
                value = Arrays.copyOf(value, capacity);
            }
            high[count] = startHigh;
            low[count] = startLow;
            value[count] = valueIndex;
            count++;
        }
    }

    static boolean lessUnsigned(long aHigh, long aLow, long bHigh, long bLow) {
        if (aHigh != bHigh) {
            return Long.compareUnsigned(aHigh, bHigh) < 0;
        }
        return Long.compareUnsigned(aLow, bLow) < 0;
    }

    private static long hostMaskHigh(int length) {
        if (length >= 64) {
            return 0;
        }
        return -1L >>> length;
    }

    private static long hostMaskLow(int length) {
        if (length <= 64) {
            return -1L;
        }
        return length == 128 ? 0 : -1L >>> (length - 64);
    }

    private static int compareStartThenLength(int a, int b, long[] high, long[] low, int[] length) {
        if (high[a] != high[b]) {
            return Long.compareUnsigned(high[a], high[b]);
        }
        if (low[a] != low[b]) {
            return Long.compareUnsigned(low[a], low[b]);
        }
        return Integer.compare(length[a], length[b]);
    }

    /** Sorts prefix indexes with a merge sort, avoiding boxed indexes for large prefix sets. */
    private static void sortByStartThenLength(int[] members, long[] high, long[] low, int[] length) {
        int[] source = members;
        int[] target = new int[members.length];
        for (int width = 1; width < members.length; width *= 2) {
            for (int from = 0; from < members.length; from += 2 * width) {
                final int middle = Math.min(from + width, members.length);
                final int to = Math.min(from + 2 * width, members.length);
                int left = from;
                int right = middle;
                for (int k = from; k < to; k++) {
                    if (right >= to
                            || (left < middle && compareStartThenLength(source[left], source[right], high, low, length)
                                    <= 0)) {
                        target[k] = source[left++];
                    } else {
                        target[k] = source[right++];
                    }
                }
            }
            final int[] swap = source;
            source = target;
            target = swap;
        }
        if (source != members) {
            System.arraycopy(source, 0, members, 0, members.length);
        }
    }
}
