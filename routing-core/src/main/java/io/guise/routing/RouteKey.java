package io.guise.routing;

import static java.util.Objects.requireNonNull;

import io.guise.fault.SplitMix64;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The addresses of one client connection in the form the routing table looks up.
 * The destination, the local address the client connected to, is kept as raw bits.
 * A stable hash of the client's IP places the client in a split arm.
 *
 * <p>Computed once per connection, so per-request lookups allocate nothing.
 * Immutable and thread-safe. IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}) are
 * treated as IPv4 on both sides.
 */
public final class RouteKey {

    private final InetAddress destination;
    private final boolean ipv4;
    private final int ipv4Bits;
    private final long ipv6High;
    private final long ipv6Low;
    private final long clientHash;

    private RouteKey(InetAddress destination, long clientHash) {
        this.destination = destination;
        this.clientHash = clientHash;
        final byte[] bytes = destination.getAddress();
        if (bytes.length == 4) {
            ipv4 = true;
            ipv4Bits = toInt(bytes, 0);
            ipv6High = 0;
            ipv6Low = 0;
        } else if (isMappedIpv4(bytes)) {
            ipv4 = true;
            ipv4Bits = toInt(bytes, 12);
            ipv6High = 0;
            ipv6Low = 0;
        } else {
            ipv4 = false;
            ipv4Bits = 0;
            ipv6High = toLong(bytes, 0);
            ipv6Low = toLong(bytes, 8);
        }
    }

    /**
     * Creates the key of a connection from its local (destination) and remote
     * (client) socket addresses.
     *
     * @throws IllegalArgumentException when either address is not an IP socket address
     */
    public static RouteKey of(SocketAddress local, SocketAddress remote) {
        requireNonNull(local, "local");
        requireNonNull(remote, "remote");
        if (!(local instanceof InetSocketAddress) || !(remote instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("not an IP connection: local=" + local + ", remote=" + remote);
        }
        return of(((InetSocketAddress) local).getAddress(), ((InetSocketAddress) remote).getAddress());
    }

    /** Creates the key for a destination and a client IP address. */
    public static RouteKey of(InetAddress destination, InetAddress client) {
        requireNonNull(destination, "destination");
        requireNonNull(client, "client");
        return new RouteKey(destination, clientHash(client));
    }

    /** Returns a stable 64-bit hash of a client IP; IPv4 and its mapped IPv6 form hash alike. */
    public static long clientHash(InetAddress client) {
        final byte[] bytes = client.getAddress();
        if (client instanceof Inet4Address) {
            return SplitMix64.mix(toInt(bytes, 0) & 0xFFFF_FFFFL);
        }
        if (isMappedIpv4(bytes)) {
            return SplitMix64.mix(toInt(bytes, 12) & 0xFFFF_FFFFL);
        }
        return SplitMix64.mix(toLong(bytes, 0) ^ SplitMix64.mix(toLong(bytes, 8)));
    }

    public InetAddress destination() {
        return destination;
    }

    boolean isIpv4() {
        return ipv4;
    }

    int ipv4Bits() {
        return ipv4Bits;
    }

    long ipv6High() {
        return ipv6High;
    }

    long ipv6Low() {
        return ipv6Low;
    }

    /** Returns the stable hash of the client's IP address. */
    public long clientHash() {
        return clientHash;
    }

    @Override
    public String toString() {
        return destination.getHostAddress();
    }

    private static boolean isMappedIpv4(byte[] bytes) {
        if (bytes.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xFF && bytes[11] == (byte) 0xFF;
    }

    private static int toInt(byte[] bytes, int offset) {
        return (bytes[offset] & 0xFF) << 24 | (bytes[offset + 1] & 0xFF) << 16 | (bytes[offset + 2] & 0xFF) << 8
                | (bytes[offset + 3] & 0xFF);
    }

    private static long toLong(byte[] bytes, int offset) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = value << 8 | (bytes[offset + i] & 0xFF);
        }
        return value;
    }
}
