package io.guise.distribution;

import static java.util.Objects.requireNonNull;

import io.guise.subset.CidrPrefix;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Parses the manager's distribution address, {@code host:port} with an IP literal host. Stateless. */
public final class ManagerAddress {

    /** The accepted form, phrased to follow "expected: ". */
    public static final String RULE = "IP:PORT with an IP literal and a port 1-65535, such as 127.0.0.1:7000"
                                      + " or [::1]:7000";

    private ManagerAddress() {
    }

    /**
     * Returns the socket address that {@code text} names, without a DNS lookup.
     *
     * @throws IllegalArgumentException naming the value and {@link #RULE} when it does not parse
     */
    public static InetSocketAddress parse(String text) {
        requireNonNull(text, "text");
        final int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw invalid(text);
        }
        String host = text.substring(0, colon);
        final boolean bracketed = host.startsWith("[") && host.endsWith("]");
        if (bracketed) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            // An IPv6 literal needs brackets, or the port would be ambiguous.
            throw invalid(text);
        }
        final int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw invalid(text);
        }
        if (port < 1 || port > 65535 || !CidrPrefix.isIpLiteral(host)
            || bracketed != CidrPrefix.isIpv6Literal(host)) {
            throw invalid(text);
        }
        try {
            // The host is an IP literal, so this performs no DNS lookup.
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw invalid(text);
        }
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("manager address: \"" + text + "\" (expected: " + RULE + ")");
    }
}
