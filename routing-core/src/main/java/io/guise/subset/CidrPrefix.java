package io.guise.subset;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * A parsed CIDR prefix of IPv4 or IPv6 addresses, such as {@code 10.1.0.0/16} or
 * {@code 2001:db8::/32}. Immutable and thread-safe.
 *
 * <p>Parsing keeps prefixes whose host bits are set (such as {@code 10.1.2.3/8}) so
 * that a validator can report them with their canonical form. {@link #isCanonical()}
 * reports whether host bits were set, and {@link #text()} returns the input for error
 * messages. IPv4-mapped
 * IPv6 text ({@code ::ffff:10.0.0.0/104}) stays an IPv6 prefix. IPv4 octets with a
 * leading zero ({@code 010.0.0.0}) are rejected because some parsers read them as
 * octal.
 */
public final class CidrPrefix {

    private static final Pattern IPV4_LITERAL = Pattern.compile("(0|[1-9]\\d{0,2})(\\.(0|[1-9]\\d{0,2})){3}");
    // The first character must be a hex digit or ':', because InetAddress.getByName
    // resolves any other text through DNS instead of parsing it as a literal.
    private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");

    private final boolean ipv4;
    private final int length;
    // Address bits, left-aligned: IPv4 in the low 32 bits of low, IPv6 in high:low.
    private final long high;
    private final long low;
    private final boolean canonical;
    private final String text;

    private CidrPrefix(boolean ipv4, int length, long high, long low, boolean canonical, String text) {
        this.ipv4 = ipv4;
        this.length = length;
        this.high = high;
        this.low = low;
        this.canonical = canonical;
        this.text = text;
    }

    /** Creates the canonical IPv4 prefix {@code bits/length}, clearing host bits. */
    static CidrPrefix ofIpv4(int bits, int length) {
        final long masked = (bits & 0xFFFF_FFFFL) & maskLow32(length);
        return new CidrPrefix(true, length, 0, masked, true, formatIpv4(masked) + "/" + length);
    }

    /**
     * Parses {@code address/length}.
     *
     * @throws IllegalArgumentException with a message that names the value and the
     *     expected form when the text is not a prefix
     */
    public static CidrPrefix parse(String text) {
        requireNonNull(text, "text");
        final int slash = text.indexOf('/');
        if (slash < 0 || slash != text.lastIndexOf('/')) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a CIDR prefix (expected: ADDRESS/LENGTH, such as 10.0.0.0/8)");
        }
        final String addressText = text.substring(0, slash);
        final String lengthText = text.substring(slash + 1);
        final byte[] bytes = parseLiteral(addressText);
        if (bytes == null) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a CIDR prefix (expected: an IPv4 or IPv6 literal before '/',"
                    + " with no leading zeros in IPv4 octets)");
        }

        final int maxLength = bytes.length * 8;
        final int length = lengthText.matches("0|[1-9]\\d{0,2}") ? Integer.parseInt(lengthText) : -1;
        if (length < 0 || length > maxLength) {
            throw new IllegalArgumentException("'" + text + "' has an invalid prefix length (expected: 0-"
                    + maxLength + ")");
        }
        if (bytes.length == 4) {
            final long value = toInt(bytes, 0) & 0xFFFF_FFFFL;
            final long masked = value & maskLow32(length);
            return new CidrPrefix(true, length, 0, masked, masked == value, text);
        }
        final long hi = toLong(bytes, 0);
        final long lo = toLong(bytes, 8);
        final long maskedHi = hi & maskHigh(length);
        final long maskedLo = lo & maskLow(length);
        return new CidrPrefix(false, length, maskedHi, maskedLo, maskedHi == hi && maskedLo == lo, text);
    }

    /**
     * Parses an IP literal without a DNS lookup, or returns {@code null} when the
     * text is not one. IPv4-mapped IPv6 literals come back as 16 bytes.
     */
    static byte[] parseLiteral(String text) {
        final boolean v4 = IPV4_LITERAL.matcher(text).matches();
        final boolean v6 = !v4 && text.indexOf(':') >= 0 && IPV6_LITERAL.matcher(text).matches();
        if (!v4 && !v6) {
            return null;
        }
        if (v4) {
            final String[] parts = text.split("\\.");
            final byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                final int part = Integer.parseInt(parts[i]);
                if (part > 255) {
                    return null;
                }
                bytes[i] = (byte) part;
            }
            return bytes;
        }
        try {
            // A text that matches the IPv6 pattern starts with a hex digit or ':' and has
            // a colon, so getByName parses it as a literal and never queries DNS.
            final byte[] bytes = InetAddress.getByName(text).getAddress();
            if (bytes.length == 16) {
                return bytes;
            }
            // The JDK turns "::ffff:a.b.c.d" into an Inet4Address; keep it IPv6.
            final byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xFF;
            mapped[11] = (byte) 0xFF;
            System.arraycopy(bytes, 0, mapped, 12, 4);
            return mapped;
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Returns whether {@code text} is an IPv4 or IPv6 literal. */
    public static boolean isIpLiteral(String text) {
        return parseLiteral(requireNonNull(text, "text")) != null;
    }

    /** Returns whether {@code text} is an IPv4 literal such as {@code 10.0.0.1}. */
    public static boolean isIpv4Literal(String text) {
        final byte[] bytes = parseLiteral(requireNonNull(text, "text"));
        return bytes != null && bytes.length == 4;
    }

    /** Returns whether {@code text} is an IPv6 literal such as {@code ::1}. */
    public static boolean isIpv6Literal(String text) {
        final byte[] bytes = parseLiteral(requireNonNull(text, "text"));
        return bytes != null && bytes.length == 16;
    }

    public boolean isIpv4() {
        return ipv4;
    }

    /** Returns the prefix length: 0-32 for IPv4, 0-128 for IPv6. */
    public int length() {
        return length;
    }

    /**
     * Returns the text this prefix was parsed from, such as {@code 10.1.2.3/8}, which may
     * differ from the canonical {@link #toString()}.
     */
    public String text() {
        return text;
    }

    /** Returns whether the parsed text had no host bits set. */
    public boolean isCanonical() {
        return canonical;
    }

    /** Returns the first IPv4 address of the prefix as an unsigned 32-bit value. */
    public int ipv4Bits() {
        if (!ipv4) {
            throw new IllegalStateException("not an IPv4 prefix: " + this);
        }
        return (int) low;
    }

    /** Returns the high 64 bits of the first IPv6 address of the prefix. */
    public long ipv6High() {
        if (ipv4) {
            throw new IllegalStateException("not an IPv6 prefix: " + this);
        }
        return high;
    }

    /** Returns the low 64 bits of the first IPv6 address of the prefix. */
    public long ipv6Low() {
        if (ipv4) {
            throw new IllegalStateException("not an IPv6 prefix: " + this);
        }
        return low;
    }

    /** Returns the canonical text: host bits cleared, IPv6 in RFC 5952 form. */
    @Override
    public String toString() {
        if (ipv4) {
            return formatIpv4(low) + "/" + length;
        }
        return formatIpv6(high, low) + "/" + length;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof CidrPrefix)) {
            return false;
        }
        final CidrPrefix that = (CidrPrefix) o;
        return ipv4 == that.ipv4 && length == that.length && high == that.high && low == that.low;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(high * 31 + low) * 31 + length + (ipv4 ? 1 : 0);
    }

    /**
     * Formats 128 bits in RFC 5952 form: lower case, the first longest run of two or more
     * zero groups as "::", and IPv4-mapped addresses as {@code ::ffff:a.b.c.d}.
     */
    static String formatIpv6(long high, long low) {
        if (high == 0 && (low >>> 32) == 0xFFFF) {
            return "::ffff:" + formatIpv4(low);
        }
        final int[] groups = new int[8];
        for (int i = 0; i < 4; i++) {
            groups[i] = (int) (high >>> (48 - 16 * i)) & 0xFFFF;
            groups[i + 4] = (int) (low >>> (48 - 16 * i)) & 0xFFFF;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        final StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    /** Formats the low 32 bits of {@code bits} as a dotted-quad IPv4 address. */
    private static String formatIpv4(long bits) {
        return ((bits >>> 24) & 0xFF) + "." + ((bits >>> 16) & 0xFF) + "." + ((bits >>> 8) & 0xFF) + "." + (bits & 0xFF);
    }

    private static long maskLow32(int length) {
        return length == 0 ? 0 : (0xFFFF_FFFFL << (32 - length)) & 0xFFFF_FFFFL;
    }

    private static long maskHigh(int length) {
        if (length >= 64) {
            return -1L;
        }
        return length == 0 ? 0 : -1L << (64 - length);
    }

    private static long maskLow(int length) {
        if (length <= 64) {
            return 0;
        }
        return length == 128 ? -1L : -1L << (128 - length);
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
