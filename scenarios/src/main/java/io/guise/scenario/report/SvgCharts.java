package io.guise.scenario.report;

import static io.guise.scenario.report.Format.escape;

import io.guise.scenario.report.RunReport.Distribution;
import io.guise.scenario.report.RunReport.TimelineEntry;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * Draws the report's charts as inline SVG elements. The x axis of the time charts is
 * seconds since the load started, and the value of second {@code s} is drawn at
 * {@code s + 0.5}, the middle of the interval it covers. Callers check that there is
 * data before drawing. Stateless.
 */
final class SvgCharts {

    /** Series colors, the D3 category10 palette. Series past the tenth reuse them, drawn dashed. */
    private static final String[] PALETTE = {
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    };

    private static final int WIDTH = 1160;
    private static final int TIME_CHART_HEIGHT = 300;
    private static final int LEFT = 84;
    private static final int RIGHT = 24;
    private static final int TOP = 48;
    private static final int BOTTOM = 44;

    private SvgCharts() {
    }

    /** One named line over seconds: {@code values[s]} is the value in second {@code s}, or NaN for none. */
    record Series(String name, double[] values) {
    }

    /** Returns the color of the series at {@code index}. */
    static String color(int index) {
        return PALETTE[index % PALETTE.length];
    }

    /** Returns whether the series at {@code index} is drawn dashed because the palette ran out. */
    static boolean dashed(int index) {
        return index >= PALETTE.length;
    }

    /**
     * Draws one line per series over {@code seconds} seconds, with a vertical marker per
     * timeline entry. A NaN value leaves a gap in its line.
     */
    static String lineChart(String id, String label, List<Series> series, int seconds, String yUnit,
                            List<TimelineEntry> timeline) {
        double yDataMax = 0;
        for (Series s : series) {
            for (double v : s.values()) {
                if (!Double.isNaN(v)) {
                    yDataMax = Math.max(yDataMax, v);
                }
            }
        }
        final Frame frame = new Frame(WIDTH, TIME_CHART_HEIGHT, seconds, yDataMax);
        final StringBuilder svg = open(id, label, WIDTH, TIME_CHART_HEIGHT);
        frame.yAxis(svg, v -> frame.yTickLabel(v) + " " + yUnit);
        frame.timeAxis(svg);
        for (int i = 0; i < series.size(); i++) {
            appendLine(svg, frame, series.get(i), i);
        }
        frame.markers(svg, timeline);
        return svg.append("</svg>\n").toString();
    }

    /**
     * Draws one stacked bar per second: each name's count as a share of that second's
     * total. Seconds without requests stay empty.
     */
    static String shareChart(String id, String label, List<String> names, List<long[]> counts, int seconds,
                             List<TimelineEntry> timeline) {
        final Frame frame = new Frame(WIDTH, TIME_CHART_HEIGHT, seconds, 100);
        final StringBuilder svg = open(id, label, WIDTH, TIME_CHART_HEIGHT);
        frame.yAxis(svg, v -> frame.yTickLabel(v) + " %");
        frame.timeAxis(svg);

        final double slot = frame.x(1) - frame.x(0);
        final double gap = slot > 4 ? 1 : 0;
        for (int second = 0; second < seconds; second++) {
            long total = 0;
            for (long[] c : counts) {
                total += second < c.length ? c[second] : 0;
            }
            if (total == 0) {
                continue;
            }
            double below = 0;
            for (int i = 0; i < counts.size(); i++) {
                final long[] c = counts.get(i);
                final long value = second < c.length ? c[second] : 0;
                if (value == 0) {
                    continue;
                }
                final double share = 100.0 * value / total;
                final double top = frame.y(below + share);
                final double bottom = frame.y(below);
                svg.append(String.format(Locale.ROOT,
                        "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"%s>"
                        + "<title>%s, second %d: %s of %s requests (%.1f %%)</title></rect>%n",
                        frame.x(second), top, Math.max(0.5, slot - gap), bottom - top, color(i),
                        dashed(i) ? " fill-opacity=\"0.6\"" : "",
                        escape(names.get(i)), second, Format.count(value), Format.count(total), share));
                below += share;
            }
        }
        frame.markers(svg, timeline);
        return svg.append("</svg>\n").toString();
    }

