package io.guise.subset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SubsetMapTest {

    @Test
    void empty_returnsNull() {
        final SubsetMap<String> map = SubsetMap.empty();

        assertThat(map.size()).isZero();
        assertThat(map.lookupIpv4(ipv4("10.0.0.1"))).isNull();
        assertThat(map.lookupIpv4(ipv4("255.255.255.255"))).isNull();
        assertThat(lookupIpv6(map, "2001:db8::1")).isNull();
        assertThat(lookupIpv6(map, "::ffff:10.0.0.1")).isNull();
    }

    @Test
    void lookupIpv4_nested() {
        final SubsetMap<String> map = SubsetMap.<String>builder()
                .put(prefix("10.1.2.3/32"), "host")
                .put(prefix("10.0.0.0/8"), "eight")
                .put(prefix("10.1.2.0/24"), "twentyFour")
                .put(prefix("10.1.0.0/16"), "sixteen")
                .build();

        assertThat(map.size()).isEqualTo(4);
        assertThat(map.lookupIpv4(ipv4("10.1.2.3"))).isEqualTo("host");
        assertThat(map.lookupIpv4(ipv4("10.1.2.2"))).isEqualTo("twentyFour");
        assertThat(map.lookupIpv4(ipv4("10.1.2.4"))).isEqualTo("twentyFour");
        assertThat(map.lookupIpv4(ipv4("10.1.2.255"))).isEqualTo("twentyFour");
        assertThat(map.lookupIpv4(ipv4("10.1.3.0"))).isEqualTo("sixteen");
        assertThat(map.lookupIpv4(ipv4("10.1.255.255"))).isEqualTo("sixteen");
        assertThat(map.lookupIpv4(ipv4("10.2.0.0"))).isEqualTo("eight");
        assertThat(map.lookupIpv4(ipv4("10.0.0.0"))).isEqualTo("eight");
        assertThat(map.lookupIpv4(ipv4("10.255.255.255"))).isEqualTo("eight");
        assertThat(map.lookupIpv4(ipv4("11.0.0.0"))).isNull();
        assertThat(map.lookupIpv4(ipv4("9.255.255.255"))).isNull();
    }

    @Test
    void lookupIpv4_siblings() {
        final SubsetMap<String> map = SubsetMap.<String>builder()
                .put(prefix("10.0.0.128/25"), "upper")
                .put(prefix("10.0.0.0/25"), "lower")
                .put(prefix("10.0.2.0/24"), "apart")
                .build();

        assertThat(map.lookupIpv4(ipv4("10.0.0.0"))).isEqualTo("lower");
        assertThat(map.lookupIpv4(ipv4("10.0.0.127"))).isEqualTo("lower");
        assertThat(map.lookupIpv4(ipv4("10.0.0.128"))).isEqualTo("upper");
        assertThat(map.lookupIpv4(ipv4("10.0.0.255"))).isEqualTo("upper");
        assertThat(map.lookupIpv4(ipv4("10.0.1.0"))).isNull();
        assertThat(map.lookupIpv4(ipv4("10.0.1.255"))).isNull();
        assertThat(map.lookupIpv4(ipv4("10.0.2.0"))).isEqualTo("apart");
        assertThat(map.lookupIpv4(ipv4("10.0.3.0"))).isNull();
    }

    @Test
    void lookupIpv4_rangeEdges() {
        final SubsetMap<String> map = SubsetMap.<String>builder().put(prefix("192.168.4.0/22"), "range").build();

        assertThat(map.lookupIpv4(ipv4("192.168.3.255"))).isNull();
        assertThat(map.lookupIpv4(ipv4("192.168.4.0"))).isEqualTo("range");
        assertThat(map.lookupIpv4(ipv4("192.168.7.255"))).isEqualTo("range");
        assertThat(map.lookupIpv4(ipv4("192.168.8.0"))).isNull();
    }

    @Test
    void lookupIpv4_defaultRoute() {
        final SubsetMap<String> map = SubsetMap.<String>builder()
                .put(prefix("0.0.0.0/0"), "default")
                .put(prefix("203.0.113.7/32"), "host")
                .build();

        assertThat(map.lookupIpv4(ipv4("0.0.0.0"))).isEqualTo("default");
        assertThat(map.lookupIpv4(ipv4("203.0.113.6"))).isEqualTo("default");
        assertThat(map.lookupIpv4(ipv4("203.0.113.7"))).isEqualTo("host");
        assertThat(map.lookupIpv4(ipv4("203.0.113.8"))).isEqualTo("default");
        assertThat(map.lookupIpv4(ipv4("255.255.255.255"))).isEqualTo("default");
        assertThat(lookupIpv6(map, "2001:db8::1")).isNull();
    }

    @Test
    void lookupIpv4_lastAddress() {
        final SubsetMap<String> map = SubsetMap.<String>builder()
                .put(prefix("255.255.255.255/32"), "last")
                .put(prefix("0.0.0.0/32"), "first")
                .build();

        assertThat(map.lookupIpv4(ipv4("255.255.255.255"))).isEqualTo("last");
        assertThat(map.lookupIpv4(ipv4("255.255.255.254"))).isNull();
        assertThat(map.lookupIpv4(ipv4("0.0.0.0"))).isEqualTo("first");
        assertThat(map.lookupIpv4(ipv4("0.0.0.1"))).isNull();
    }

    @Test
    void lookupIpv4_upperHalf() {
        final SubsetMap<String> map = SubsetMap.<String>builder().put(prefix("128.0.0.0/1"), "upper").build();

        assertThat(map.lookupIpv4(ipv4("127.255.255.255"))).isNull();
        assertThat(map.lookupIpv4(ipv4("128.0.0.0"))).isEqualTo("upper");
        assertThat(map.lookupIpv4(ipv4("255.255.255.255"))).isEqualTo("upper");
    }

    @Test
    void lookupIpv4_manyHostsInOneBucket() {
        final SubsetMap.Builder<Integer> builder = SubsetMap.builder();
        builder.put(prefix("10.0.0.0/8"), -1);
        for (int i = 0; i < 256; i += 2) {
            builder.put(prefix("10.0.0." + i + "/32"), i);
        }
        final SubsetMap<Integer> map = builder.build();

        for (int i = 0; i < 256; i++) {
            final Integer expected = i % 2 == 0 ? i : -1;
            assertThat(map.lookupIpv4(ipv4("10.0.0." + i))).as("10.0.0.%d", i).isEqualTo(expected);
        }
    }

    @Test
    void lookupIpv6_nested() {
        final SubsetMap<String> map = SubsetMap.<String>builder()
                .put(prefix("2001:db8:1::/48"), "fortyEight")
                .put(prefix("2001:db8::/32"), "thirtyTwo")
                .put(prefix("2001:db8:1::1/128"), "host")
                .build();

        assertThat(lookupIpv6(map, "2001:db8:1::1")).isEqualTo("host");
        assertThat(lookupIpv6(map, "2001:db8:1::")).isEqualTo("fortyEight");
        assertThat(lookupIpv6(map, "2001:db8:1::2")).isEqualTo("fortyEight");
        assertThat(lookupIpv6(map, "2001:db8:1:ffff:ffff:ffff:ffff:ffff")).isEqualTo("fortyEight");
        assertThat(lookupIpv6(map, "2001:db8:2::")).isEqualTo("thirtyTwo");
        assertThat(lookupIpv6(map, "2001:db8::")).isEqualTo("thirtyTwo");
        assertThat(lookupIpv6(map, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")).isEqualTo("thirtyTwo");
        assertThat(lookupIpv6(map, "2001:db9::")).isNull();
        assertThat(lookupIpv6(map, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff")).isNull();
    }

    @Test
    void lookupIpv6_edges() {
        final SubsetMap<String> map = SubsetMap.<String>builder()
                .put(prefix("::/0"), "default")
                .put(prefix("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"), "last")
                .put(prefix("::/128"), "first")
                .put(prefix("0:0:0:1::/64"), "oneSlash64")
                .build();

        assertThat(lookupIpv6(map, "::")).isEqualTo("first");
        assertThat(lookupIpv6(map, "::1")).isEqualTo("default");
        assertThat(lookupIpv6(map, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).isEqualTo("last");
        assertThat(lookupIpv6(map, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe")).isEqualTo("default");
        assertThat(lookupIpv6(map, "::ffff:ffff:ffff:ffff")).isEqualTo("default");
        assertThat(lookupIpv6(map, "0:0:0:1::")).isEqualTo("oneSlash64");
        assertThat(lookupIpv6(map, "0:0:0:1:ffff:ffff:ffff:ffff")).isEqualTo("oneSlash64");
        assertThat(lookupIpv6(map, "0:0:0:2::")).isEqualTo("default");
        assertThat(map.lookupIpv4(ipv4("10.0.0.1"))).isNull();
    }

    @Test
    void lookupIpv6_splitAcrossHalves() {
        final SubsetMap<String> map = SubsetMap.<String>builder()
                .put(prefix("2001:db8::8000:0:0:0/65"), "upper")
                .put(prefix("2001:db8::/65"), "lower")
                .build();

        assertThat(lookupIpv6(map, "2001:db8::")).isEqualTo("lower");
        assertThat(lookupIpv6(map, "2001:db8::7fff:ffff:ffff:ffff")).isEqualTo("lower");
        assertThat(lookupIpv6(map, "2001:db8::8000:0:0:0")).isEqualTo("upper");
        assertThat(lookupIpv6(map, "2001:db8::ffff:ffff:ffff:ffff")).isEqualTo("upper");
        assertThat(lookupIpv6(map, "2001:db8:0:1::")).isNull();
    }

    @Test
    void lookupIpv6_mappedUsesIpv4Prefixes() {
        final SubsetMap<String> map = SubsetMap.<String>builder()
                .put(prefix("10.0.0.0/8"), "ten")
                .put(prefix("::/0"), "ipv6Default")
                .build();

        assertThat(lookupIpv6(map, "::ffff:10.1.2.3")).isEqualTo("ten");
        assertThat(lookupIpv6(map, "::ffff:11.0.0.0")).isNull();
        assertThat(lookupIpv6(map, "::10.1.2.3")).isEqualTo("ipv6Default");
        assertThat(lookupIpv6(map, "::1")).isEqualTo("ipv6Default");
    }

    @Test
    void put_mappedPrefixStoredAsIpv4() {
        final SubsetMap<String> map = SubsetMap.<String>builder()
                .put(prefix("::ffff:10.0.0.0/104"), "ten")
                .put(prefix("::ffff:0:0/96"), "allIpv4")
                .build();

        assertThat(map.lookupIpv4(ipv4("10.9.9.9"))).isEqualTo("ten");
        assertThat(map.lookupIpv4(ipv4("11.0.0.0"))).isEqualTo("allIpv4");
        assertThat(lookupIpv6(map, "::ffff:10.9.9.9")).isEqualTo("ten");
        assertThat(lookupIpv6(map, "::1")).isNull();
    }

    @Test
    void put_mappedDuplicateOfIpv4() {
        final SubsetMap.Builder<String> builder = SubsetMap.<String>builder().put(prefix("10.0.0.0/8"), "a");

        assertThatThrownBy(() -> builder.put(prefix("::ffff:10.0.0.0/104"), "b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("::ffff:10.0.0.0/104")
                .hasMessageContaining("10.0.0.0/8");
    }

    @Test
    void put_hostBitsSet() {
        final SubsetMap.Builder<String> builder = SubsetMap.builder();

        assertThatThrownBy(() -> builder.put(prefix("10.1.2.3/8"), "a"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10.1.2.3/8")
                .hasMessageContaining("expected: 10.0.0.0/8");
    }

    @Test
    void put_ipv6HostBitsSet() {
        final SubsetMap.Builder<String> builder = SubsetMap.builder();

        assertThatThrownBy(() -> builder.put(prefix("2001:db8::1/32"), "a"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2001:db8::1/32")
                .hasMessageContaining("expected: 2001:db8::/32");
    }

    @Test
    void put_duplicate() {
        final SubsetMap.Builder<String> builder = SubsetMap.<String>builder().put(prefix("10.0.0.0/8"), "a");

        assertThatThrownBy(() -> builder.put(prefix("10.0.0.0/8"), "b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10.0.0.0/8")
                .hasMessageContaining("duplicate");
    }

    @Test
    void put_duplicateOtherSpelling() {
        final SubsetMap.Builder<String> builder = SubsetMap.<String>builder().put(prefix("2001:db8::/32"), "a");

        assertThatThrownBy(() -> builder.put(prefix("2001:0DB8:0::/32"), "b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2001:0DB8:0::/32")
                .hasMessageContaining("2001:db8::/32");
    }

    @Test
    void put_sameAddressOtherLength() {
        final SubsetMap<String> map = SubsetMap.<String>builder()
                .put(prefix("10.0.0.0/8"), "eight")
                .put(prefix("10.0.0.0/9"), "nine")
                .build();

        assertThat(map.size()).isEqualTo(2);
        assertThat(map.lookupIpv4(ipv4("10.0.0.0"))).isEqualTo("nine");
        assertThat(map.lookupIpv4(ipv4("10.128.0.0"))).isEqualTo("eight");
    }

    @Test
    void put_nullValue() {
        final SubsetMap.Builder<String> builder = SubsetMap.builder();

        assertThatThrownBy(() -> builder.put(prefix("10.0.0.0/8"), null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("value");
    }

    @Test
    void build_leavesBuilderReusable() {
        final SubsetMap.Builder<String> builder = SubsetMap.<String>builder().put(prefix("10.0.0.0/8"), "a");
        final SubsetMap<String> first = builder.build();
        final SubsetMap<String> second = builder.put(prefix("10.1.0.0/16"), "b").build();

        assertThat(first.size()).isEqualTo(1);
        assertThat(first.lookupIpv4(ipv4("10.1.0.1"))).isEqualTo("a");
        assertThat(second.size()).isEqualTo(2);
        assertThat(second.lookupIpv4(ipv4("10.1.0.1"))).isEqualTo("b");
    }

    @Test
    void lookup_inetAddress() throws UnknownHostException {
        final SubsetMap<String> map = SubsetMap.<String>builder()
                .put(prefix("192.0.2.0/24"), "ipv4")
                .put(prefix("2001:db8::/32"), "ipv6")
                .build();
        final byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 192, 0, 2, 9};

        assertThat(map.lookup(InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 1}))).isEqualTo("ipv4");
        assertThat(map.lookup(InetAddress.getByAddress(new byte[] {(byte) 192, 0, 3, 1}))).isNull();
        assertThat(map.lookup(InetAddress.getByName("2001:db8::5"))).isEqualTo("ipv6");
        assertThat(map.lookup(InetAddress.getByName("2001:db9::5"))).isNull();
        assertThat(map.lookup(Inet6Address.getByAddress(null, mapped, -1))).isEqualTo("ipv4");
    }

    @Test
    void randomIpv4_matchesReference() {
        final Random random = new Random(20261204L);
        final List<CidrPrefix> prefixes = randomIpv4Prefixes(random, 4000);
        final int[] addresses = ipv4Probes(random, prefixes, 30_000);
        final Integer[] expected = new Integer[addresses.length];
        for (int i = 0; i < addresses.length; i++) {
            expected[i] = referenceIpv4(prefixes, addresses[i]);
        }

        for (int order = 0; order < 4; order++) {
            final List<Integer> insertion = shuffledIndexes(prefixes.size(), random);
            final SubsetMap.Builder<Integer> builder = SubsetMap.builder();
            for (final int i : insertion) {
                builder.put(prefixes.get(i), i);
            }
            final SubsetMap<Integer> map = builder.build();

            assertThat(map.size()).isEqualTo(prefixes.size());
            for (int i = 0; i < addresses.length; i++) {
                final int address = addresses[i];
                assertThat(map.lookupIpv4(address))
                        .as("order %d, address %s", order, CidrPrefix.ofIpv4(address, 32))
                        .isEqualTo(expected[i]);
                assertThat(map.lookupIpv6(0, 0xFFFF_0000_0000L | (address & 0xFFFF_FFFFL)))
                        .as("order %d, mapped address %s", order, CidrPrefix.ofIpv4(address, 32))
                        .isEqualTo(expected[i]);
            }
        }
    }

    @Test
    void randomIpv6_matchesReference() {
        final Random random = new Random(6_20261204L);
        final List<CidrPrefix> prefixes = randomIpv6Prefixes(random, 4000);
        final long[][] addresses = ipv6Probes(random, prefixes, 30_000);
        final Integer[] expected = new Integer[addresses.length];
        for (int i = 0; i < addresses.length; i++) {
            expected[i] = referenceIpv6(prefixes, addresses[i][0], addresses[i][1]);
        }

        for (int order = 0; order < 4; order++) {
            final List<Integer> insertion = shuffledIndexes(prefixes.size(), random);
            final SubsetMap.Builder<Integer> builder = SubsetMap.builder();
            for (final int i : insertion) {
                builder.put(prefixes.get(i), i);
            }
            final SubsetMap<Integer> map = builder.build();

            assertThat(map.size()).isEqualTo(prefixes.size());
            for (int i = 0; i < addresses.length; i++) {
                final long high = addresses[i][0];
                final long low = addresses[i][1];
                assertThat(map.lookupIpv6(high, low))
                        .as("order %d, address %s", order, CidrPrefix.formatIpv6(high, low))
                        .isEqualTo(expected[i]);
            }
        }
    }

    /** Random IPv4 prefixes of every length, about half of them nested in earlier ones. */
    private static List<CidrPrefix> randomIpv4Prefixes(Random random, int count) {
        final Set<CidrPrefix> seen = new HashSet<>();
        final List<CidrPrefix> prefixes = new ArrayList<>();
        while (prefixes.size() < count) {
            final CidrPrefix prefix;
            if (!prefixes.isEmpty() && random.nextBoolean()) {
                final CidrPrefix parent = prefixes.get(random.nextInt(prefixes.size()));
                final int length = Math.min(32, parent.length() + 1 + random.nextInt(8));
                prefix = CidrPrefix.ofIpv4(parent.ipv4Bits() | random.nextInt() & hostMaskIpv4(parent.length()), length);
            } else {
                final int length = random.nextInt(10) == 0 ? random.nextInt(8) : 8 + random.nextInt(25);
                prefix = CidrPrefix.ofIpv4(random.nextInt(), length);
            }
            if (seen.add(prefix)) {
                prefixes.add(prefix);
            }
        }
        return prefixes;
    }

    /** Random IPv6 prefixes of every length outside ::ffff:0:0/96, about half nested in earlier ones. */
    private static List<CidrPrefix> randomIpv6Prefixes(Random random, int count) {
        final Set<CidrPrefix> seen = new HashSet<>();
        final List<CidrPrefix> prefixes = new ArrayList<>();
        while (prefixes.size() < count) {
            final long high;
            final long low;
            final int length;
            if (!prefixes.isEmpty() && random.nextBoolean()) {
                final CidrPrefix parent = prefixes.get(random.nextInt(prefixes.size()));
                length = Math.min(128, parent.length() + 1 + random.nextInt(40));
                high = parent.ipv6High() | random.nextLong() & hostMaskHigh(parent.length());
                low = parent.ipv6Low() | random.nextLong() & hostMaskLow(parent.length());
            } else {
                length = random.nextInt(10) == 0 ? random.nextInt(16) : 16 + random.nextInt(113);
                // Most real IPv6 prefixes share the first bits, so half of these do too.
                high = random.nextBoolean() ? 0x2001_0000_0000_0000L | random.nextLong() >>> 16 : random.nextLong();
                low = random.nextLong();
            }
            final CidrPrefix prefix = CidrPrefix.parse(CidrPrefix.formatIpv6(high, low) + "/" + length);
            final CidrPrefix canonical = CidrPrefix.parse(prefix.toString());
            final boolean mapped = canonical.length() >= 96 && canonical.ipv6High() == 0
                    && (canonical.ipv6Low() >>> 32) == 0xFFFF;
            if (!mapped && seen.add(canonical)) {
                prefixes.add(canonical);
            }
        }
        return prefixes;
    }

    /** Addresses inside, at the edges of, just outside of and away from the prefixes. */
    private static int[] ipv4Probes(Random random, List<CidrPrefix> prefixes, int count) {
        final int[] addresses = new int[count];
        for (int i = 0; i < count; i++) {
            final CidrPrefix prefix = prefixes.get(random.nextInt(prefixes.size()));
            final int first = prefix.ipv4Bits();
            final int last = first | hostMaskIpv4(prefix.length());
            switch (i % 6) {
                case 0 -> addresses[i] = first;
                case 1 -> addresses[i] = last;
                case 2 -> addresses[i] = last + 1;
                case 3 -> addresses[i] = first - 1;
                case 4 -> addresses[i] = first | random.nextInt() & hostMaskIpv4(prefix.length());
                default -> addresses[i] = random.nextInt();
            }
        }
        return addresses;
    }

    private static long[][] ipv6Probes(Random random, List<CidrPrefix> prefixes, int count) {
        final long[][] addresses = new long[count][];
        for (int i = 0; i < count; i++) {
            final CidrPrefix prefix = prefixes.get(random.nextInt(prefixes.size()));
            final long firstHigh = prefix.ipv6High();
            final long firstLow = prefix.ipv6Low();
            final long lastHigh = firstHigh | hostMaskHigh(prefix.length());
            final long lastLow = firstLow | hostMaskLow(prefix.length());
            switch (i % 6) {
                case 0 -> addresses[i] = new long[] {firstHigh, firstLow};
                case 1 -> addresses[i] = new long[] {lastHigh, lastLow};
                case 2 -> addresses[i] = new long[] {lastLow == -1L ? lastHigh + 1 : lastHigh, lastLow + 1};
                case 3 -> addresses[i] = new long[] {firstLow == 0 ? firstHigh - 1 : firstHigh, firstLow - 1};
                case 4 -> addresses[i] = new long[] {
                    firstHigh | random.nextLong() & hostMaskHigh(prefix.length()),
                    firstLow | random.nextLong() & hostMaskLow(prefix.length())};
                default -> addresses[i] = new long[] {random.nextLong(), random.nextLong()};
            }
        }
        return addresses;
    }

    /** Brute-force longest-prefix match. */
    private static Integer referenceIpv4(List<CidrPrefix> prefixes, int address) {
        Integer best = null;
        int bestLength = -1;
        for (int i = 0; i < prefixes.size(); i++) {
            final CidrPrefix prefix = prefixes.get(i);
            final boolean contains = ((address ^ prefix.ipv4Bits()) & ~hostMaskIpv4(prefix.length())) == 0;
            if (contains && prefix.length() > bestLength) {
                best = i;
                bestLength = prefix.length();
            }
        }
        return best;
    }

    /** Brute-force longest-prefix match, where IPv4-mapped addresses match no IPv6 prefix. */
    private static Integer referenceIpv6(List<CidrPrefix> prefixes, long high, long low) {
        if (high == 0 && (low >>> 32) == 0xFFFF) {
            return null;
        }
        Integer best = null;
        int bestLength = -1;
        for (int i = 0; i < prefixes.size(); i++) {
            final CidrPrefix prefix = prefixes.get(i);
            final boolean contains = ((high ^ prefix.ipv6High()) & ~hostMaskHigh(prefix.length())) == 0
                    && ((low ^ prefix.ipv6Low()) & ~hostMaskLow(prefix.length())) == 0;
            if (contains && prefix.length() > bestLength) {
                best = i;
                bestLength = prefix.length();
            }
        }
        return best;
    }

    private static List<Integer> shuffledIndexes(int count, Random random) {
        final List<Integer> indexes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            indexes.add(i);
        }
        Collections.shuffle(indexes, random);
        return indexes;
    }

    private static int hostMaskIpv4(int length) {
        return length == 32 ? 0 : -1 >>> length;
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
        if (length == 128) {
            return 0;
        }
        return -1L >>> (length - 64);
    }

    private static CidrPrefix prefix(String text) {
        return CidrPrefix.parse(text);
    }

    private static int ipv4(String address) {
        return CidrPrefix.parse(address + "/32").ipv4Bits();
    }

    private static <T> T lookupIpv6(SubsetMap<T> map, String address) {
        final CidrPrefix host = CidrPrefix.parse(address + "/128");
        return map.lookupIpv6(host.ipv6High(), host.ipv6Low());
    }
}
