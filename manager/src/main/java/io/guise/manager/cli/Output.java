package io.guise.manager.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Prints API responses for people: tables for lists, one violation per line for errors. */
final class Output {

    private Output() {
    }

    /**
     * Prints a rejected request: the error, then each violation as
     * {@code path: value (expected: rule)} and each parse problem on its own line.
     */
    static void printError(PrintWriter err, ManagerClient.Response response) {
        final JsonNode body = response.body();
        err.println("error (HTTP " + response.status() + "): " + body.path("error").asText("no message"));
        for (JsonNode violation : body.path("violations")) {
            err.println("  " + violation.path("path").asText() + ": " + violation.path("value").asText()
                        + " (expected: " + violation.path("rule").asText() + ")");
        }
        for (JsonNode problem : body.path("problems")) {
            err.println("  " + problem.asText());
        }
        err.flush();
    }

    /** Prints the items of a list response as a table with a header row. */
    static void printTable(PrintWriter out, String collection, JsonNode items) {
        final List<String[]> rows = new ArrayList<>();
        rows.add(header(collection));
        for (JsonNode item : items) {
            rows.add(row(collection, item));
        }
        final int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            final StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == row.length - 1 ? row[i] : String.format("%-" + widths[i] + "s  ", row[i]));
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }

    private static String[] header(String collection) {
        return switch (collection) {
            case "personas" -> new String[] {"ID", "ADDRESS_FAMILY", "ADDRESS", "PORT", "TLS", "PRIORITY",
                                             "LATENCY", "ERROR %"};
            case "endpoints" -> new String[] {"ID", "ADDRESS", "PORT", "POOL", "TIER", "WEIGHT", "HEALTHY",
                                              "REGION"};
            default -> new String[] {"PREFIX", "TARGET"};
        };
    }

    private static String[] row(String collection, JsonNode item) {
        return switch (collection) {
            case "personas" -> new String[] {
                item.path("id").asText(),
                item.path("address_family").asText(),
                item.path("address").asText(),
                item.path("port").asText("0"),
                item.path("tls_version").asText("-").isEmpty() ? "-" : item.path("tls_version").asText("-"),
                item.path("priority").asText("0"),
                item.path("simulated_latency_ms").asText("0") + " ms"
                + (item.has("jitter_ms") ? " +" + item.path("jitter_ms").asText() + " ms" : ""),
                item.path("error_rate_percent").asText("0")
            };
            case "endpoints" -> new String[] {
                item.path("id").asText(),
                item.path("address").asText(),
                item.path("port").asText("-"),
                item.path("pool").asText("-"),
                item.path("tier").asText("0"),
                item.path("weight").asText("1"),
                item.path("healthy").asText("true"),
                item.path("region").asText("-")
            };
            default -> new String[] {item.path("prefix").asText(), target(item)};
        };
    }

    private static String target(JsonNode subset) {
        if (subset.has("persona")) {
            return subset.path("persona").asText();
        }
        final List<String> arms = new ArrayList<>();
        for (JsonNode arm : subset.path("split").path("arms")) {
            arms.add(arm.path("persona").asText() + "=" + arm.path("weight").asText("0"));
        }
        return "split " + String.join(", ", arms);
    }
}