    /** Draws the p50, p99 and max of a distribution of milliseconds as horizontal bars. */
    static String distributionChart(String id, String label, Distribution distribution) {
        final int height = 190;
        final String[] names = {"p50", "p99", "max"};
        final double[] values = {distribution.p50(), distribution.p99(), distribution.max()};
        final double xMax = niceCeiling(Math.max(distribution.max(), 1e-3) * 1.12);
        final double xStep = niceStep(xMax, 8);
        final double plotRight = WIDTH - RIGHT;
        final double plotBottom = height - BOTTOM;
        final DoubleFunction<Double> x = v -> LEFT + v / xMax * (plotRight - LEFT);

        final StringBuilder svg = open(id, label, WIDTH, height);
        for (double tick = 0; tick <= xMax + xStep / 1000; tick += xStep) {
            svg.append(String.format(Locale.ROOT,
                    "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\"/>"
                    + "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s ms</text>%n",
                    x.apply(tick), TOP - 20, x.apply(tick), plotBottom, x.apply(tick), plotBottom + 16,
                    tickLabel(tick, xStep)));
        }
        svg.append(String.format(Locale.ROOT,
                "<text class=\"axis-title\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
                + "commit-to-ACK time (ms)</text>%n", (LEFT + plotRight) / 2, height - 6));
        svg.append(String.format(Locale.ROOT,
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%s measurements</text>%n",
                plotRight, TOP - 28, Format.count(distribution.count())));

        final double rowHeight = (plotBottom - (TOP - 20)) / names.length;
        for (int i = 0; i < names.length; i++) {
            final double rowTop = TOP - 20 + i * rowHeight;
            final double barWidth = x.apply(values[i]) - LEFT;
            svg.append(String.format(Locale.ROOT,
                    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>"
                    + "<rect class=\"bar\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                    + "<title>%s: %s ms</title></rect>"
                    + "<text x=\"%.1f\" y=\"%.1f\">%s ms</text>%n",
                    LEFT - 8, rowTop + rowHeight / 2 + 4, names[i],
                    LEFT, rowTop + rowHeight * 0.2, Math.max(1, barWidth), rowHeight * 0.6, color(i),
                    names[i], Format.millis(values[i]),
                    LEFT + Math.max(1, barWidth) + 6, rowTop + rowHeight / 2 + 4, Format.millis(values[i])));
        }
        svg.append(String.format(Locale.ROOT, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\"/>%n",
                LEFT, TOP - 20, LEFT, plotBottom));
        return svg.append("</svg>\n").toString();
    }

    private static StringBuilder open(String id, String label, int width, int height) {
        return new StringBuilder(4096).append(String.format(Locale.ROOT,
                "<svg class=\"chart\" data-chart=\"%s\" viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\""
                + " aria-label=\"%s\">%n", escape(id), width, height, escape(label)));
    }

    private static void appendLine(StringBuilder svg, Frame frame, Series series, int index) {
        final StringBuilder path = new StringBuilder();
        boolean penDown = false;
        final double[] values = series.values();
        for (int second = 0; second < values.length; second++) {
            if (Double.isNaN(values[second])) {
                penDown = false;
                continue;
            }
            final double px = frame.x(second + 0.5);
            final double py = frame.y(values[second]);
            // "h0" after every move draws a dot with the round line cap, so a lone second stays visible.
            path.append(String.format(Locale.ROOT, penDown ? "L%.1f %.1f " : "M%.1f %.1f h0 ", px, py));
            penDown = true;
        }
        if (path.length() == 0) {
            return;
        }
        svg.append(String.format(Locale.ROOT,
                "<path class=\"series\" d=\"%s\" stroke=\"%s\"%s><title>%s</title></path>%n",
                path.toString().trim(), color(index), dashed(index) ? " stroke-dasharray=\"6 3\"" : "",
                escape(series.name())));
    }

