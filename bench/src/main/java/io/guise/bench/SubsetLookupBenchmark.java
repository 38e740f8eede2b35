package io.guise.bench;

import inet.ipaddr.format.util.AssociativeAddressTrie.AssociativeTrieNode;
import inet.ipaddr.ipv4.IPv4Address;
import inet.ipaddr.ipv4.IPv4AddressAssociativeTrie;
import io.guise.subset.CidrPrefix;
import io.guise.subset.SubsetMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * IPv4 longest-prefix-match lookup: Guise {@link SubsetMap} against the associative trie of
 * the ipaddress library (com.github.seancfoley:ipaddress), on the same seeded prefixes and
 * lookup addresses.
 *
 * <p>Prefixes: half have a random address and a length of 8-32, the other half nest inside
 * an earlier prefix, 1-8 bits longer. Lookup addresses: half lie inside a random prefix,
 * half are random across the whole address space; {@link #setUp()} prints the hit ratio.
 * Each invocation looks up the next of 65,536 pre-generated addresses, in the form each
 * structure takes (an {@code int}, or an {@link IPv4Address}), so neither pays for parsing.
 *
 * <p>Build and run from the repository root:
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests
 * java -jar bench/target/benchmarks.jar SubsetLookup -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc
 * </pre>
 *
 * <p>The state is per thread, so a run with {@code -t N} builds N copies of each structure.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class SubsetLookupBenchmark {

    private static final long SEED = 0x5EED_2026L;
    private static final int ADDRESS_COUNT = 1 << 16;
    private static final int ADDRESS_MASK = ADDRESS_COUNT - 1;

    @Param({"10", "10000", "1000000"})
    public int prefixCount;

    private SubsetMap<Integer> subsetMap;
    private IPv4AddressAssociativeTrie<Integer> trie;
    private int[] addresses;
    private IPv4Address[] trieAddresses;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        final Random random = new Random(SEED);
        final List<CidrPrefix> prefixes = randomPrefixes(random, prefixCount);

        final SubsetMap.Builder<Integer> builder = SubsetMap.builder();
        trie = new IPv4AddressAssociativeTrie<>();
        for (int i = 0; i < prefixes.size(); i++) {
            final CidrPrefix prefix = prefixes.get(i);
            builder.put(prefix, i);
            trie.put(new IPv4Address(prefix.ipv4Bits(), prefix.length()).toPrefixBlock(), i);
        }
        subsetMap = builder.build();

        addresses = new int[ADDRESS_COUNT];
        trieAddresses = new IPv4Address[ADDRESS_COUNT];
        int hits = 0;
        for (int i = 0; i < ADDRESS_COUNT; i++) {
            final int address;
            if (random.nextBoolean()) {
                final CidrPrefix prefix = prefixes.get(random.nextInt(prefixes.size()));
                address = prefix.ipv4Bits() | random.nextInt() & hostMask(prefix.length());
            } else {
                address = random.nextInt();
            }
            addresses[i] = address;
            trieAddresses[i] = new IPv4Address(address);
            final Integer expected = subsetMap.lookupIpv4(address);
            if (!Objects.equals(expected, trieLookup(trieAddresses[i]))) {
                throw new IllegalStateException("SubsetMap returned " + expected + " and the trie returned "
                        + trieLookup(trieAddresses[i]) + " for " + trieAddresses[i] + " (expected: the same value)");
            }
            if (expected != null) {
                hits++;
            }
        }
        System.out.printf("prefixCount=%d: %d of %d lookup addresses match a prefix%n", prefixCount, hits,
                ADDRESS_COUNT);
    }

    /** Reads the next address only: the cost of the harness and the address array. */
    @Benchmark
    public int baseline() {
        return addresses[next++ & ADDRESS_MASK];
    }

    @Benchmark
    public Integer guiseSubsetMap() {
        return subsetMap.lookupIpv4(addresses[next++ & ADDRESS_MASK]);
    }

    @Benchmark
    public Integer ipaddressTrie() {
        return trieLookup(trieAddresses[next++ & ADDRESS_MASK]);
    }

    private Integer trieLookup(IPv4Address address) {
        final AssociativeTrieNode<IPv4Address, Integer> node = trie.longestPrefixMatchNode(address);
        return node == null ? null : node.getValue();
    }

    private static List<CidrPrefix> randomPrefixes(Random random, int count) {
        final Set<CidrPrefix> seen = new HashSet<>();
        final List<CidrPrefix> prefixes = new ArrayList<>(count);
        while (prefixes.size() < count) {
            final int bits;
            final int length;
            if (!prefixes.isEmpty() && random.nextBoolean()) {
                final CidrPrefix parent = prefixes.get(random.nextInt(prefixes.size()));
                length = Math.min(32, parent.length() + 1 + random.nextInt(8));
                bits = parent.ipv4Bits() | random.nextInt() & hostMask(parent.length());
            } else {
                length = 8 + random.nextInt(25);
                bits = random.nextInt();
            }
            final CidrPrefix prefix = CidrPrefix.parse(formatIpv4(bits & ~hostMask(length)) + "/" + length);
            if (seen.add(prefix)) {
                prefixes.add(prefix);
            }
        }
        return prefixes;
    }

    private static int hostMask(int length) {
        if (length == 32) {
            return 0;
        }
        return -1 >>> length;
    }

    private static String formatIpv4(int bits) {
        return (bits >>> 24) + "." + (bits >>> 16 & 0xFF) + "." + (bits >>> 8 & 0xFF) + "." + (bits & 0xFF);
    }
}
