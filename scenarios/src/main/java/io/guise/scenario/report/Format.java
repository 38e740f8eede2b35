package io.guise.scenario.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Number, time and text formatting shared by the HTML page and the console summary. */
final class Format {

    private Format() {
    }

    /**
     * Escapes {@code &}, {@code <}, {@code >}, {@code "} and {@code '} so that the text is
     * safe both as HTML or SVG element content and inside a quoted attribute value.
     */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        final StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** Formats a latency in milliseconds with a precision that suits its size, without the unit. */
    static String millis(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return String.valueOf(value);
        }
        final double magnitude = Math.abs(value);
        if (magnitude >= 100) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        if (magnitude >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }

    /** Formats milliseconds since the load started as seconds, such as {@code 12.345 s}. */
    static String offset(long millis) {
        return String.format(Locale.ROOT, "%.3f s", millis / 1000.0);
    }

    /** Formats a run length: {@code 20.0 s}, {@code 2 min 05 s} or {@code 1 h 02 min}. */
    static String duration(long millis) {
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
        final long seconds = millis / 1000;
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", seconds / 3600, (seconds % 3600) / 60);
    }

    /** Formats a count with thousands separators, such as {@code 12,345}. */
    static String count(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    /** Returns the list, or an empty list for a report that left it null. */
    static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    /** Returns the map, or an empty map for a report that left it null. */
    static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
        return map == null ? Map.of() : map;
    }

    /** Returns what a health decision is about: an endpoint id, or a subset's prefix and arm. */
    static String decisionSubject(RunReport.HealthDecision decision) {
        if (decision.endpoint() != null) {
            return decision.endpoint();
        }
        return (decision.prefix() == null ? "-" : decision.prefix()) + " arm "
               + (decision.arm() == null ? "-" : decision.arm());
    }

    /** Returns a health decision's change: {@code tier 0 -> 1} for an endpoint, {@code weight 30 -> 0} for an arm. */
    static String decisionChange(RunReport.HealthDecision decision) {
        return (decision.endpoint() != null ? "tier " : "weight ") + decision.from() + " -> " + decision.to();
    }
}
