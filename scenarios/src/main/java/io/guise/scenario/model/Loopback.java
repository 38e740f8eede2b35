package io.guise.scenario.model;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** Recognises loopback IP literals without any name lookup. */
final class Loopback {

    static final String RULE = "a loopback IP, 127.0.0.0/8 or ::1, because scenarios run on loopback only";

    private static final Pattern IPV4 =
            Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:]{2,39}");

    private Loopback() {}

    /** Returns whether the text is an IPv4 literal in 127.0.0.0/8 or the IPv6 literal ::1 in any spelling. */
    static boolean isLoopbackLiteral(String text) {
        if (IPV4.matcher(text).matches()) {
            return text.startsWith("127.");
        }
        if (!text.contains(":") || !IPV6_CHARS.matcher(text).matches()) {
            return false;
        }
        try {
            // Text with a colon is parsed as an IPv6 literal, never looked up.
            return InetAddress.getByName(text).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
