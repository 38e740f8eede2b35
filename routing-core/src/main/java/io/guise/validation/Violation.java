package io.guise.validation;

import static java.util.Objects.requireNonNull;

/**
 * One broken rule: the path of the field, its value and the rule it breaks.
 * {@link #toString()} gives the message, such as
 * {@code personas[2].port: 70000 (expected: 1-65535)}.
 *
 * <p>The value is written as in JSON: strings in double quotes with JSON escapes
 * (so an empty string shows as {@code ""}), numbers and booleans bare. Strings
 * longer than {@value #MAX_QUOTED_CHARS} characters are cut and followed by their
 * length. A value that is a whole list, map or message is described in a few
 * words, such as {@code []}, {@code 65 entries} or {@code no persona and no split}.
 *
 * @param path the field, such as {@code personas[0].cipher_suites[1]}
 * @param value the offending value, formatted as described above
 * @param rule what the field must be, phrased to follow "expected: "
 */
public record Violation(String path, String value, String rule) {

    /** Maximum length of a string that a value shows whole. */
    public static final int MAX_QUOTED_CHARS = 80;

    public Violation {
        requireNonNull(path, "path");
        requireNonNull(value, "value");
        requireNonNull(rule, "rule");
    }

    /** Creates a violation whose value is a string, quoted. */
    public static Violation ofString(String path, String value, String rule) {
        return new Violation(path, quote(value), rule);
    }

    /** Creates a violation whose value is an integer. */
    public static Violation ofLong(String path, long value, String rule) {
        return new Violation(path, Long.toString(value), rule);
    }

    /** Creates a violation whose value is a floating-point number, with NaN and infinities as Java prints them. */
    public static Violation ofDouble(String path, double value, String rule) {
        return new Violation(path, Double.toString(value), rule);
    }

    /**
     * Quotes a string as a JSON string literal. Strings longer than
     * {@value #MAX_QUOTED_CHARS} characters are cut, marked with "..." and followed
     * by their length, such as {@code "aaaa..." (300 characters)}.
     */
    public static String quote(String text) {
        requireNonNull(text, "text");
        final boolean cut = text.length() > MAX_QUOTED_CHARS;
        int end = cut ? MAX_QUOTED_CHARS : text.length();
        if (cut && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--; // keeps a surrogate pair whole
        }
        final String kept = text.substring(0, end);
        final StringBuilder quoted = new StringBuilder(kept.length() + 24).append('"');
        for (int i = 0; i < kept.length(); i++) {
            final char c = kept.charAt(i);
            switch (c) {
                case '"':
                    quoted.append("\\\"");
                    break;
                case '\\':
                    quoted.append("\\\\");
                    break;
                case '\n':
                    quoted.append("\\n");
                    break;
                case '\r':
                    quoted.append("\\r");
                    break;
                case '\t':
                    quoted.append("\\t");
                    break;
                default:
                    if (c < 0x20 || c == 0x7F) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                    break;
            }
        }
        if (cut) {
            return quoted.append("...\" (").append(text.length()).append(" characters)").toString();
        }
        return quoted.append('"').toString();
    }

    @Override
    public String toString() {
        return path + ": " + value + " (expected: " + rule + ")";
    }
}
