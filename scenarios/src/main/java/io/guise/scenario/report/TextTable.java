package io.guise.scenario.report;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table with padded columns, where chosen columns are right-aligned. Not thread-safe.
 * NOTE: widths count UTF-16 chars, so names with wide or combining characters misalign their row.
 */
final class TextTable {

    private final List<String> headers;
    private final boolean[] rightAligned;
    private final List<List<String>> rows = new ArrayList<>();

    /** Creates a table with these headers. A header starting with {@code >} marks a right-aligned column. */
    TextTable(String... headers) {
        this.headers = new ArrayList<>();
        this.rightAligned = new boolean[headers.length];
        for (int i = 0; i < headers.length; i++) {
            rightAligned[i] = headers[i].startsWith(">");
            this.headers.add(rightAligned[i] ? headers[i].substring(1) : headers[i]);
        }
    }

    TextTable row(String... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException(
                    "cells: " + cells.length + " values (expected: " + headers.size() + ", one per column)");
        }
        rows.add(List.of(cells));
        return this;
    }

    /** Prints the header, a rule and every row, each line indented by {@code indent}. */
    void print(PrintWriter out, String indent) {
        final int[] widths = new int[headers.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = headers.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        printLine(out, indent, headers, widths);
        final List<String> rule = new ArrayList<>();
        for (int width : widths) {
            rule.add("-".repeat(width));
        }
        printLine(out, indent, rule, widths);
        for (List<String> row : rows) {
            printLine(out, indent, row, widths);
        }
    }

    private void printLine(PrintWriter out, String indent, List<String> cells, int[] widths) {
        final StringBuilder line = new StringBuilder(indent);
        for (int i = 0; i < cells.size(); i++) {
            final String cell = cells.get(i);
            final String padding = " ".repeat(widths[i] - cell.length());
            if (i > 0) {
                line.append("  ");
            }
            line.append(rightAligned[i] ? padding + cell : cell + padding);
        }
        out.println(line.toString().stripTrailing());
    }
}
