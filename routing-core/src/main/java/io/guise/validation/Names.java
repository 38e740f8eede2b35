package io.guise.validation;

import io.guise.subset.CidrPrefix;
import java.util.regex.Pattern;

/** Syntax checks for ids, hostnames and pool names shared by the rule classes. */
final class Names {

    /** Rule text for persona, endpoint, pool and access point ids. */
    static final String ID_RULE = "1-64 characters of [A-Za-z0-9._-]";

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    // An RFC 1123 label: 1-63 letters, digits and hyphens, with no hyphen at
    // either end. Unlike RFC 952, RFC 1123 lets a label start with a digit.
    private static final Pattern HOSTNAME_LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    private static final Pattern DOTTED_NUMBERS = Pattern.compile("[0-9]+(\\.[0-9]+)*");

    private Names() {}

    static boolean isId(String text) {
        return ID.matcher(text).matches();
    }

    /**
     * Returns whether the text is a hostname: dot-separated RFC 1123 labels, at
     * most 253 characters, with an optional trailing dot. Text made of digits and
     * dots only, such as {@code 10.0.0.300}, is not a hostname, because a reader
     * would take it for an IPv4 address.
     */
    static boolean isHostname(String text) {
        final String name = text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
        if (name.isEmpty() || name.length() > 253 || DOTTED_NUMBERS.matcher(name).matches()) {
            return false;
        }
        for (String label : name.split("\\.", -1)) {
            if (!HOSTNAME_LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns whether the text looks like an attempt at an IP literal: dotted
     * numbers or any text with a colon. Such text is never read as a pool name.
     */
    static boolean looksLikeIpLiteral(String text) {
        return text.indexOf(':') >= 0 || (text.indexOf('.') >= 0 && DOTTED_NUMBERS.matcher(text).matches());
    }

    static boolean isIpLiteral(String text) {
        return CidrPrefix.isIpLiteral(text);
    }
}
