package io.guise.chaos;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@code host:port} text into a loopback socket address without any name
 * lookup. The fault proxy listens on and connects to loopback only, so every
 * other host is rejected.
 */
public final class LoopbackAddress {

    /** The rule that error messages give for an address. */
    public static final String RULE = "host:port with a loopback host (127.0.0.0/8, [::1] or localhost), "
            + "because the fault proxy reaches loopback only";

    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:]+\\]|[^:\\[\\]]+):([0-9]{1,5})");
    private static final Pattern IPV4 =
            Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}");

    private LoopbackAddress() {}

    /**
     * Parses {@code text} for the field {@code field}.
     *
     * @param minPort 0 for a listen address (0 picks a free port), 1 for an upstream
     * @throws ChaosException naming the field, the value and the rule
     */
    public static InetSocketAddress parse(String field, String text, int minPort) {
        final Matcher matcher = HOST_PORT.matcher(text);
        if (!matcher.matches()) {
            throw ChaosException.invalid(field, Toxic.quote(text), RULE);
        }
        final int port = Integer.parseInt(matcher.group(2));
        if (port < minPort || port > 65535) {
            throw ChaosException.invalid(field, Toxic.quote(text),
                    "a port from " + minPort + " to 65535" + (minPort == 0 ? ", where 0 picks a free port" : ""));
        }
        final InetAddress host = loopbackHost(matcher.group(1));
        if (host == null) {
            throw ChaosException.invalid(field, Toxic.quote(text), RULE);
        }
        return new InetSocketAddress(host, port);
    }

    /** Writes an address as {@code 127.0.0.1:8080} or {@code [::1]:8080}. */
    public static String format(InetSocketAddress address) {
        final String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static InetAddress loopbackHost(String host) {
        try {
            if (host.equals("localhost")) {
                return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
            }
            if (IPV4.matcher(host).matches()) {
                // A literal is parsed, never looked up.
                final InetAddress address = InetAddress.getByName(host);
                return address.isLoopbackAddress() ? address : null;
            }
            if (host.startsWith("[") && host.endsWith("]")) {
                final InetAddress address = InetAddress.getByName(host.substring(1, host.length() - 1));
                return address.isLoopbackAddress() ? address : null;
            }
            return null;
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
