package io.guise.subset;

import static java.util.Objects.requireNonNull;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A longest-prefix-match map from CIDR prefixes, IPv4 and IPv6, to values. Immutable and
 * thread-safe: a map is fully built before {@link Builder#build()} returns it, its state
 * lives in final fields, and lookups only read it.
 *
 * <p>The builder flattens the prefixes of each address family into disjoint address
 * intervals, each carrying the value of its most specific covering prefix. A direct
 * index on the top 8-20 address bits (more bits for more prefixes) stores, per bucket,
 * the value at the bucket's first address and the range of a sorted slice that lists the
 * intervals starting inside the bucket.
 *
 * <p>Lookup cost: {@link #lookupIpv4} and {@link #lookupIpv6} take no lock and allocate
 * nothing. They read the bucket's index entries and, when intervals start inside the
 * bucket, scan up to 8 slice entries or binary-search a longer slice: O(log b) for b
 * interval starts in the bucket. An IPv6 step compares two longs. Values are stored by
 * reference in the slices, so a lookup makes at most two rounds of dependent memory reads
 * before a binary search. {@link #lookup(InetAddress)} adds the cost of
 * {@link InetAddress#getAddress()}, which copies the address into a new 4- or 16-byte
 * array on each call.
 *
 * <p>Memory, with 4-byte compressed references: 8 bytes per index bucket, plus 8 bytes
 * (IPv4) or 20 bytes (IPv6) per interval that starts inside a bucket, which is at most two
 * per prefix. Each family has 4-8 buckets per prefix, but at least 2<sup>8</sup> and at
 * most 2<sup>20</sup>.
 *
 * <p>IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}) is treated as IPv4 throughout.
 * {@link #lookupIpv6} matches a mapped address against the IPv4 prefixes only, so
 * {@code ::/0} does not match it. The builder stores an IPv6 prefix inside
 * {@code ::ffff:0:0/96} as the IPv4 prefix it spells: {@code ::ffff:10.0.0.0/104} is
 * {@code 10.0.0.0/8}.
 *
 * @param <T> value type
 */
public final class SubsetMap<T> {

    private static final int MIN_INDEX_BITS = 8;
    private static final int MAX_INDEX_BITS = 20;

    private static final SubsetMap<Object> EMPTY = new Builder<>().build();

    private final Ipv4Table ipv4;
    private final Ipv6Table ipv6;
    private final int size;

    private SubsetMap(Ipv4Table ipv4, Ipv6Table ipv6, int size) {
        this.ipv4 = ipv4;
        this.ipv6 = ipv6;
        this.size = size;
    }

    public static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /** Returns a map with no prefixes, whose lookups all return null. */
    @SuppressWarnings("unchecked")
    public static <T> SubsetMap<T> empty() {
        return (SubsetMap<T>) EMPTY;
    }

    /**
     * Returns the value of the longest prefix that contains an IPv4 address, or null when
     * no prefix contains it.
     *
     * @param address the address's 32 bits, read as unsigned: {@code 0xC0A80001} is
     *     192.168.0.1
     */
    @SuppressWarnings("unchecked")
    public T lookupIpv4(int address) {
        return (T) ipv4.find(address);
    }

    /**
     * Returns the value of the longest prefix that contains an IPv6 address, or null when
     * no prefix contains it. IPv4-mapped addresses ({@code ::ffff:a.b.c.d}) are matched
     * against the IPv4 prefixes.
     *
     * @param high the address's first 64 bits
     * @param low the address's last 64 bits
     */
    @SuppressWarnings("unchecked")
    public T lookupIpv6(long high, long low) {
        if (high == 0 && (low >>> 32) == 0xFFFF) {
            return (T) ipv4.find((int) low);
        }
        return (T) ipv6.find(high, low);
    }

    /**
     * Returns the value of the longest prefix that contains {@code address}, or null when
     * no prefix contains it. Dispatches on {@link Inet4Address} and {@link Inet6Address}
     * and allocates the byte array that {@link InetAddress#getAddress()} returns.
     *
     * @throws IllegalArgumentException when the address is of another subclass
     */
    public T lookup(InetAddress address) {
        requireNonNull(address, "address");
        if (address instanceof Inet4Address) {
            return lookupIpv4(readInt(address.getAddress(), 0));
        }
        if (address instanceof Inet6Address) {
            final byte[] bytes = address.getAddress();
            return lookupIpv6(readLong(bytes, 0), readLong(bytes, 8));
        }
        throw new IllegalArgumentException("address: " + address + " (expected: an Inet4Address or Inet6Address)");
    }

    /** Returns the number of prefixes. */
    public int size() {
        return size;
    }

    @Override
    public String toString() {
        return "SubsetMap{size=" + size + "}";
    }

    private static int readInt(byte[] bytes, int offset) {
        return (bytes[offset] & 0xFF) << 24 | (bytes[offset + 1] & 0xFF) << 16 | (bytes[offset + 2] & 0xFF) << 8
                | (bytes[offset + 3] & 0xFF);
    }

    private static long readLong(byte[] bytes, int offset) {
        return (readInt(bytes, offset) & 0xFFFF_FFFFL) << 32 | (readInt(bytes, offset + 4) & 0xFFFF_FFFFL);
    }

    /** Picks the direct index size: 4-8 buckets per prefix, within 8-20 bits. */
    static int indexBits(int prefixCount) {
        final int bits = 32 - Integer.numberOfLeadingZeros(prefixCount) + 2;
        return Math.max(MIN_INDEX_BITS, Math.min(MAX_INDEX_BITS, bits));
    }

    /**
     * Collects prefixes for a {@link SubsetMap}. Not thread-safe. {@link #build()} leaves
     * the builder unchanged, so it can go on to build a larger map.
     *
     * @param <T> value type
     */
    public static final class Builder<T> {

        // IPv4 prefix length offset in the shared 128-bit space: a.b.c.d/n is ::a.b.c.d/(96 + n).
        private static final int IPV4_LENGTH_OFFSET = 96;

        // Canonical IPv4 or IPv6 prefix -> the prefix as the caller passed it.
        private final Map<CidrPrefix, CidrPrefix> present = new HashMap<>();
        private long[] high = new long[16];
        private long[] low = new long[16];
        private int[] length = new int[16];
        private boolean[] ipv4 = new boolean[16];
        private Object[] values = new Object[16];
        private int count;

        private Builder() {}

        /**
         * Adds a prefix and its value.
         *
         * @throws IllegalArgumentException naming the prefix when it has host bits set
         *     (the message gives the canonical form) or when the map already has it,
         *     possibly spelled differently
         */
        public Builder<T> put(CidrPrefix prefix, T value) {
            requireNonNull(prefix, "prefix");
            requireNonNull(value, "value");
            if (!prefix.isCanonical()) {
                throw new IllegalArgumentException("prefix: " + prefix.text() + " has host bits set (expected: "
                        + prefix + ")");
            }
            final CidrPrefix key = toIpv4IfMapped(prefix);
            final CidrPrefix previous = present.putIfAbsent(key, prefix);
            if (previous != null) {
                throw new IllegalArgumentException("prefix: " + prefix.text() + " is a duplicate of "
                        + previous.text() + " (expected: each prefix once)");
            }

            if (count == high.length) {
                final int capacity = count * 2;
                high = Arrays.copyOf(high, capacity);
                low = Arrays.copyOf(low, capacity);
                length = Arrays.copyOf(length, capacity);
                ipv4 = Arrays.copyOf(ipv4, capacity);
                values = Arrays.copyOf(values, capacity);
            }
            if (key.isIpv4()) {
                high[count] = 0;
                low[count] = key.ipv4Bits() & 0xFFFF_FFFFL;
                length[count] = IPV4_LENGTH_OFFSET + key.length();
                ipv4[count] = true;
            } else {
                high[count] = key.ipv6High();
                low[count] = key.ipv6Low();
                length[count] = key.length();
                ipv4[count] = false;
            }
            values[count] = value;
            count++;
            return this;
        }

        /** Builds the map in O(n log n) time for n prefixes. */
        public SubsetMap<T> build() {
            int ipv4Count = 0;
            for (int i = 0; i < count; i++) {
                if (ipv4[i]) {
                    ipv4Count++;
                }
            }
            final int[] ipv4Members = new int[ipv4Count];
            final int[] ipv6Members = new int[count - ipv4Count];
            int nextIpv4 = 0;
            int nextIpv6 = 0;
            for (int i = 0; i < count; i++) {
                if (ipv4[i]) {
                    ipv4Members[nextIpv4++] = i;
                } else {
                    ipv6Members[nextIpv6++] = i;
                }
            }

            // Value index i + 1 belongs to prefix i, so that index 0 (null) means no match.
            final int[] valueIndex = new int[count];
            final Object[] mapValues = new Object[count + 1];
            for (int i = 0; i < count; i++) {
                valueIndex[i] = i + 1;
                mapValues[i + 1] = values[i];
            }

            final PrefixIntervals ipv4Intervals = PrefixIntervals.flatten(high, low, length, valueIndex, ipv4Members);
            final PrefixIntervals ipv6Intervals = PrefixIntervals.flatten(high, low, length, valueIndex, ipv6Members);
            return new SubsetMap<>(
                    Ipv4Table.build(ipv4Intervals, indexBits(ipv4Count), mapValues),
                    Ipv6Table.build(ipv6Intervals, indexBits(ipv6Members.length), mapValues),
                    count);
        }

        /** Returns the IPv4 prefix that an IPv6 prefix inside ::ffff:0:0/96 spells, or the prefix itself. */
        private static CidrPrefix toIpv4IfMapped(CidrPrefix prefix) {
            if (prefix.isIpv4() || prefix.length() < IPV4_LENGTH_OFFSET) {
                return prefix;
            }
            if (prefix.ipv6High() != 0 || (prefix.ipv6Low() >>> 32) != 0xFFFF) {
                return prefix;
            }
            return CidrPrefix.ofIpv4((int) prefix.ipv6Low(), prefix.length() - IPV4_LENGTH_OFFSET);
        }
    }
}