    /** Returns a step of 1, 2 or 5 times a power of ten that splits {@code range} into about {@code ticks}. */
    static double niceStep(double range, int ticks) {
        if (range <= 0) {
            return 1;
        }
        final double raw = range / ticks;
        final double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        final double normalized = raw / magnitude;
        if (normalized <= 1) {
            return magnitude;
        }
        if (normalized <= 2) {
            return 2 * magnitude;
        }
        if (normalized <= 5) {
            return 5 * magnitude;
        }
        return 10 * magnitude;
    }

    /** Formats a tick value with as many decimals as its step needs. */
    static String tickLabel(double value, double step) {
        final int decimals = (int) Math.max(0, -Math.floor(Math.log10(step)));
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static double niceCeiling(double value) {
        final double step = niceStep(value, 10);
        return Math.ceil(value / step) * step;
    }

    /** Plot area and axis scales of one chart. */
    private static final class Frame {
        private final int width;
        private final int height;
        private final double xMax;
        private final double yMax;
        private final double yStep;

        Frame(int width, int height, double xMax, double yDataMax) {
            this.width = width;
            this.height = height;
            this.xMax = Math.max(1, xMax);
            final double top = yDataMax > 0 ? yDataMax : 1;
            this.yStep = niceStep(top, 5);
            this.yMax = Math.ceil(top / yStep) * yStep;
        }

        double x(double seconds) {
            return LEFT + seconds / xMax * (width - LEFT - RIGHT);
        }

        double y(double value) {
            return height - BOTTOM - value / yMax * (height - TOP - BOTTOM);
        }

        String yTickLabel(double value) {
            return tickLabel(value, yStep);
        }

        void yAxis(StringBuilder svg, DoubleFunction<String> label) {
            for (int i = 0; i * yStep <= yMax + yStep / 1000; i++) {
                final double value = i * yStep;
                svg.append(String.format(Locale.ROOT,
                        "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                        + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                        LEFT, y(value), width - RIGHT, y(value), LEFT - 6, y(value) + 4,
                        escape(label.apply(value))));
            }
            svg.append(String.format(Locale.ROOT, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>%n",
                    LEFT, TOP, LEFT, height - BOTTOM));
        }

        void timeAxis(StringBuilder svg) {
            final double step = Math.max(1, niceStep(xMax, 12));
            for (int i = 0; i * step <= xMax + step / 1000; i++) {
                final double seconds = i * step;
                svg.append(String.format(Locale.ROOT,
                        "<line class=\"axis\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                        + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s s</text>%n",
                        x(seconds), height - BOTTOM, x(seconds), height - BOTTOM + 5, x(seconds),
                        height - BOTTOM + 18, tickLabel(seconds, step)));
            }
            svg.append(String.format(Locale.ROOT,
                    "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                    + "<text class=\"axis-title\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
                    + "time since the load started (s)</text>%n",
                    LEFT, height - BOTTOM, width - RIGHT, height - BOTTOM, (LEFT + width - RIGHT) / 2.0,
                    height - 6));
        }

        /** Draws a dashed vertical line per timeline entry, labelled by its action on one of three rows. */
        void markers(StringBuilder svg, List<TimelineEntry> timeline) {
            int drawn = 0;
            for (TimelineEntry entry : timeline) {
                final double seconds = entry.atMs() / 1000.0;
                if (seconds < 0 || seconds > xMax) {
                    continue;
                }
                final double px = x(seconds);
                // Labels near either edge grow inwards so they stay inside the chart.
                String anchor = "middle";
                if (px < LEFT + 60) {
                    anchor = "start";
                } else if (px > width - RIGHT - 60) {
                    anchor = "end";
                }
                final int labelY = TOP - 6 - 13 * (drawn % 3);
                svg.append(String.format(Locale.ROOT,
                        "<g class=\"marker\"><title>%s at %s: %s (%s)</title>"
                        + "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                        + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text></g>%n",
                        escape(entry.action()), Format.offset(entry.atMs()), escape(entry.detail()),
                        escape(entry.outcome()),
                        px, labelY + 3, px, height - BOTTOM, px, labelY, anchor, escape(entry.action())));
                drawn++;
            }
        }
    }
}
